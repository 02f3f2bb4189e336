/* aead.c - AES-256-GCM seal/open and the key file (common/aead.h). */
#include "common/aead.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int aead_seal(const unsigned char key[AEAD_KEY_LEN], const void *aad, size_t aad_len, const void *pt, size_t n,
              unsigned char *out)
{
    if (n > (size_t)1 << 30 || aad_len > (size_t)1 << 20 || RAND_bytes(out, AEAD_NONCE_LEN) != 1)
        return -1;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len = 0, rc = -1;
    if (c != NULL && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, out) == 1 &&
        EVP_EncryptUpdate(c, NULL, &len, aad, (int)aad_len) == 1 &&
        (n == 0 || EVP_EncryptUpdate(c, out + AEAD_NONCE_LEN, &len, pt, (int)n) == 1) &&
        EVP_EncryptFinal_ex(c, out + AEAD_NONCE_LEN + n, &len) == 1 &&
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, AEAD_TAG_LEN, out + AEAD_NONCE_LEN + n) == 1)
        rc = 0;
    EVP_CIPHER_CTX_free(c);
    return rc;
}

int aead_open(const unsigned char key[AEAD_KEY_LEN], const void *aad, size_t aad_len, const unsigned char *sealed,
              size_t n, unsigned char *out)
{
    if (n < AEAD_OVERHEAD || n > ((size_t)1 << 30) || aad_len > (size_t)1 << 20)
        return -1;
    size_t ct = n - AEAD_OVERHEAD;
    unsigned char tag[AEAD_TAG_LEN];
    memcpy(tag, sealed + AEAD_NONCE_LEN + ct, AEAD_TAG_LEN);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len = 0, rc = -1;
    if (c != NULL && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, sealed) == 1 &&
        EVP_DecryptUpdate(c, NULL, &len, aad, (int)aad_len) == 1 &&
        (ct == 0 || EVP_DecryptUpdate(c, out, &len, sealed + AEAD_NONCE_LEN, (int)ct) == 1) &&
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, AEAD_TAG_LEN, tag) == 1 &&
        EVP_DecryptFinal_ex(c, out + ct, &len) == 1)
        rc = 0;
    EVP_CIPHER_CTX_free(c);
    return rc;
}

static int read_key(int fd, const char *path, unsigned char key[AEAD_KEY_LEN], ecs_error_t *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return ecs_server_err(err, "%.300s: %s", path, strerror(errno));
    if ((st.st_mode & 077) != 0)
        return ecs_server_err(err, "%.300s: the key file is readable by others (mode %o); chmod 600 it", path,
                              (unsigned)(st.st_mode & 0777));
    if (st.st_size != AEAD_KEY_LEN)
        return ecs_server_err(err, "%.300s: a key file holds %d bytes, this one %lld", path, AEAD_KEY_LEN,
                              (long long)st.st_size);
    size_t got = 0;
    while (got < AEAD_KEY_LEN) {
        ssize_t r = read(fd, key + got, AEAD_KEY_LEN - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return ecs_server_err(err, "%.300s: cannot read the key", path);
        got += (size_t)r;
    }
    return 0;
}

int aead_key_file(const char *path, unsigned char key[AEAD_KEY_LEN], ecs_error_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        int rc = read_key(fd, path, key, err);
        close(fd);
        return rc;
    }
    if (errno != ENOENT)
        return ecs_server_err(err, "%.300s: %s", path, strerror(errno));
    /* First start: a new key, written whole to a temporary file and linked
     * into place, so a crash never leaves a short key behind. */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return ecs_server_err(err, "%.300s: %s", tmp, strerror(errno));
    int ok = RAND_bytes(key, AEAD_KEY_LEN) == 1 && write(fd, key, AEAD_KEY_LEN) == AEAD_KEY_LEN && fsync(fd) == 0;
    close(fd);
    if (!ok || link(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        if (ok && e == EEXIST) /* another process made it meanwhile: use theirs */
            return aead_key_file(path, key, err);
        return ecs_server_err(err, "%.300s: cannot write the key: %s", path, strerror(e));
    }
    unlink(tmp);
    return 0;
}
