import Foundation
import SSOCore
import SSOEndpointModel

/// The answer of the device authorization endpoint (RFC 8628 section 3.2).
struct DeviceAuthorizationResponse: Encodable {
    var device_code: String
    var user_code: String
    var verification_uri: String
    var verification_uri_complete: String
    var expires_in: Int
    var interval: Int
}

extension DeviceEndpoints {
    /// `POST /device_authorization`: client authentication as at the token endpoint (a public
    /// client sends its `client_id`), the client must be allowed the device grant, and the
    /// scope is checked as at `/authorize` (absent: the client's allowed scopes).
    @Sendable func deviceAuthorization(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let parameters = request.form else {
            throw OAuthError.invalidRequest("The request must be application/x-www-form-urlencoded.")
        }
        let basic: BasicCredentials?
        switch BasicAuthorization.parse(request.headers["authorization"]) {
        case .absent: basic = nil
        case .credentials(let credentials): basic = credentials
        case .malformed: throw OAuthError.invalidClient("The Authorization header is malformed.")
        }
        let client = try await services.authenticator.authenticate(parameters, basic: basic, address: request.clientAddress)
        guard client.allowsGrant(DeviceCodeGrant.grantType) else {
            throw OAuthError.unauthorizedClient("This client may not use the device authorization grant.")
        }
        let scopes = try await requestedScopes(parameters, client: client)
        return try .json(try await begin(for: client, scopes: scopes))
    }

    /// Stores a new request and returns what the device shows. A user code already taken by a
    /// request still in the table is drawn again (at 2^34 codes, a rare event).
    func begin(for client: Client, scopes: ScopeSet) async throws -> DeviceAuthorizationResponse {
        let now = clock.now()
        let deviceCode = random.token()
        for _ in 0..<5 {
            let userCode = UserCode.generate(random)
            let authorization = DeviceAuthorization(
                deviceCodeDigest: Self.deviceCodeDigest(deviceCode), userCodeDigest: UserCode.digest(userCode),
                clientID: client.id, scopes: scopes, interval: lifetimes.devicePollInterval, createdAt: now,
                expiresAt: now.addingTimeInterval(TimeInterval(lifetimes.deviceCode)))
            guard try await devices.insertDeviceAuthorization(authorization) else { continue }
            let shown = UserCode.formatted(userCode)
            return DeviceAuthorizationResponse(
                device_code: deviceCode, user_code: shown, verification_uri: verificationURI,
                verification_uri_complete: RedirectURL.build(verificationURI, parameters: [("user_code", shown)]),
                expires_in: lifetimes.deviceCode, interval: lifetimes.devicePollInterval)
        }
        throw OAuthError(.temporarilyUnavailable, "No free user code could be drawn; try again.")
    }

    private func requestedScopes(_ parameters: RequestParameters, client: Client) async throws -> ScopeSet {
        let scopes = try client.requestedScopes(try parameters.value("scope"))
        let unknown = try await services.scopes.unknownScopes(in: scopes)
        guard unknown.isEmpty else { throw OAuthError.invalidScope("Unknown scope: \(unknown.joined(separator: " ")).") }
        return scopes
    }

}
