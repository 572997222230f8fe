import Foundation
import Synchronization

/// Decoded values of small JSON columns read on every token request (a client's redirect URIs,
/// a user's trading accounts), keyed by the column's exact text: the same text always decodes
/// to the same value, so the cache is never stale, and a changed row simply misses it.
/// JSONDecoder was a visible share of the token endpoint's profile.
///
/// Replaces: `JSONDecoder` on every read of those columns (`Columns.cachedJSON`). Measured when
/// it came in: JSONDecoder on two columns of every client read and one of every user read
/// showed in the refresh profile (no throughput figure was recorded; `RowMemo` now spares most
/// client and user decodes on SQLite, and PostgreSQL reads through this cache too). It can go
/// when Foundation's JSONDecoder no longer shows in a refresh profile for these small arrays.
public enum DecodedColumnCache {
    private static let limit = 4096
    private static let entries = Mutex<[Key: any Sendable]>([:])

    /// The type by identity, not by name: `"\(T.self)"` built a string from the type's
    /// metadata on every read, a visible share of the token endpoint's profile.
    private struct Key: Hashable {
        var type: ObjectIdentifier
        var text: String
    }

    public static func decode<T: Decodable & Sendable>(_ type: T.Type, _ text: String) throws -> T {
        let key = Key(type: ObjectIdentifier(T.self), text: text)
        if let hit = entries.withLock({ $0[key] }) as? T { return hit }
        let value = try JSONDecoder().decode(type, from: Data(text.utf8))
        entries.withLock { cache in
            if cache.count >= limit { cache.removeAll(keepingCapacity: true) }
            cache[key] = value
        }
        return value
    }
}
