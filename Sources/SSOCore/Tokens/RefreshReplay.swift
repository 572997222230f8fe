import Crypto
import Foundation

/// Seals a token response under the refresh token it answered, for the reuse grace window.
///
/// The key is derived (HKDF-SHA256) from the refresh token itself, which the database never
/// holds (only its SHA-256 digest): whoever reads the database, even with the key-encryption
/// key, cannot open the kept answer; only a client presenting the rotated token again can.
public enum RefreshReplay {
    public static func seal(_ response: TokenResponse, under refreshToken: String) throws -> Data {
        let plaintext = response.jsonObject
        guard let combined = try AES.GCM.seal(plaintext, using: key(refreshToken)).combined else {
            throw OAuthError(.serverError, "Could not seal the token response.")
        }
        return combined
    }

    /// The kept answer, or `nil` when it does not open under this token.
    public static func open(_ sealed: Data, under refreshToken: String) -> TokenResponse? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
            let plaintext = try? AES.GCM.open(box, using: key(refreshToken))
        else { return nil }
        return try? JSONDecoder().decode(TokenResponse.self, from: plaintext)
    }

    /// HKDF-SHA256 (RFC 5869) without salt, one output block, written as its two HMACs.
    ///
    /// Replaces: swift-crypto's generic `HKDF<SHA256>.deriveKey`.
    /// Measured: half of the sealing time, 3.3% of a refresh (perf, release build).
    /// Can go: when swift-crypto's HKDF derives one block without its generic overhead; the
    /// test that this opens what `HKDF<SHA256>` seals keeps the two interchangeable.
    private static func key(_ refreshToken: String) -> SymmetricKey {
        let pseudorandomKey = HMAC<SHA256>.authenticationCode(
            for: Array(refreshToken.utf8), using: SymmetricKey(data: [UInt8](repeating: 0, count: SHA256.byteCount)))
        let block = HMAC<SHA256>.authenticationCode(for: info, using: SymmetricKey(data: pseudorandomKey))
        return SymmetricKey(data: block)
    }

    /// The HKDF info string followed by the block counter 1.
    private static let info: [UInt8] = Array("UnifiedSSO refresh-token replay v1".utf8) + [1]
}
