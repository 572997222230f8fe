import Foundation

/// One authentication context class (`acr`) the operator names: an ordered assurance level,
/// defined by the sets of authentication methods (`amr` values, RFC 8176) that reach it. A
/// session reaches the level when its methods contain every method of any one of the sets.
public struct AssuranceLevel: Sendable, Equatable, Codable {
    public var name: String
    /// Alternatives: `[["pwd", "otp"], ["hwk", "user"]]` is "a password and a one-time code, or
    /// a hardware-bound passkey with user verification".
    public var alternatives: [Set<String>]

    public init(name: String, alternatives: [Set<String>]) {
        self.name = name
        self.alternatives = alternatives
    }

    public func isSatisfied(by methods: some Sequence<String>) -> Bool {
        let methods = Set(methods)
        return alternatives.contains { $0.isSubset(of: methods) }
    }
}

/// The levels the server knows, weakest first (OpenID Connect Core 3.1.2.1 `acr_values`, 2
/// `acr`). The order decides what "less than a client's minimum" means; each level is checked
/// on its own definition, so a weaker level is not implied by a stronger one unless its
/// definition says so.
public struct AssuranceLevels: Sendable, Equatable {
    public var levels: [AssuranceLevel]

    public init(_ levels: [AssuranceLevel]) { self.levels = levels }

    /// The default: one factor; two factors (a password and a one-time code, or a passkey with
    /// user verification, which is something held and something known or inherent); a passkey
    /// (WebAuthn is bound to the site's origin, so it cannot be phished).
    public static let standard = AssuranceLevels([
        AssuranceLevel(name: "urn:unifiedsso:acr:password",
                       alternatives: [["pwd"], ["otp"], ["hwk"], ["swk"], ["fed"]]),
        AssuranceLevel(name: "urn:unifiedsso:acr:mfa",
                       alternatives: [["pwd", "otp"], ["hwk", "user"], ["swk", "user"], ["mfa"]]),
        AssuranceLevel(name: "urn:unifiedsso:acr:phishing-resistant", alternatives: [["hwk"], ["swk"]]),
    ])

    public var names: [String] { levels.map(\.name) }

    public func level(named name: String) -> AssuranceLevel? { levels.first { $0.name == name } }

    /// The position of `name`, weakest first; `nil` when it is not configured.
    public func rank(of name: String) -> Int? { levels.firstIndex { $0.name == name } }

    /// The strongest level `methods` reach, if any: the session's own `acr`.
    public func highest(satisfiedBy methods: [String]) -> String? {
        levels.last { $0.isSatisfied(by: methods) }?.name
    }

    /// Reads the setting's form: one entry a level, `name=pwd+otp|hwk+user` (alternatives split
    /// by `|`, methods of one alternative joined by `+`), weakest first. `nil` when an entry is
    /// malformed or a name repeats.
    public init?(entries: [String]) {
        var levels: [AssuranceLevel] = []
        for entry in entries {
            guard let equals = entry.firstIndex(of: "=") else { return nil }
            let name = entry[..<equals].trimmingCharacters(in: .whitespaces)
            let alternatives = entry[entry.index(after: equals)...].split(separator: "|", omittingEmptySubsequences: false).map { alternative in
                Set(alternative.split(separator: "+").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            }
            guard !name.isEmpty, !name.contains(" "), !alternatives.isEmpty, !alternatives.contains(where: \.isEmpty),
                !levels.contains(where: { $0.name == name })
            else { return nil }
            levels.append(AssuranceLevel(name: name, alternatives: alternatives))
        }
        self.levels = levels
    }

    /// The setting's form of these levels (what ``init(entries:)`` reads).
    public var entries: [String] {
        levels.map { level in
            level.name + "=" + level.alternatives.map { $0.sorted().joined(separator: "+") }.joined(separator: "|")
        }
    }
}
