/// A `grant_type` value of the token endpoint (RFC 6749 section 4): what the registry is keyed
/// by and what a client is registered for.
///
/// The core names none of them: each grant module declares its own value, in an extension
/// (`extension GrantType { public static let refreshToken = ... }`), so that the core stays
/// the same whatever grants a server offers.
public struct GrantType: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.init(rawValue: value) }

    public var description: String { rawValue }
    public static func < (lhs: GrantType, rhs: GrantType) -> Bool { lhs.rawValue < rhs.rawValue }
}
