import Foundation

/// Which signing key signs now and which keys the JWKS publishes, from the keys' activation
/// times alone, so that every instance sharing a store decides the same without coordination.
///
/// Per algorithm, the key that signs is the one activated last. A newer key is published from
/// the moment it is added (before it signs); an older one stays published until every token it
/// signed has expired: `retention` (the longest token lifetime) after the key that replaced it
/// became active.
public struct SigningKeySchedule: Sendable {
    public enum Status: Sendable, Equatable {
        /// Published, not signing yet.
        case pending
        case active
        /// Replaced, published until this time for the tokens it signed.
        case retiring(until: Date)
        /// Replaced and no longer published.
        case retired
        /// Withdrawn by an operator: neither signs, nor is published, nor verifies.
        case revoked
    }

    /// Every key, withdrawn ones included (for listing).
    public let keys: [SigningKeyRecord]
    /// The keys not withdrawn: the only ones the schedule signs with and publishes.
    let live: [SigningKeyRecord]
    public let retention: TimeInterval

    public init(keys: [SigningKeyRecord], retention: TimeInterval) {
        self.keys = keys.sorted { ($0.activatesAt, $0.createdAt, $0.kid) < ($1.activatesAt, $1.createdAt, $1.kid) }
        live = self.keys.filter { $0.revokedAt == nil }
        self.retention = retention
    }

    /// The key that signs with `algorithm` at `now`: the last activated one, or, when none has
    /// activated yet, the first. `nil` only when every key of the algorithm was withdrawn.
    public func signingKey(_ algorithm: SigningAlgorithm, at now: Date) -> SigningKeyRecord? {
        let candidates = live.filter { $0.algorithm == algorithm }
        return candidates.last { $0.activatesAt <= now } ?? candidates.first
    }

    public func status(of key: SigningKeyRecord, at now: Date) -> Status {
        if key.revokedAt != nil { return .revoked }
        if signingKey(key.algorithm, at: now)?.kid == key.kid { return .active }
        if key.activatesAt > now { return .pending }
        let sameAlgorithm = live.filter { $0.algorithm == key.algorithm }
        guard let position = sameAlgorithm.firstIndex(where: { $0.kid == key.kid }),
            let successor = sameAlgorithm[(position + 1)...].first(where: { $0.activatesAt <= now })
        else { return .active }
        let until = successor.activatesAt.addingTimeInterval(retention)
        return now < until ? .retiring(until: until) : .retired
    }

    /// The keys the JWKS lists at `now`: the only ones a signature is checked against.
    public func published(at now: Date) -> [SigningKeyRecord] {
        live.filter { status(of: $0, at: now) != .retired }
    }
}
