import Crypto
import Foundation
import SSOCore
import Testing

/// The kept answer of a rotated refresh token is sealed under HKDF-SHA256 of the token, written
/// out by hand: it must be exactly RFC 5869's HKDF, or answers sealed before an upgrade would
/// no longer open after it.
@Suite("Refresh replay sealing")
struct RefreshReplayTests {
    let response = TokenResponse(accessToken: "a.b.c", expiresIn: 600, refreshToken: "next", scope: "openid", idToken: nil)

    @Test("the sealing key is RFC 5869 HKDF-SHA256 of the refresh token")
    func keyIsHKDF() throws {
        for token in ["r", "tGzv3JOkF0XG5Qx2TlKWIA", String(repeating: "x", count: 200), "кириллица"] {
            let sealed = try RefreshReplay.seal(response, under: token)
            let reference = HKDF<SHA256>.deriveKey(
                inputKeyMaterial: SymmetricKey(data: Data(token.utf8)),
                info: Data("UnifiedSSO refresh-token replay v1".utf8), outputByteCount: 32)
            let plaintext = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: reference)
            #expect(try JSONDecoder().decode(TokenResponse.self, from: plaintext) == response)
            #expect(RefreshReplay.open(sealed, under: token) == response)
        }
    }

    @Test("another token does not open the kept answer")
    func otherToken() throws {
        let sealed = try RefreshReplay.seal(response, under: "the-token")
        #expect(RefreshReplay.open(sealed, under: "the-tokem") == nil)
    }
}
