import Foundation
import SSOCore
import SSOEndpointModel

/// The device grant's two endpoints besides the token endpoint (RFC 8628):
/// - `POST /device_authorization` (section 3.1): an authenticated client gets a device code, a
///   user code and where to send the user;
/// - `/device` (section 3.3): the verification page, where the user types the code (or follows
///   `verification_uri_complete`), signs in through the login page, and approves or refuses.
struct DeviceEndpoints: EndpointModule {
    static let authorizationPath = "/device_authorization"
    static let verificationPath = "/device"

    let devices: any DeviceAuthorizationStore
    let clients: any ClientStore
    let users: any UserStore
    let events: any SecurityEventRecorder
    let clock: any SSOClock
    let random: any SecureRandom
    let lifetimes: Lifetimes
    let services: EndpointServices

    init(_ context: GrantContext, services: EndpointServices) {
        devices = context.devices
        clients = context.clients
        users = context.users
        events = context.events
        clock = context.clock
        random = context.random
        lifetimes = context.lifetimes
        self.services = services
    }

    var routes: [EndpointRoute] {
        [
            EndpointRoute(.post, Self.authorizationPath, audience: .client, handler: deviceAuthorization),
            EndpointRoute(.get, Self.verificationPath, handler: verificationPage),
            EndpointRoute(.post, Self.verificationPath, handler: decision),
        ]
    }

    var metadata: [String: String] {
        ["device_authorization_endpoint": services.issuer + Self.authorizationPath]
    }

    var verificationURI: String { services.issuer + Self.verificationPath }

    /// The device code is a 256-bit token, stored as its digest like every other code.
    static func deviceCodeDigest(_ code: String) -> String { SecretDigest.sha256(code) }
}
