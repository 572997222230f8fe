import Foundation
import SSOCore

/// What an upstream provider says about the user, in one shape whatever the provider.
public struct FederatedProfile: Sendable, Equatable {
    public var subject: String
    public var login: String?
    public var name: String?
    public var email: String?
    public var emailVerified: Bool

    /// Reads a profile from a userinfo answer (and, for OpenID Connect, the validated ID token's claims).
    static func read(_ shape: UpstreamProvider.ProfileShape, userinfo: [String: Any], idClaims: [String: Any])
        throws -> FederatedProfile
    {
        func string(_ object: [String: Any], _ key: String) -> String? {
            switch object[key] {
            case let text as String where !text.isEmpty: text
            case let number as NSNumber: number.stringValue
            default: nil
            }
        }
        let claims = idClaims.merging(userinfo) { id, _ in id }  // the signed claims win
        let profile: FederatedProfile
        switch shape {
        case .oidc, .google:
            guard let sub = string(claims, "sub") else { throw UpstreamError.badAnswer("no 'sub'") }
            if let userinfoSub = string(userinfo, "sub"), userinfoSub != sub {
                throw UpstreamError.badAnswer("userinfo is about another subject")
            }
            let verified = (claims["email_verified"] as? Bool) ?? (string(claims, "email_verified") == "true")
            profile = FederatedProfile(
                subject: sub, login: string(claims, "preferred_username") ?? string(claims, "email"),
                name: string(claims, "name"), email: string(claims, "email"), emailVerified: verified)
        case .yandex:
            // Yandex ID: https://yandex.ru/dev/id/doc/en/user-information
            guard let id = string(userinfo, "id") else { throw UpstreamError.badAnswer("no 'id'") }
            profile = FederatedProfile(
                subject: id, login: string(userinfo, "login"),
                name: string(userinfo, "real_name") ?? string(userinfo, "display_name"),
                email: string(userinfo, "default_email"), emailVerified: false)
        case .mail:
            // Mail.ru: the address is the mailbox itself, so it is the user's.
            guard let email = string(userinfo, "email") else { throw UpstreamError.badAnswer("no 'email'") }
            profile = FederatedProfile(
                subject: string(userinfo, "id") ?? email, login: string(userinfo, "nickname") ?? email,
                name: string(userinfo, "name"), email: email, emailVerified: true)
        case .vk:
            let user = (userinfo["user"] as? [String: Any]) ?? userinfo
            guard let id = string(user, "user_id") else { throw UpstreamError.badAnswer("no 'user_id'") }
            let name = [string(user, "first_name"), string(user, "last_name")].compactMap { $0 }.joined(separator: " ")
            profile = FederatedProfile(subject: id, login: nil, name: name.isEmpty ? nil : name,
                                       email: string(user, "email"), emailVerified: false)
        }
        return profile
    }
}
