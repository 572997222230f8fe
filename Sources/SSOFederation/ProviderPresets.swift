import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SSOCore

/// Built-in settings of the providers the broker's users have accounts at. Every field can be
/// overridden on `sso provider add` (tests point them at loopback).
public struct ProviderPreset: Sendable {
    public var displayName: String
    public var shape: UpstreamProvider.ProfileShape
    public var authorizeURL: String
    public var tokenURL: String
    public var userinfoURL: String?
    public var issuer: String?
    public var jwksURI: String?
    public var scopes: String
    public var usesPKCE: Bool

    public init(
        displayName: String, shape: UpstreamProvider.ProfileShape, authorizeURL: String, tokenURL: String,
        userinfoURL: String?, issuer: String?, jwksURI: String?, scopes: String, usesPKCE: Bool
    ) {
        self.displayName = displayName
        self.shape = shape
        self.authorizeURL = authorizeURL
        self.tokenURL = tokenURL
        self.userinfoURL = userinfoURL
        self.issuer = issuer
        self.jwksURI = jwksURI
        self.scopes = scopes
        self.usesPKCE = usesPKCE
    }

    /// This preset with the endpoints of an OpenID Connect discovery document (Discovery 1.0).
    public func discovered(from url: String, timeoutSeconds: Int64 = 10) async throws -> ProviderPreset {
        let http = UpstreamHTTP(client: .shared, timeout: .seconds(timeoutSeconds))
        let document = try await http.json(url, method: .GET)
        guard let authorize = document["authorization_endpoint"] as? String,
            let token = document["token_endpoint"] as? String,
            let issuer = document["issuer"] as? String, let jwks = document["jwks_uri"] as? String
        else { throw UpstreamError.badAnswer("\(url) is not an OpenID Connect discovery document") }
        var result = self
        result.shape = shape == .google ? .google : .oidc
        result.authorizeURL = authorize
        result.tokenURL = token
        result.userinfoURL = document["userinfo_endpoint"] as? String
        result.issuer = issuer
        result.jwksURI = jwks
        result.usesPKCE = (document["code_challenge_methods_supported"] as? [String])?.contains(PKCE.s256) ?? false
        return result
    }

    public static let all: [String: ProviderPreset] = [
        "yandex": ProviderPreset(
            displayName: "Yandex", shape: .yandex, authorizeURL: "https://oauth.yandex.ru/authorize",
            tokenURL: "https://oauth.yandex.ru/token", userinfoURL: "https://login.yandex.ru/info?format=json",
            issuer: nil, jwksURI: nil, scopes: "login:info login:email", usesPKCE: true),
        "google": ProviderPreset(
            displayName: "Google", shape: .google, authorizeURL: "https://accounts.google.com/o/oauth2/v2/auth",
            tokenURL: "https://oauth2.googleapis.com/token", userinfoURL: "https://openidconnect.googleapis.com/v1/userinfo",
            issuer: "https://accounts.google.com", jwksURI: "https://www.googleapis.com/oauth2/v3/certs",
            scopes: "openid email profile", usesPKCE: true),
        "mail": ProviderPreset(
            displayName: "Mail.ru", shape: .mail, authorizeURL: "https://oauth.mail.ru/login",
            tokenURL: "https://oauth.mail.ru/token", userinfoURL: "https://oauth.mail.ru/userinfo",
            issuer: nil, jwksURI: nil, scopes: "userinfo", usesPKCE: false),
        "vk": ProviderPreset(
            displayName: "VK ID", shape: .vk, authorizeURL: "https://id.vk.com/authorize",
            tokenURL: "https://id.vk.com/oauth2/auth", userinfoURL: "https://id.vk.com/oauth2/user_info",
            issuer: nil, jwksURI: nil, scopes: "email", usesPKCE: true),
    ]
}
