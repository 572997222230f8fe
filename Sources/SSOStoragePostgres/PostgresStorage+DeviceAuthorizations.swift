import Foundation
import PostgresNIO
import SSOCore
import SSOStorageRows

extension PostgresStorage: DeviceAuthorizationStore {
    public func insertDeviceAuthorization(_ authorization: DeviceAuthorization) async throws -> Bool {
        let inserted = try await run("""
            INSERT INTO device_authorizations (device_code_digest, user_code_digest, client_id, scopes, status,
                poll_interval, last_polled_at, created_at, expires_at, user_id, session_id, auth_time, methods,
                identity_provider, grant_id)
            VALUES (\(authorization.deviceCodeDigest), \(authorization.userCodeDigest), \(authorization.clientID),
                \(authorization.scopes.description), \(authorization.status.rawValue), \(authorization.interval),
                \(Self.time(authorization.lastPolledAt)), \(Self.time(authorization.createdAt)),
                \(Self.time(authorization.expiresAt)), \(authorization.userID), \(authorization.sessionID),
                \(Self.time(authorization.authTime)), \(authorization.methods.joined(separator: " ")),
                \(authorization.identityProvider), \(authorization.grantID))
            ON CONFLICT (user_code_digest) DO NOTHING
            RETURNING 1
            """)
        return inserted == 1
    }

    public func deviceAuthorization(userCodeDigest: String) async throws -> DeviceAuthorization? {
        try await row("SELECT * FROM device_authorizations WHERE user_code_digest = \(userCodeDigest)")
            .map(RowCodec.deviceAuthorization)
    }

    public func pollDeviceAuthorization(deviceCodeDigest: String, clientID: String, at: Date, slowDown: Int) async throws
        -> DevicePoll?
    {
        try await transaction { connection in
            // The row lock orders two instances' polls of one device code: each sees the other's.
            guard let row = try await row("""
                SELECT * FROM device_authorizations
                WHERE device_code_digest = \(deviceCodeDigest) AND client_id = \(clientID) FOR UPDATE
                """, on: connection)
            else { return nil }
            var authorization = try RowCodec.deviceAuthorization(row)
            let tooSoon = DevicePoll.isTooSoon(authorization, at: at)
            if tooSoon { authorization.interval += slowDown }
            authorization.lastPolledAt = at
            try await run("""
                UPDATE device_authorizations SET poll_interval = \(authorization.interval), last_polled_at = \(Self.time(at))
                WHERE device_code_digest = \(deviceCodeDigest)
                """, on: connection)
            return DevicePoll(authorization: authorization, tooSoon: tooSoon)
        }
    }

    public func decideDeviceAuthorization(userCodeDigest: String, _ decision: DeviceDecision, at: Date) async throws -> Bool {
        let changed: Int
        switch decision {
        case .approved(let userID, let sessionID, let authTime, let methods, let identityProvider):
            changed = try await run("""
                UPDATE device_authorizations SET status = 'approved', user_id = \(userID), session_id = \(sessionID),
                    auth_time = \(Self.time(authTime)), methods = \(methods.joined(separator: " ")),
                    identity_provider = \(identityProvider)
                WHERE user_code_digest = \(userCodeDigest) AND status = 'pending' AND expires_at > \(Self.time(at))
                RETURNING 1
                """)
        case .denied:
            changed = try await run("""
                UPDATE device_authorizations SET status = 'denied'
                WHERE user_code_digest = \(userCodeDigest) AND status = 'pending' AND expires_at > \(Self.time(at))
                RETURNING 1
                """)
        }
        return changed == 1
    }

    public func redeemDeviceAuthorization(deviceCodeDigest: String, creating grant: GrantRecord) async throws -> CodeRedemption {
        let won = try await run("""
            WITH won AS (
                UPDATE device_authorizations SET status = 'consumed', grant_id = \(grant.id)
                WHERE device_code_digest = \(deviceCodeDigest) AND status = 'approved' RETURNING 1)
            \(insert: grant) FROM won RETURNING 1
            """)
        if won == 1 { return .redeemed }
        guard let row = try await row(
            "SELECT status, grant_id FROM device_authorizations WHERE device_code_digest = \(deviceCodeDigest)")
        else { return .notFound }
        let (status, grantID) = try RowCodec.deviceRedemption(row)
        return status == .consumed ? .alreadyConsumed(grantID: grantID) : .notFound
    }
}
