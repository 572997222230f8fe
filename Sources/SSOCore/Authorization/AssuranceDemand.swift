/// The assurance an authorization request asks of the sign-in (OpenID Connect Core 3.1.2.1):
/// the levels the request prefers, which are voluntary, and the client's minimum, which is
/// essential. Unknown `acr_values` are ignored (the specification makes them voluntary), and a
/// request that names no known level gets the client's default.
public struct AssuranceDemand: Sendable, Equatable {
    /// Known levels the request (or the client's default) asks for, in order of preference.
    public var requested: [String]
    /// The client's minimum: a code is never issued for a sign-in below it.
    public var essential: String?

    public init(_ request: AuthorizationRequest, client: Client, levels: AssuranceLevels) {
        var requested = (request.acrValues ?? []).filter { levels.rank(of: $0) != nil }
        if requested.isEmpty, let fallback = client.defaultACR, levels.rank(of: fallback) != nil {
            requested = [fallback]
        }
        if let minimum = client.minimumACR {
            essential = minimum
            // A request asking for less than the minimum asks for the minimum instead. A
            // minimum the server does not configure (any more) is reached by no sign-in: the
            // client gets no code rather than a weaker sign-in than it requires.
            let floor = levels.rank(of: minimum) ?? Int.max
            requested = requested.filter { (levels.rank(of: $0) ?? 0) >= floor }
            if requested.isEmpty { requested = [minimum] }
        } else {
            essential = nil
        }
        self.requested = requested
    }

    /// Whether `methods` reach `name` or a stronger level.
    static func reaches(_ name: String, with methods: [String], levels: AssuranceLevels) -> Bool {
        guard let floor = levels.rank(of: name) else { return false }
        return levels.levels.enumerated().contains { index, level in index >= floor && level.isSatisfied(by: methods) }
    }

    /// Whether `methods` meet the request: one requested level (or a stronger one) is reached.
    public func isMet(by methods: [String], levels: AssuranceLevels) -> Bool {
        requested.isEmpty || requested.contains { Self.reaches($0, with: methods, levels: levels) }
    }

    /// Whether `methods` meet the client's minimum.
    public func isEssentialMet(by methods: [String], levels: AssuranceLevels) -> Bool {
        essential.map { Self.reaches($0, with: methods, levels: levels) } ?? true
    }
}
