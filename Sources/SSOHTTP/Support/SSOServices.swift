import SSOCore
import SSOEndpointModel

/// What the HTTP layer itself needs, built by the composition root: the endpoint modules it
/// serves (the server's own and the adapters'), and the few services of its own routes and
/// pages. Every protocol decision lives in the modules and the core.
public struct SSOServices: Sendable {
    /// Endpoint modules whose routes the HTTP layer serves, in order: where two share a method
    /// and path, the first that accepts a request answers it.
    public var modules: [any EndpointModule]
    /// Registered scopes, described on the pages that list scopes.
    public var scopes: (any ScopeStore)?
    /// For the browser's binding cookie.
    public var random: any SecureRandom
    /// What `/readyz` checks.
    public var readiness: Readiness
    /// What `/metrics` exposes, and where requests are counted.
    public var metrics: ServerMetrics

    public init(
        modules: [any EndpointModule], scopes: (any ScopeStore)? = nil, random: any SecureRandom,
        readiness: Readiness = Readiness([]), metrics: ServerMetrics = .disabled
    ) {
        self.modules = modules
        self.scopes = scopes
        self.random = random
        self.readiness = readiness
        self.metrics = metrics
    }
}
