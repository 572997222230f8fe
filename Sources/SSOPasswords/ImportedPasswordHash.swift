import Foundation

/// Password hashes brought over from another system, and the checks of those this module
/// verifies itself.
///
/// `normalize` turns what an import record gives into the one string stored in
/// `User.passwordHash`; every format has one stored form, so verification has one parser per form:
///
/// | given                                                              | stored                                              |
/// |--------------------------------------------------------------------|-----------------------------------------------------|
/// | bcrypt `$2a$`, `$2b$`, `$2y$`                                       | as given                                            |
/// | Argon2 PHC `$argon2id$`, `$argon2i$`, `$argon2d$`                   | as given (shape checked)                            |
/// | PHC `$pbkdf2-sha256$i=N,l=L$salt$hash` (also `-sha512`)             | `$pbkdf2-sha256$i=N,l=L$salt$hash`, standard base64 without padding |
/// | passlib `$pbkdf2-sha256$N$salt$hash` (adapted base64)              | the same PHC form                                   |
/// | Django `pbkdf2_sha256$N$salt$hash` (the salt's text is its bytes)  | the same PHC form                                   |
/// | fields `{algorithm: pbkdf2-sha256/-sha512, iterations, salt, hash}` | the same PHC form                                   |
/// | fields `{algorithm: salted-sha256/-sha512, salt_position, salt, hash}` or the stored form | `$salted-sha256$pos=prefix$salt$digest` (`pos=suffix`), standard base64 without padding |
///
/// `verify` checks the PBKDF2 and salted SHA-2 forms; bcrypt and Argon2 are verified by their
/// own hashers, and for them (and anything else it does not know) `verify` answers `nil`.
public enum ImportedPasswordHash {
    /// Why a hash is not accepted; says what is wrong without repeating the hash.
    public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Longer strings are not password hashes of any format here.
    static let maximumLength = 4096

    /// Turns a hash string of one of the accepted formats into its stored form.
    public static func normalize(_ hash: String) throws -> String {
        guard hash.utf8.count <= maximumLength else {
            throw Rejection("the password hash is longer than \(maximumLength) bytes")
        }
        if BcryptShape.owns(hash) { try BcryptShape.validate(hash); return hash }
        if Argon2Shape.owns(hash) { try Argon2Shape.validate(hash); return hash }
        if let pbkdf2 = try PBKDF2Hash.parse(hash) { return pbkdf2.encoded }
        if let salted = try SaltedSHAHash.parse(hash) { return salted.encoded }
        throw Rejection("unknown password hash format (expected bcrypt, Argon2, PBKDF2 or salted SHA-2)")
    }

    /// Turns a hash given as fields into its stored form.
    public static func normalize(_ fields: ImportedPasswordFields) throws -> String {
        let algorithm = fields.algorithm.lowercased().replacingOccurrences(of: "_", with: "-")
        if let pbkdf2 = try PBKDF2Hash(fields: fields, algorithm: algorithm) { return pbkdf2.encoded }
        if let salted = try SaltedSHAHash(fields: fields, algorithm: algorithm) { return salted.encoded }
        throw Rejection("unknown password algorithm '\(fields.algorithm.prefix(40))' "
            + "(expected pbkdf2-sha256, pbkdf2-sha512, salted-sha256 or salted-sha512)")
    }

    /// Whether `password` matches `stored`: `nil` when `stored` is not a PBKDF2 or salted SHA-2
    /// hash (bcrypt, Argon2, anything else), `false` on a mismatch or a damaged hash of these
    /// formats. Digests are compared in constant time. PBKDF2 is slow on purpose: call it off
    /// the event loops.
    public static func verify(_ password: String, stored: String) -> Bool? {
        guard PBKDF2Hash.owns(stored) || SaltedSHAHash.owns(stored) else { return nil }
        guard stored.utf8.count <= maximumLength else { return false }
        do {
            if let pbkdf2 = try PBKDF2Hash.parse(stored) { return pbkdf2.matches(password) }
            if let salted = try SaltedSHAHash.parse(stored) { return salted.matches(password) }
        } catch {
            return false
        }
        return false
    }
}

/// bcrypt's modular crypt string: `$2b$`, a two-digit cost, `$`, 22 characters of salt and 31 of
/// hash in bcrypt's own base64 alphabet.
enum BcryptShape {
    static let prefixes = ["$2a$", "$2b$", "$2y$"]
    static let alphabet = Set("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    static func owns(_ hash: String) -> Bool { prefixes.contains { hash.hasPrefix($0) } }

    static func validate(_ hash: String) throws {
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, bytes[6] == UInt8(ascii: "$"),
              let cost = Int(String(decoding: bytes[4..<6], as: UTF8.self)), (4...31).contains(cost),
              bytes[7...].allSatisfy(alphabet.contains)
        else { throw ImportedPasswordHash.Rejection("malformed bcrypt hash (expected $2b$NN$ and 53 characters)") }
    }
}
