import Foundation

/// Something a security team wants to find later: sign-ins and their failures, consent,
/// token issuance and every sign of an attack (code replay, refresh-token reuse, failed client
/// authentication). All of them go through one `SecurityEventRecorder`.
public struct SecurityEvent: Sendable, Codable, Equatable {
    public struct Kind: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }

        public static let loginSucceeded: Kind = "login.succeeded"
        public static let loginFailed: Kind = "login.failed"
        public static let passwordAccepted: Kind = "login.password_accepted"
        /// A password hash of an older algorithm or lower parameters was replaced at sign-in.
        public static let passwordRehashed: Kind = "login.password_rehashed"
        public static let secondFactorFailed: Kind = "login.second_factor_failed"
        /// An authorization was refused: the client's minimum assurance level is beyond what the
        /// account can sign in with.
        public static let assuranceUnreachable: Kind = "login.assurance_unreachable"
        public static let accountLocked: Kind = "login.locked"
        public static let totpEnrolled: Kind = "totp.enrolled"
        public static let federatedLogin: Kind = "login.federated"
        /// An upstream account was connected to a local one, after that account signed in.
        public static let federationLinked: Kind = "federation.linked"
        public static let totpDisabled: Kind = "totp.disabled"
        /// A user changed their password on the account page.
        public static let passwordChanged: Kind = "password.changed"
        /// A user disconnected an application: its consent and grants ended.
        public static let consentWithdrawn: Kind = "consent.withdrawn"
        /// A user unlinked an upstream account from theirs.
        public static let federationUnlinked: Kind = "federation.unlinked"
        /// A user registered, renamed or removed a passkey (a WebAuthn credential).
        public static let passkeyRegistered: Kind = "passkey.registered"
        public static let passkeyRenamed: Kind = "passkey.renamed"
        public static let passkeyRemoved: Kind = "passkey.removed"
        /// A passkey assertion was refused (bad signature, unknown credential, stale challenge).
        public static let passkeyFailed: Kind = "login.passkey_failed"
        /// A passkey's signature counter did not increase: the authenticator may have been cloned.
        public static let passkeySignCountRegressed: Kind = "passkey.sign_count_regressed"
        public static let consentGranted: Kind = "consent.granted"
        public static let consentDenied: Kind = "consent.denied"
        public static let tokenIssued: Kind = "token.issued"
        public static let tokenRevoked: Kind = "token.revoked"
        public static let logout: Kind = "session.logout"
        /// A client could not be told of a logout after every retry.
        public static let backchannelLogoutFailed: Kind = "logout.backchannel_failed"
        public static let sessionRevoked: Kind = "session.revoked"
        /// Another user signed in in a browser that had a session: that session ended.
        public static let sessionReplaced: Kind = "session.replaced"
        public static let clientAuthFailed: Kind = "client.auth_failed"
        public static let clientLocked: Kind = "client.locked"
        public static let keyRotated: Kind = "key.rotated"
        public static let keyRevoked: Kind = "key.revoked"
        public static let clientAdded: Kind = "client.added"
        public static let clientUpdated: Kind = "client.updated"
        public static let clientRemoved: Kind = "client.removed"
        public static let clientSecretRotated: Kind = "client.secret_rotated"
        public static let codeReplayed: Kind = "code.replayed"
        /// A user approved or refused a device's request on the verification page (RFC 8628).
        public static let deviceApproved: Kind = "device.approved"
        public static let deviceDenied: Kind = "device.denied"
        /// A spent device code presented again: the tokens issued for it are revoked.
        public static let deviceCodeReplayed: Kind = "device_code.replayed"
        public static let refreshTokenReused: Kind = "refresh_token.reused"
        /// A rotated refresh token presented again within the grace window: the first answer repeated.
        public static let refreshTokenRepeated: Kind = "refresh_token.repeated"
    }

    public var kind: Kind
    public var at: Date
    public var userID: String?
    public var clientID: String?
    public var detail: String?

    public init(kind: Kind, at: Date, userID: String? = nil, clientID: String? = nil, detail: String? = nil) {
        self.kind = kind
        self.at = at
        self.userID = userID
        self.clientID = clientID
        self.detail = detail
    }
}

/// The one place security events are recorded.
public protocol SecurityEventRecorder: Sendable {
    func record(_ event: SecurityEvent) async
}
