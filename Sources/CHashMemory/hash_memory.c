// See include/hash_memory.h.
#define _GNU_SOURCE
#include "hash_memory.h"

#include <sys/mman.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static __thread int keeps;
static __thread int entered;
static __thread void *kept;
static __thread size_t kept_length;
/// The kept memory is handed out now (between libsodium's mmap and its munmap).
static __thread int lent;

void sso_hash_memory_keep(void) { keeps = 1; }
void sso_hash_memory_enter(void) { entered = keeps; }
void sso_hash_memory_leave(void) { entered = 0; }
size_t sso_hash_memory_kept(void) { return kept ? kept_length : 0; }

int sso_hash_memory_zeroed(void) {
    const unsigned char *bytes = kept;
    for (size_t i = 0; i < kept_length; i++)
        if (bytes[i]) return 0;
    return 1;
}

void sso_hash_memory_release(void) {
    if (lent) return;
    if (kept) syscall(SYS_munmap, kept, kept_length);
    kept = NULL;
    kept_length = 0;
}

void *mmap(void *address, size_t length, int protection, int flags, int descriptor, off_t offset) {
    if (entered && !lent && address == NULL && descriptor == -1 && (flags & MAP_ANONYMOUS) && (flags & MAP_POPULATE)
            && !(flags & MAP_FIXED) && protection == (PROT_READ | PROT_WRITE)) {
        if (kept && kept_length == length) {
            lent = 1;
            return kept;
        }
        sso_hash_memory_release();
        void *fresh = (void *)syscall(SYS_mmap, NULL, length, protection, flags & ~MAP_POPULATE, -1, (off_t)0);
        if (fresh == MAP_FAILED) return fresh;
        // Fewer, larger pages: fewer faults the first time and fewer TLB misses in every hash.
        (void)syscall(SYS_madvise, fresh, length, MADV_HUGEPAGE);
        kept = fresh;
        kept_length = length;
        lent = 1;
        return fresh;
    }
    return (void *)syscall(SYS_mmap, address, length, protection, flags, descriptor, offset);
}

int munmap(void *address, size_t length) {
    if (kept && address == kept) {
        // Zeroed as a new mapping would be: nothing of this password's hash stays behind.
        explicit_bzero(kept, kept_length);
        lent = 0;
        return 0;
    }
    return (int)syscall(SYS_munmap, address, length);
}
