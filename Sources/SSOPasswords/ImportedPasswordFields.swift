/// A password hash given as separate fields, as old systems often keep it:
/// `{"algorithm": "pbkdf2-sha256", "iterations": 600000, "salt": "...", "hash": "...", "encoding": "base64"}`.
///
/// - `algorithm`: `pbkdf2-sha256`, `pbkdf2-sha512`, `salted-sha256` or `salted-sha512`.
/// - `encoding`: how `salt` and `hash` are written, `base64` (the default) or `hex`.
/// - `salt_encoding`: overrides `encoding` for the salt; `text` means its UTF-8 bytes are the salt.
/// - `iterations`: PBKDF2 only.
/// - `salt_position`: salted SHA only, `prefix` (digest of salt + password) or `suffix`
///   (digest of password + salt).
public struct ImportedPasswordFields: Sendable, Codable, Equatable {
    public var algorithm: String
    public var iterations: Int?
    public var salt: String
    public var hash: String
    public var encoding: String?
    public var saltEncoding: String?
    public var saltPosition: String?

    enum CodingKeys: String, CodingKey {
        case algorithm, iterations, salt, hash, encoding
        case saltEncoding = "salt_encoding"
        case saltPosition = "salt_position"
    }

    public init(algorithm: String, iterations: Int? = nil, salt: String, hash: String, encoding: String? = nil,
                saltEncoding: String? = nil, saltPosition: String? = nil) {
        self.algorithm = algorithm
        self.iterations = iterations
        self.salt = salt
        self.hash = hash
        self.encoding = encoding
        self.saltEncoding = saltEncoding
        self.saltPosition = saltPosition
    }
}
