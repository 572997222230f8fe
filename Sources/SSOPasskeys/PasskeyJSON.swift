import Foundation
import SSOCore

/// A `PublicKeyCredential` as the browser's `toJSON()` writes it (WebAuthn Level 3 section
/// 5.1.8): every binary member base64url without padding.
public struct CredentialJSON: Codable, Sendable {
    public struct Response: Codable, Sendable {
        public var clientDataJSON: String
        /// Registration only.
        public var attestationObject: String?
        public var transports: [String]?
        /// Assertion only.
        public var authenticatorData: String?
        public var signature: String?
        public var userHandle: String?

        public init(clientDataJSON: String, attestationObject: String? = nil, transports: [String]? = nil,
                    authenticatorData: String? = nil, signature: String? = nil, userHandle: String? = nil) {
            self.clientDataJSON = clientDataJSON
            self.attestationObject = attestationObject
            self.transports = transports
            self.authenticatorData = authenticatorData
            self.signature = signature
            self.userHandle = userHandle
        }
    }

    public var id: String
    public var rawId: String?
    public var type: String
    public var response: Response

    public init(id: String, rawId: String? = nil, type: String = "public-key", response: Response) {
        self.id = id
        self.rawId = rawId ?? id
        self.type = type
        self.response = response
    }
}

/// The body of every passkey call: the page's CSRF token (the browser's binding cookie), and
/// what the call needs besides.
struct PasskeyCall: Decodable {
    var csrf: String?
    var interaction: String?
    var credential: CredentialJSON?
    var name: String?
}

/// `PublicKeyCredentialCreationOptionsJSON` (section 5.4.1): what `navigator.credentials.create()` takes.
struct CreationOptions: Encodable {
    struct Entity: Encodable { var id: String?; var name: String; var displayName: String? }
    struct Parameter: Encodable { var type = "public-key"; var alg: Int }
    struct Descriptor: Encodable { var type = "public-key"; var id: String; var transports: [String]? }
    struct Selection: Encodable {
        var residentKey = "required"
        var requireResidentKey = true
        var userVerification = "preferred"
    }

    var rp: Entity
    var user: Entity
    var challenge: String
    var pubKeyCredParams: [Parameter]
    var timeout: Int
    var excludeCredentials: [Descriptor]
    var authenticatorSelection = Selection()
    var attestation = "none"
}

/// `PublicKeyCredentialRequestOptionsJSON` (section 5.5.1): what `navigator.credentials.get()` takes.
struct RequestOptions: Encodable {
    var challenge: String
    var rpId: String
    var timeout: Int
    var userVerification = "preferred"
    var allowCredentials: [CreationOptions.Descriptor]
}

/// A passkey as the passkeys page lists it: no key material, no credential id.
struct PasskeySummary: Encodable {
    var id: String
    var name: String
    var synced: Bool
    var createdAt: Int
    var lastUsedAt: Int?

    init(_ passkey: Passkey) {
        id = passkey.id
        name = passkey.name
        synced = passkey.backupState
        createdAt = Int(passkey.createdAt.timeIntervalSince1970)
        lastUsedAt = passkey.lastUsedAt.map { Int($0.timeIntervalSince1970) }
    }
}
