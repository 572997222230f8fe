import COpenSSLCrypto

/// An RSA private key held by the system's OpenSSL libcrypto, signing RSASSA-PKCS1-v1_5 with
/// SHA-256 (RS256). Parsed once per signing key; one `EVP_PKEY` is shared by every thread (it is
/// only read while signing), each signature gets a fresh digest context of its own (its set-up
/// is about 2 µs of the 250), and the key is freed with the object.
///
/// Replaces: swift-crypto's `_RSA.Signing` (BoringSSL) behind jwt-kit for RS256 signatures.
/// Measured: RSA-2048 PKCS#1 v1.5 SHA-256, CPU time per signature on this machine (AMD EPYC,
/// 2 cores): BoringSSL in swift-crypto 4.5.2 with the key prepared once 585-613 µs (jwt-kit's
/// `JWTKeyCollection.sign` 612-618 µs), libcrypto 3.0.19 `EVP_DigestSign` 245-255 µs (it has
/// AVX-512 IFMA big-number code; reusing a digest or key context saves nothing measurable).
/// Can go: when swift-crypto's RSA signs as fast as the system's libcrypto here (the tests check
/// that both give the same bytes, so a swap back is checked).
final class LibcryptoRSAKey: @unchecked Sendable {
    /// The `EVP_PKEY`: never changed after `init`, so safe to sign with from any thread.
    private let key: OpaquePointer
    /// The modulus' length in bytes: every signature's length.
    let signatureByteCount: Int

    /// The backend's name and version, as the library reports it ("OpenSSL 3.0.19 27 Jan 2026").
    static var version: String { String(cString: OpenSSL_version(OPENSSL_VERSION)) }

    /// Reads an RSA private key in PEM (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`).
    init(pem: String) throws(LibcryptoError) {
        let bytes = Array(pem.utf8)
        let parsed = bytes.withUnsafeBytes { raw -> OpaquePointer? in
            // The memory BIO reads the bytes in place, so it must not outlive them.
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let parsed else { throw LibcryptoError.last("reading the RSA private key") }
        guard EVP_PKEY_get_base_id(parsed) == EVP_PKEY_RSA else {
            EVP_PKEY_free(parsed)
            throw LibcryptoError(operation: "reading the RSA private key", reason: "not an RSA key")
        }
        key = parsed
        signatureByteCount = Int(EVP_PKEY_get_size(parsed))
    }

    deinit { EVP_PKEY_free(key) }

    /// The RS256 signature of `input` (for a JWS, the ASCII of `header.payload`).
    func sign(_ input: [UInt8]) throws(LibcryptoError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw LibcryptoError.last("allocating a digest context") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else {
            throw LibcryptoError.last("starting an RS256 signature")
        }
        var length = signatureByteCount
        let signature = [UInt8](unsafeUninitializedCapacity: signatureByteCount) { buffer, count in
            let rc = input.withUnsafeBufferPointer { message in
                EVP_DigestSign(context, buffer.baseAddress, &length, message.baseAddress, message.count)
            }
            count = rc == 1 ? length : 0
        }
        guard signature.count == signatureByteCount else { throw LibcryptoError.last("signing with RS256") }
        return signature
    }
}

/// A libcrypto call that failed: what was being done and the library's reason.
struct LibcryptoError: Error, CustomStringConvertible {
    var operation: String
    var reason: String

    var description: String { "libcrypto failed \(operation): \(reason)" }

    /// The error the calling thread's libcrypto error queue holds, which is then emptied (a
    /// later call must not report this one).
    static func last(_ operation: String) -> LibcryptoError {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return LibcryptoError(operation: operation, reason: "no reason given") }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return LibcryptoError(operation: operation, reason: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
