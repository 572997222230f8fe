import Foundation
import Crypto
import CryptoExtras

/// A PBKDF2-HMAC-SHA-256 or -SHA-512 hash, read from any of its import encodings and stored in
/// the PHC form `$pbkdf2-sha256$i=<iterations>,l=<bytes>$<salt>$<hash>` (standard base64
/// without padding).
struct PBKDF2Hash: Sendable, Equatable {
    enum Digest: String, Sendable { case sha256, sha512 }

    /// Fewer iterations protect nothing; more make a sign-in a denial of service.
    static let iterations = 1_000...10_000_000
    static let saltBytes = 8...1024
    static let hashBytes = 16...128

    var digest: Digest
    var iterations: Int
    var salt: [UInt8]
    var hash: [UInt8]

    init(digest: Digest, iterations: Int, salt: [UInt8], hash: [UInt8]) throws {
        func reject(_ reason: String) -> ImportedPasswordHash.Rejection {
            ImportedPasswordHash.Rejection("PBKDF2 hash refused: \(reason)")
        }
        guard Self.iterations.contains(iterations) else {
            throw reject("\(iterations) iterations; \(Self.iterations.lowerBound) to \(Self.iterations.upperBound) are accepted")
        }
        guard Self.saltBytes.contains(salt.count) else {
            throw reject("the salt has \(salt.count) bytes; \(Self.saltBytes.lowerBound) to \(Self.saltBytes.upperBound) are accepted")
        }
        guard Self.hashBytes.contains(hash.count) else {
            throw reject("the hash has \(hash.count) bytes; \(Self.hashBytes.lowerBound) to \(Self.hashBytes.upperBound) are accepted")
        }
        self.digest = digest
        self.iterations = iterations
        self.salt = salt
        self.hash = hash
    }

    var encoded: String {
        "$pbkdf2-\(digest.rawValue)$i=\(iterations),l=\(hash.count)$\(HashEncoding.unpaddedBase64(salt))$\(HashEncoding.unpaddedBase64(hash))"
    }

    func matches(_ password: String) -> Bool {
        let function: KDF.Insecure.PBKDF2.HashFunction = digest == .sha256 ? .sha256 : .sha512
        // The limits above are this module's; CryptoExtras' checked variant wants 210,000 rounds,
        // more than passlib's and Django's older defaults that imported hashes carry.
        guard let key = try? KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: function, outputByteCount: hash.count,
            unsafeUncheckedRounds: iterations)
        else { return false }
        return constantTimeEquals(key.withUnsafeBytes { Array($0) }, hash)
    }

    static let phcPrefixes = ["$pbkdf2-sha256$", "$pbkdf2-sha512$"]
    static let djangoPrefix = "pbkdf2_sha256$"

    static func owns(_ hash: String) -> Bool { phcPrefixes.contains { hash.hasPrefix($0) } || hash.hasPrefix(djangoPrefix) }

    /// The hash in `text`: `nil` when it is not a PBKDF2 string at all, a rejection when it is a
    /// damaged or out-of-range one.
    static func parse(_ text: String) throws -> PBKDF2Hash? {
        guard owns(text) else { return nil }
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        if text.hasPrefix(djangoPrefix) {
            // Django: pbkdf2_sha256$<iterations>$<salt text>$<base64 hash>
            guard parts.count == 4, let iterations = parts[1].wholeValue(after: ""), !parts[2].isEmpty,
                  let hash = HashEncoding.base64.decode(parts[3])
            else { throw ImportedPasswordHash.Rejection("malformed Django PBKDF2 hash (expected pbkdf2_sha256$N$salt$hash)") }
            return try PBKDF2Hash(digest: .sha256, iterations: iterations, salt: Array(parts[2].utf8), hash: hash)
        }
        let digest: Digest = text.hasPrefix("$pbkdf2-sha256$") ? .sha256 : .sha512
        guard parts.count == 5 else {
            throw ImportedPasswordHash.Rejection("malformed PBKDF2 hash (expected $pbkdf2-\(digest.rawValue)$i=N,l=L$salt$hash)")
        }
        if let iterations = parts[2].wholeValue(after: "") {
            // passlib: $pbkdf2-sha256$<iterations>$<ab64 salt>$<ab64 hash>
            guard let salt = HashEncoding.adaptedBase64.decode(parts[3]), let hash = HashEncoding.adaptedBase64.decode(parts[4])
            else { throw ImportedPasswordHash.Rejection("malformed passlib PBKDF2 hash (salt or hash not in adapted base64)") }
            return try PBKDF2Hash(digest: digest, iterations: iterations, salt: salt, hash: hash)
        }
        // PHC: $pbkdf2-sha256$i=<iterations>[,l=<bytes>]$<salt>$<hash>
        let parameters = parts[2].split(separator: ",", omittingEmptySubsequences: false)
        guard (1...2).contains(parameters.count), let iterations = parameters[0].wholeValue(after: "i="),
              let salt = HashEncoding.base64.decode(parts[3]), let hash = HashEncoding.base64.decode(parts[4])
        else { throw ImportedPasswordHash.Rejection("malformed PBKDF2 hash (expected $pbkdf2-\(digest.rawValue)$i=N,l=L$salt$hash)") }
        if parameters.count == 2 {
            guard let length = parameters[1].wholeValue(after: "l="), length == hash.count else {
                throw ImportedPasswordHash.Rejection("PBKDF2 hash refused: l= does not match the length of the hash")
            }
        }
        return try PBKDF2Hash(digest: digest, iterations: iterations, salt: salt, hash: hash)
    }

    init?(fields: ImportedPasswordFields, algorithm: String) throws {
        let digest: Digest
        switch algorithm {
        case "pbkdf2-sha256": digest = .sha256
        case "pbkdf2-sha512": digest = .sha512
        default: return nil
        }
        guard let iterations = fields.iterations else {
            throw ImportedPasswordHash.Rejection("PBKDF2 fields need \"iterations\"")
        }
        let (salt, hash) = try decodeFields(fields)
        try self.init(digest: digest, iterations: iterations, salt: salt, hash: hash)
    }
}

/// The salt and hash of a fields record, in `encoding` (`base64` by default, or `hex`), the salt
/// in `salt_encoding` when given (also `text`: its UTF-8 bytes).
func decodeFields(_ fields: ImportedPasswordFields) throws -> (salt: [UInt8], hash: [UInt8]) {
    func encoding(_ name: String?, field: String, text: Bool) throws -> HashEncoding? {
        switch name?.lowercased() ?? "base64" {
        case "base64": return .base64
        case "hex": return .hex
        case "text" where text: return nil
        default:
            throw ImportedPasswordHash.Rejection("unknown \(field) '\(name?.prefix(20) ?? "")' (expected base64 or hex\(text ? " or text" : ""))")
        }
    }
    let hashEncoding = try encoding(fields.encoding, field: "encoding", text: false) ?? .base64
    let saltEncoding = try fields.saltEncoding.map { try encoding($0, field: "salt_encoding", text: true) } ?? hashEncoding
    let salt: [UInt8]
    if let saltEncoding {
        guard let decoded = saltEncoding.decode(Substring(fields.salt)) else {
            throw ImportedPasswordHash.Rejection("the salt is not valid \(saltEncoding.rawValue)")
        }
        salt = decoded
    } else {
        salt = Array(fields.salt.utf8)
    }
    guard let hash = hashEncoding.decode(Substring(fields.hash)) else {
        throw ImportedPasswordHash.Rejection("the hash is not valid \(hashEncoding.rawValue)")
    }
    return (salt, hash)
}
