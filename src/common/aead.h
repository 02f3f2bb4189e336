/* aead.h - AES-256-GCM (OpenSSL) for values kept at rest: a sealed value
 * is nonce (12 random bytes) || ciphertext || tag (16 bytes), bound to
 * its associated data (what the value belongs to), so a ciphertext moved
 * to another row does not open. And the key file: 32 random bytes,
 * created 0600 on first use, refused when another user may read it.
 *
 * Thread-safe: no state.
 */
#ifndef ECSD_COMMON_AEAD_H
#define ECSD_COMMON_AEAD_H

#include <stddef.h>

#include "common/error.h"

#define AEAD_KEY_LEN 32
#define AEAD_NONCE_LEN 12
#define AEAD_TAG_LEN 16
#define AEAD_OVERHEAD (AEAD_NONCE_LEN + AEAD_TAG_LEN)

/* Seals n bytes of pt into out (n + AEAD_OVERHEAD bytes). 0, or -1. */
int aead_seal(const unsigned char key[AEAD_KEY_LEN], const void *aad, size_t aad_len, const void *pt, size_t n,
              unsigned char *out);
/* Opens n bytes of sealed into out (n - AEAD_OVERHEAD bytes). 0, or -1
 * when too short, forged, of another key or of other associated data. */
int aead_open(const unsigned char key[AEAD_KEY_LEN], const void *aad, size_t aad_len, const unsigned char *sealed,
              size_t n, unsigned char *out);
/* The key of path: read, or made (0600, O_EXCL) when the file is absent.
 * -1 with err when unreadable, of the wrong size, or readable by others. */
int aead_key_file(const char *path, unsigned char key[AEAD_KEY_LEN], ecs_error_t *err);

#endif
