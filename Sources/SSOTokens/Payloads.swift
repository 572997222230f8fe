import JWTKit
import SSOCore

/// jwt-kit payload wrappers around the core's claim types. Expiry is checked by the signer
/// against the injected clock, not here, so tests control time.
struct AccessTokenPayload: JWTPayload {
    var claims: AccessTokenClaims
    init(_ claims: AccessTokenClaims) { self.claims = claims }
    init(from decoder: any Decoder) throws { claims = try AccessTokenClaims(from: decoder) }
    func encode(to encoder: any Encoder) throws { try claims.encode(to: encoder) }
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

struct IDTokenPayload: JWTPayload {
    var claims: IDTokenClaims
    init(_ claims: IDTokenClaims) { self.claims = claims }
    init(from decoder: any Decoder) throws { claims = try IDTokenClaims(from: decoder) }
    func encode(to encoder: any Encoder) throws { try claims.encode(to: encoder) }
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

struct LogoutTokenPayload: JWTPayload {
    var claims: LogoutTokenClaims
    init(_ claims: LogoutTokenClaims) { self.claims = claims }
    init(from decoder: any Decoder) throws { claims = try LogoutTokenClaims(from: decoder) }
    func encode(to encoder: any Encoder) throws { try claims.encode(to: encoder) }
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
