// The system's libsodium (Debian: libsodium-dev): its Argon2 is the vectorised implementation
// (SSSE3, AVX2, AVX-512F, chosen at run time), where Debian's libargon2 is built portable.
#include <sodium.h>
