import Foundation
import GRDB
import SSOCore
import SSOStorageRows

extension SQLiteStorage: DeviceAuthorizationStore {
    public func insertDeviceAuthorization(_ authorization: DeviceAuthorization) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                cached: """
                    INSERT INTO device_authorizations (device_code_digest, user_code_digest, client_id, scopes, status,
                        poll_interval, last_polled_at, created_at, expires_at, user_id, session_id, auth_time, methods,
                        identity_provider, grant_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (user_code_digest) DO NOTHING
                    """,
                arguments: [
                    authorization.deviceCodeDigest, authorization.userCodeDigest, authorization.clientID,
                    authorization.scopes.description, authorization.status.rawValue, authorization.interval,
                    Self.time(authorization.lastPolledAt), Self.time(authorization.createdAt),
                    Self.time(authorization.expiresAt), authorization.userID, authorization.sessionID,
                    Self.time(authorization.authTime), authorization.methods.joined(separator: " "),
                    authorization.identityProvider, authorization.grantID,
                ])
            return db.changesCount == 1
        }
    }

    public func deviceAuthorization(userCodeDigest: String) async throws -> DeviceAuthorization? {
        try lookup { db in
            try Row.fetchOne(db, cached: "SELECT * FROM device_authorizations WHERE user_code_digest = ?",
                             arguments: [userCodeDigest], RowCodec.deviceAuthorization)
        }
    }

    public func pollDeviceAuthorization(deviceCodeDigest: String, clientID: String, at: Date, slowDown: Int) async throws
        -> DevicePoll?
    {
        try await pool.write { db in
            guard var authorization = try Row.fetchOne(
                db, cached: "SELECT * FROM device_authorizations WHERE device_code_digest = ? AND client_id = ?",
                arguments: [deviceCodeDigest, clientID], RowCodec.deviceAuthorization)
            else { return nil }
            let tooSoon = DevicePoll.isTooSoon(authorization, at: at)
            if tooSoon { authorization.interval += slowDown }
            authorization.lastPolledAt = at
            try db.execute(
                cached: "UPDATE device_authorizations SET poll_interval = ?, last_polled_at = ? WHERE device_code_digest = ?",
                arguments: [authorization.interval, Self.time(at), deviceCodeDigest])
            return DevicePoll(authorization: authorization, tooSoon: tooSoon)
        }
    }

    public func decideDeviceAuthorization(userCodeDigest: String, _ decision: DeviceDecision, at: Date) async throws -> Bool {
        try await pool.write { db in
            switch decision {
            case .approved(let userID, let sessionID, let authTime, let methods, let identityProvider):
                try db.execute(
                    cached: """
                        UPDATE device_authorizations SET status = 'approved', user_id = ?, session_id = ?, auth_time = ?,
                            methods = ?, identity_provider = ?
                        WHERE user_code_digest = ? AND status = 'pending' AND expires_at > ?
                        """,
                    arguments: [userID, sessionID, Self.time(authTime), methods.joined(separator: " "), identityProvider,
                                userCodeDigest, Self.time(at)])
            case .denied:
                try db.execute(
                    cached: """
                        UPDATE device_authorizations SET status = 'denied'
                        WHERE user_code_digest = ? AND status = 'pending' AND expires_at > ?
                        """,
                    arguments: [userCodeDigest, Self.time(at)])
            }
            return db.changesCount == 1
        }
    }

    public func redeemDeviceAuthorization(deviceCodeDigest: String, creating grant: GrantRecord) async throws -> CodeRedemption {
        try await pool.write { db in
            guard let (status, grantID) = try Row.fetchOne(
                db, cached: "SELECT status, grant_id FROM device_authorizations WHERE device_code_digest = ?",
                arguments: [deviceCodeDigest], RowCodec.deviceRedemption)
            else { return .notFound }
            if status == .consumed { return .alreadyConsumed(grantID: grantID) }
            guard status == .approved else { return .notFound }
            try Self.insertGrant(grant, db: db)
            try db.execute(
                cached: "UPDATE device_authorizations SET status = 'consumed', grant_id = ? WHERE device_code_digest = ?",
                arguments: [grant.id, deviceCodeDigest])
            return .redeemed
        }
    }
}
