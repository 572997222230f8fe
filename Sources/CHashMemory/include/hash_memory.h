#ifndef SSO_HASH_MEMORY_H
#define SSO_HASH_MEMORY_H

#include <stddef.h>

/// Keeps the memory of libsodium's Argon2 between the hashes of one thread.
///
/// libsodium maps each hash's memory afresh (19 MiB at the baseline, `mmap` with
/// `MAP_POPULATE`) and unmaps it afterwards: the kernel then zeroes and accounts some five
/// thousand pages for every password check, about 7 ms of the 19 a check costs on these
/// cores. A thread that calls `sso_hash_memory_keep` once (the password-hash pool's threads)
/// and brackets libsodium's Argon2 calls with `sso_hash_memory_enter` and `_leave` gets the
/// same mapping back on its next hash, asked as a transparent huge page. When libsodium lets
/// go of it, it is zeroed (a millisecond) instead of unmapped, so nothing of a password's hash
/// stays behind, as with a fresh mapping.
///
/// How: this module defines `mmap` and `munmap`, so the dynamic linker sends every library's
/// calls to them here (as with a malloc replacement). Outside an entered bracket, and for any
/// call but an anonymous, populated mapping at no fixed address, they are the system calls
/// themselves, as is a second such mapping while the kept one is in use. Can go when libsodium
/// lets its caller give the memory (it does not, 1.0.18 to 1.0.20), or when the server's own
/// Argon2 does.

/// This thread may keep one Argon2 memory between hashes (until `sso_hash_memory_release`).
void sso_hash_memory_keep(void);
/// Before a libsodium Argon2 call on this thread; does nothing unless the thread keeps memory.
void sso_hash_memory_enter(void);
/// After it.
void sso_hash_memory_leave(void);
/// Gives this thread's kept memory back to the system (an idle pool thread does).
void sso_hash_memory_release(void);
/// Bytes this thread keeps now (0 when none).
size_t sso_hash_memory_kept(void);
/// 1 when this thread keeps no memory or only zeros (what the tests check between hashes).
int sso_hash_memory_zeroed(void);

#endif
