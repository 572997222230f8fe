// The system's OpenSSL libcrypto (Debian's libssl-dev), for RS256 signatures: its RSA code is
// about 2.4 times as fast as the BoringSSL inside swift-crypto on this machine (AVX-512 IFMA
// big-number code). BoringSSL's symbols are prefixed (CCryptoBoringSSL_*, CNIOBoringSSL_*), so
// the two libraries link side by side.
#ifndef C_OPENSSL_CRYPTO_SHIM_H
#define C_OPENSSL_CRYPTO_SHIM_H

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#endif
