/// A set of OAuth scopes (RFC 6749 section 3.3): space-delimited, case-sensitive tokens of
/// printable ASCII other than space, `"` and `\`. Order is kept as first given, so that what we
/// echo back reads the way the client wrote it.
public struct ScopeSet: Sendable, Hashable, Codable, CustomStringConvertible {
    public private(set) var values: [String]

    public init<S: Sequence>(_ values: S) where S.Element == String {
        var seen = Set<String>()
        self.values = values.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// A stored space-separated list, as `description` wrote it.
    public init(stored string: String) { self.init(Self.words(string)) }

    /// The space-separated words of `string`, split on its bytes: `split` on the String walks
    /// it grapheme by grapheme, and every token request parses a few of these.
    public static func words(_ string: String) -> [String] {
        string.utf8.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Parses a `scope` parameter; `nil` when a token holds a character RFC 6749 forbids.
    public init?(parsing string: String) {
        let tokens = Self.words(string)
        for token in tokens {
            for scalar in token.unicodeScalars {
                let v = scalar.value
                guard v == 0x21 || (0x23...0x5B).contains(v) || (0x5D...0x7E).contains(v) else { return nil }
            }
        }
        self.init(tokens)
    }

    public var isEmpty: Bool { values.isEmpty }
    public var description: String { values.joined(separator: " ") }
    public func contains(_ scope: String) -> Bool { values.contains(scope) }
    public func isSubset(of other: ScopeSet) -> Bool { values.allSatisfy(other.contains) }
    /// The members of `self` that `other` lacks.
    public func subtracting(_ other: ScopeSet) -> [String] { values.filter { !other.contains($0) } }
    public func union(_ other: ScopeSet) -> ScopeSet { ScopeSet(values + other.values) }

    public init(from decoder: any Decoder) throws {
        self.init(stored: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Scope names the server itself gives meaning to.
public enum StandardScope {
    public static let openid = "openid"
    public static let profile = "profile"
    public static let email = "email"
    public static let offlineAccess = "offline_access"
    /// The broker profile at `/auth` and `/profile`: login, e-mail, trading accounts and the
    /// account-opening application's status.
    public static let accounts = "accounts"
    /// The scopes a client gets when registered without `--scope`.
    public static let defaultForClients = ScopeSet(["openid", "profile", "email"])
}

extension Client {
    /// What a request's `scope` parameter asks of this client (at `/authorize` and at the device
    /// authorization endpoint): all its allowed scopes when the parameter is absent or empty
    /// (RFC 6749 section 3.3's pre-defined default), else exactly those, each of them allowed.
    public func requestedScopes(_ text: String?) throws(OAuthError) -> ScopeSet {
        guard let text else { return allowedScopes }
        guard let scopes = ScopeSet(parsing: text) else {
            throw .invalidScope("The scope parameter contains characters that are not allowed.")
        }
        if scopes.isEmpty { return allowedScopes }
        let refused = scopes.subtracting(allowedScopes)
        guard refused.isEmpty else {
            throw .invalidScope("This application may not request: \(refused.joined(separator: " ")).")
        }
        return scopes
    }
}
