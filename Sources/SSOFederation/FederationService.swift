import AsyncHTTPClient
import Foundation
import JWTKit
import NIOCore
import NIOHTTP1
import SSOCore

/// Talks to upstream providers and maps their users to local ones.
public struct FederationService: Sendable {
    let providers: any ProviderStore
    let identities: any FederatedIdentityStore
    let users: any UserStore
    let sealer: any SecretSealer
    let clock: any SSOClock
    let random: any SecureRandom
    let http: UpstreamHTTP
    let issuer: String

    public init(
        providers: any ProviderStore, identities: any FederatedIdentityStore, users: any UserStore,
        sealer: any SecretSealer, clock: any SSOClock, random: any SecureRandom, httpClient: HTTPClient,
        timeoutSeconds: Int, issuer: String
    ) {
        self.providers = providers
        self.identities = identities
        self.users = users
        self.sealer = sealer
        self.clock = clock
        self.random = random
        self.http = UpstreamHTTP(client: httpClient, timeout: .seconds(Int64(timeoutSeconds)))
        self.issuer = issuer
    }

    /// Our callback at the provider: the redirect URI to register there.
    public func callbackURL(_ provider: String) -> String { "\(issuer)/federation/\(provider)/callback" }

    /// The provider's authorization URL for `state`.
    func authorizationURL(_ provider: UpstreamProvider, state: FederationState) -> String {
        var items = [
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "client_id", value: provider.clientID),
            URLQueryItem(name: "redirect_uri", value: callbackURL(provider.name)),
            URLQueryItem(name: "state", value: state.id),
        ]
        if !provider.scopes.isEmpty { items.append(URLQueryItem(name: "scope", value: provider.scopes.description)) }
        if let nonce = state.nonce { items.append(URLQueryItem(name: "nonce", value: nonce)) }
        if let verifier = state.codeVerifier {
            items.append(URLQueryItem(name: "code_challenge", value: PKCE.challenge(for: verifier)))
            items.append(URLQueryItem(name: "code_challenge_method", value: PKCE.s256))
        }
        var components = URLComponents(string: provider.authorizeURL) ?? URLComponents()
        components.queryItems = (components.queryItems ?? []) + items
        // URLComponents leaves '+' alone in queries; encode it so that it is not read as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.string ?? provider.authorizeURL
    }

    /// A new state for `provider`, with nonce and PKCE verifier as the provider supports.
    func newState(
        _ provider: UpstreamProvider, interactionID: String? = nil, browserBinding: String? = nil,
        clientRedirectURL: String? = nil, clientID: String? = nil
    ) -> FederationState {
        let now = clock.now()
        return FederationState(
            id: random.token(), provider: provider.name, nonce: provider.isOpenIDConnect ? random.token(byteCount: 16) : nil,
            codeVerifier: provider.usesPKCE ? random.token() : nil, interactionID: interactionID,
            browserBinding: browserBinding, clientRedirectURL: clientRedirectURL, clientID: clientID, createdAt: now,
            expiresAt: now.addingTimeInterval(600))
    }

    /// Exchanges `code` at the provider, validates the ID token (OpenID Connect), fetches the
    /// profile. Nothing local is written.
    func profile(
        _ provider: UpstreamProvider, code: String, state: FederationState, deviceID: String? = nil
    ) async throws -> FederatedProfile {
        let secret = try provider.clientSecretSealed.map { String(decoding: try sealer.unseal($0), as: UTF8.self) }
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", callbackURL(provider.name))]
        if let verifier = state.codeVerifier { form.append(("code_verifier", verifier)) }
        if provider.shape == .vk {
            // VK ID (OAuth 2.1) wants the device_id of its callback and the state back.
            form.append(("state", state.id))
            if let deviceID { form.append(("device_id", deviceID)) }
        }
        var headers: [(String, String)] = []
        if provider.isOpenIDConnect, let secret {
            let credentials = "\(UpstreamHTTP.encode(provider.clientID)):\(UpstreamHTTP.encode(secret))"
            headers.append(("Authorization", "Basic " + Data(credentials.utf8).base64EncodedString()))
        } else {
            form.append(("client_id", provider.clientID))
            if let secret { form.append(("client_secret", secret)) }
        }
        let tokens = try await http.json(provider.tokenURL, method: .POST, headers: headers, form: form)
        guard let accessToken = tokens["access_token"] as? String else { throw UpstreamError.badAnswer("no access_token") }

        var idClaims: [String: Any] = [:]
        if provider.isOpenIDConnect {
            guard let idToken = tokens["id_token"] as? String else { throw UpstreamError.invalidIDToken("none was sent") }
            idClaims = try await validate(idToken, provider: provider, nonce: state.nonce)
        }
        var userinfo: [String: Any] = [:]
        if let url = provider.userinfoURL {
            userinfo = try await fetchUserinfo(url, provider: provider, accessToken: accessToken)
        }
        return try FederatedProfile.read(provider.shape, userinfo: userinfo, idClaims: idClaims)
    }

    private func fetchUserinfo(_ url: String, provider: UpstreamProvider, accessToken: String) async throws -> [String: Any] {
        switch provider.shape {
        case .yandex:
            return try await http.json(url, method: .GET, headers: [("Authorization", "OAuth " + accessToken)])
        case .mail:
            let separator = url.contains("?") ? "&" : "?"
            return try await http.json(url + separator + "access_token=" + UpstreamHTTP.encode(accessToken), method: .GET)
        case .vk:
            return try await http.json(url, method: .POST, form: [("client_id", provider.clientID), ("access_token", accessToken)])
        case .oidc, .google:
            return try await http.json(url, method: .GET, headers: [("Authorization", "Bearer " + accessToken)])
        }
    }

    /// OpenID Connect Core 3.1.3.7: signature against the provider's JWKS, `iss`, `aud`
    /// (and `azp` when several audiences), `exp`, and the `nonce` we sent.
    private func validate(_ idToken: String, provider: UpstreamProvider, nonce: String?) async throws -> [String: Any] {
        guard let jwksURI = provider.jwksURI, let issuer = provider.issuer else {
            throw UpstreamError.invalidIDToken("the provider has no issuer or JWKS configured")
        }
        let (status, jwks) = try await http.send(jwksURI, method: .GET)
        guard (200..<300).contains(status) else { throw UpstreamError.badAnswer("JWKS answered HTTP \(status)") }
        let keys = JWTKeyCollection()
        do {
            try await keys.add(jwksJSON: String(decoding: jwks, as: UTF8.self))
            _ = try await keys.verify(idToken, as: UpstreamIDToken.self)
        } catch {
            throw UpstreamError.invalidIDToken("the signature does not verify against the provider's keys")
        }
        let parts = idToken.split(separator: ".")
        guard parts.count == 3, let data = Base64URL.decode(String(parts[1])),
            let claims = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw UpstreamError.invalidIDToken("unreadable claims") }
        guard claims["iss"] as? String == issuer else { throw UpstreamError.invalidIDToken("wrong issuer") }
        let audiences = (claims["aud"] as? [String]) ?? [(claims["aud"] as? String) ?? ""]
        guard audiences.contains(provider.clientID) else { throw UpstreamError.invalidIDToken("not issued to us") }
        if audiences.count > 1, claims["azp"] as? String != provider.clientID {
            throw UpstreamError.invalidIDToken("authorized party is not us")
        }
        guard let exp = (claims["exp"] as? NSNumber)?.doubleValue, exp > clock.now().timeIntervalSince1970 else {
            throw UpstreamError.invalidIDToken("expired")
        }
        guard let nonce, let sent = claims["nonce"] as? String, SecretDigest.constantTimeEquals(sent, nonce) else {
            throw UpstreamError.invalidIDToken("the nonce does not match")
        }
        return claims
    }

    /// Which local account an upstream profile is. Nothing is written: linking to an existing
    /// account waits for that account's own sign-in, and a new account is made by `createUser`.
    func account(for profile: FederatedProfile, provider: UpstreamProvider) async throws -> FederatedAccount {
        if let id = try await identities.linkedUserID(provider: provider.name, subject: profile.subject),
            let user = try await users.user(id: id) {
            return .linked(user)
        }
        // Whether or not the provider calls the address verified: a second account with the
        // same e-mail is never made, and linking always takes the local sign-in.
        if let email = profile.email {
            let matches = try await users.users(email: email)
            if !matches.isEmpty { return .existingAccount(email: email, candidates: matches) }
        }
        return .new
    }

    /// A new local user for an upstream profile, linked to it in the same transaction; or, when
    /// another sign-in of the same upstream account made one first, that user (the caller checks
    /// its second factor as for any linked account).
    func createUser(for profile: FederatedProfile, provider: UpstreamProvider) async throws -> User {
        let now = clock.now()
        let base = "\(profile.login ?? profile.subject)@\(provider.name)"
        for attempt in 0..<4 {
            let login = attempt == 0 ? base : "\(base)-\(random.token(byteCount: 3))"
            let user = User(
                id: UUID().uuidString.lowercased(), login: login, passwordHash: nil, email: profile.email,
                emailVerified: profile.emailVerified, name: profile.name, createdAt: now)
            do {
                try await identities.link(provider: provider.name, subject: profile.subject, userID: user.id,
                                          creating: user, at: now)
                return user
            } catch is DuplicateLoginError {
                continue
            } catch is IdentityAlreadyLinkedError {
                guard let id = try await identities.linkedUserID(provider: provider.name, subject: profile.subject),
                    let first = try await users.user(id: id)
                else { throw UpstreamError.badAnswer("the upstream account was linked and unlinked at once") }
                return first
            }
        }
        throw UpstreamError.badAnswer("no free login for the new user")
    }

    /// Connects the upstream account (provider, subject) to an existing local user, who has
    /// just signed in to it. Another link of the same upstream account may have come first.
    func link(provider: String, subject: String, to user: User) async throws -> LinkOutcome {
        do {
            try await identities.link(provider: provider, subject: subject, userID: user.id, creating: nil, at: clock.now())
            return .linked
        } catch is IdentityAlreadyLinkedError {
            return try await identities.linkedUserID(provider: provider, subject: subject) == user.id
                ? .alreadyLinked : .linkedToAnother
        }
    }
}

/// What linking an upstream account to a local user did.
enum LinkOutcome: Sendable, Equatable {
    case linked
    /// It was this user's already: nothing changed.
    case alreadyLinked
    /// It is another user's: nothing changed.
    case linkedToAnother
}

/// Which local account an upstream profile is.
enum FederatedAccount: Sendable, Equatable {
    /// The account the upstream identity is linked to.
    case linked(User)
    /// Not linked, and these local accounts have its e-mail: one of them must sign in to connect it.
    case existingAccount(email: String, candidates: [User])
    /// Not linked and no account has its e-mail: a new account.
    case new
}

/// An upstream ID token, for signature verification only; its claims are checked afterwards.
struct UpstreamIDToken: JWTPayload {
    init(from decoder: any Decoder) throws {}
    func encode(to encoder: any Encoder) throws {}
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
