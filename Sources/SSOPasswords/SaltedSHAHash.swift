import Crypto

/// A single salted SHA-256 or SHA-512 digest, the scheme of many older systems: the digest of the
/// salt and the password's UTF-8 bytes, the salt before (`prefix`) or after (`suffix`) the password.
/// Stored as `$salted-sha256$pos=prefix$<salt>$<digest>` (standard base64 without padding). It
/// is fast to attack, so a sign-in replaces it with the current hash.
struct SaltedSHAHash: Sendable, Equatable {
    enum Digest: String, Sendable { case sha256, sha512 }
    enum Position: String, Sendable { case prefix, suffix }

    static let saltBytes = 4...1024

    var digest: Digest
    var position: Position
    var salt: [UInt8]
    var hash: [UInt8]

    init(digest: Digest, position: Position, salt: [UInt8], hash: [UInt8]) throws {
        guard Self.saltBytes.contains(salt.count) else {
            throw ImportedPasswordHash.Rejection("salted SHA hash refused: the salt has \(salt.count) bytes; "
                + "\(Self.saltBytes.lowerBound) to \(Self.saltBytes.upperBound) are accepted")
        }
        let length = digest == .sha256 ? 32 : 64
        guard hash.count == length else {
            throw ImportedPasswordHash.Rejection("salted SHA hash refused: a \(digest.rawValue) digest has \(length) bytes, this one \(hash.count)")
        }
        self.digest = digest
        self.position = position
        self.salt = salt
        self.hash = hash
    }

    var encoded: String {
        "$salted-\(digest.rawValue)$pos=\(position.rawValue)$\(HashEncoding.unpaddedBase64(salt))$\(HashEncoding.unpaddedBase64(hash))"
    }

    func matches(_ password: String) -> Bool {
        let message = position == .prefix ? salt + Array(password.utf8) : Array(password.utf8) + salt
        let computed: [UInt8] = digest == .sha256 ? Array(SHA256.hash(data: message)) : Array(SHA512.hash(data: message))
        return constantTimeEquals(computed, hash)
    }

    static let prefixes = ["$salted-sha256$", "$salted-sha512$"]

    static func owns(_ hash: String) -> Bool { prefixes.contains { hash.hasPrefix($0) } }

    static func parse(_ text: String) throws -> SaltedSHAHash? {
        guard owns(text) else { return nil }
        let digest: Digest = text.hasPrefix("$salted-sha256$") ? .sha256 : .sha512
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, let position = Position(rawValue: String(parts[2].dropFirst(4))), parts[2].hasPrefix("pos="),
              let salt = HashEncoding.base64.decode(parts[3]), let hash = HashEncoding.base64.decode(parts[4])
        else {
            throw ImportedPasswordHash.Rejection("malformed salted SHA hash (expected $salted-\(digest.rawValue)$pos=prefix|suffix$salt$digest)")
        }
        return try SaltedSHAHash(digest: digest, position: position, salt: salt, hash: hash)
    }

    init?(fields: ImportedPasswordFields, algorithm: String) throws {
        let digest: Digest
        switch algorithm {
        case "salted-sha256": digest = .sha256
        case "salted-sha512": digest = .sha512
        default: return nil
        }
        guard let name = fields.saltPosition, let position = Position(rawValue: name.lowercased()) else {
            throw ImportedPasswordHash.Rejection("salted SHA fields need \"salt_position\": \"prefix\" or \"suffix\"")
        }
        let (salt, hash) = try decodeFields(fields)
        try self.init(digest: digest, position: position, salt: salt, hash: hash)
    }
}
