/* Tests for api/credentials.c: the file's lines (access key ids as AWS
 * allows them, secrets, 12-digit accounts, comments), errors that name the
 * line, duplicates, lookups, reloads that keep the old keys on error, and
 * the file `ecsd dev` writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/credentials.h"
#include "test.h"

/* Writes text to a new temporary file; returns its path (free it). */
static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/ecsd-creds-test.XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) {
        free(path);
        return NULL;
    }
    size_t n = strlen(text);
    if (write(fd, text, n) != (ssize_t)n) {
        close(fd);
        unlink(path);
        free(path);
        return NULL;
    }
    close(fd);
    return path;
}

static void rewrite(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

/* 1 if key is found with this secret and account. */
static int found(credentials_t *c, const char *key, const char *secret, const char *account)
{
    char s[129], a[13];
    if (!credentials_lookup(c, key, s, sizeof s, a, sizeof a))
        return 0;
    return strcmp(s, secret) == 0 && strcmp(a, account) == 0;
}

/* Loads text; returns 0 and the credentials, or -1 with err. */
static int load_text(const char *text, credentials_t **c, ecs_error_t *err)
{
    char *path = write_tmp(text);
    if (path == NULL)
        return -1;
    int rc = credentials_load(path, c, err);
    unlink(path);
    free(path);
    return rc;
}

TEST(credentials_keys_as_aws_allows)
{
    credentials_t *c = NULL;
    ecs_error_t err = {0};
    const char *text = "# local tools' keys\n"
                       "test test 000000000000\n"
                       "testing testing 000000000001   # trailing comment\n"
                       "AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY 123456789012\n"
                       "\tmy_key_01\t s3cr3t+/= \t 210987654321\n"
                       "\n"
                       "abc x 111111111111\n";
    REQUIRE(load_text(text, &c, &err) == 0);
    CHECK_INT(credentials_count(c), 5);
    CHECK(found(c, "test", "test", "000000000000"));
    CHECK(found(c, "testing", "testing", "000000000001"));
    CHECK(found(c, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "123456789012"));
    CHECK(found(c, "my_key_01", "s3cr3t+/=", "210987654321"));
    CHECK(found(c, "abc", "x", "111111111111"));
    /* lookups are exact: case matters, no prefixes */
    CHECK(!found(c, "TEST", "test", "000000000000"));
    CHECK(!found(c, "tes", "test", "000000000000"));
    CHECK(!found(c, "", "", ""));
    char longkey[200];
    memset(longkey, 'a', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    CHECK(!found(c, longkey, "x", "111111111111"));
    credentials_free(c);
}

TEST(credentials_key_lengths_3_to_128)
{
    char text[512], key[130];
    credentials_t *c = NULL;
    ecs_error_t err = {0};
    memset(key, 'K', 128);
    key[128] = '\0';
    snprintf(text, sizeof text, "%s secret 123456789012\n", key);
    REQUIRE(load_text(text, &c, &err) == 0);
    CHECK(found(c, key, "secret", "123456789012"));
    credentials_free(c);

    key[128] = 'K';
    key[129] = '\0';
    snprintf(text, sizeof text, "%s secret 123456789012\n", key);
    CHECK(load_text(text, &c, &err) < 0);
    CHECK(strstr(err.message, "line 1") != NULL);
    CHECK(strstr(err.message, "3 to 128") != NULL);

    CHECK(load_text("ab secret 123456789012\n", &c, &err) < 0);
    CHECK(strstr(err.message, "access key id") != NULL);
}

TEST(credentials_bad_lines_name_the_line)
{
    static const struct {
        const char *text, *words;
    } bad[] = {
        {"good secret 123456789012\nbad-key secret 123456789012\n", "line 2"},
        {"bad.key secret 123456789012\n", "letters, digits or underscores"},
        {"tést secret 123456789012\n", "letters, digits or underscores"},
        {"key secret 12345678901\n", "12 digits"},
        {"key secret 1234567890123\n", "12 digits"},
        {"key secret 12345678901x\n", "12 digits"},
        {"key secret\n", "three words"},
        {"key secret 123456789012 extra\n", "three words"},
        {"just-one-word\n", "three words"},
        {"dup a 123456789012\ndup b 123456789012\n", "appears twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        credentials_t *c = NULL;
        ecs_error_t err = {0};
        int rc = load_text(bad[i].text, &c, &err);
        CHECK(rc < 0);
        if (rc == 0) {
            fprintf(stderr, "  accepted: %s", bad[i].text);
            credentials_free(c);
            continue;
        }
        if (strstr(err.message, bad[i].words) == NULL) {
            fprintf(stderr, "  %s -> %s (expected %s)\n", bad[i].text, err.message, bad[i].words);
            CHECK(0);
        }
    }
}

TEST(credentials_secret_up_to_128)
{
    char text[512], secret[131];
    credentials_t *c = NULL;
    ecs_error_t err = {0};
    memset(secret, 's', 128);
    secret[128] = '\0';
    snprintf(text, sizeof text, "key %s 123456789012\n", secret);
    REQUIRE(load_text(text, &c, &err) == 0);
    CHECK(found(c, "key", secret, "123456789012"));
    credentials_free(c);
    secret[128] = 's';
    secret[129] = '\0';
    snprintf(text, sizeof text, "key %s 123456789012\n", secret);
    CHECK(load_text(text, &c, &err) < 0);
    CHECK(strstr(err.message, "secret") != NULL);
}

TEST(credentials_empty_file_and_long_comment)
{
    credentials_t *c = NULL;
    ecs_error_t err = {0};
    REQUIRE(load_text("", &c, &err) == 0);
    CHECK_INT(credentials_count(c), 0);
    CHECK(!found(c, "test", "test", "000000000000"));
    char key[129], secret[129];
    CHECK(!credentials_first(c, key, secret));
    credentials_free(c);

    /* a comment longer than any buffer is still one comment */
    size_t n = 5000;
    char *text = malloc(n + 64);
    REQUIRE(text != NULL);
    memset(text, '#', n);
    snprintf(text + n, 64, " more words\ntest test 000000000000\n");
    REQUIRE(load_text(text, &c, &err) == 0);
    free(text);
    CHECK_INT(credentials_count(c), 1);
    CHECK(found(c, "test", "test", "000000000000"));
    credentials_free(c);
}

TEST(credentials_reload_keeps_keys_on_error)
{
    char *path = write_tmp("test test 000000000000\n");
    REQUIRE(path != NULL);
    credentials_t *c = NULL;
    ecs_error_t err = {0};
    REQUIRE(credentials_load(path, &c, &err) == 0);
    rewrite(path, "test test 000000000000\nnew_key new 123456789012\n");
    CHECK(credentials_reload(c, &err) == 0);
    CHECK(found(c, "new_key", "new", "123456789012"));
    rewrite(path, "broken line\n");
    CHECK(credentials_reload(c, &err) < 0);
    CHECK(found(c, "test", "test", "000000000000"));
    CHECK(found(c, "new_key", "new", "123456789012"));
    credentials_free(c);
    unlink(path);
    free(path);
}

TEST(credentials_dev_file_reads_back)
{
    char dir[] = "/tmp/ecsd-creds-dev.XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/credentials", dir);
    char key[21], secret[41];
    ecs_error_t err = {0};
    REQUIRE(credentials_create(path, "123456789012", key, secret, &err) == 0);
    CHECK_INT(strlen(key), 20);
    CHECK_INT(strlen(secret), 40);
    credentials_t *c = NULL;
    REQUIRE(credentials_load(path, &c, &err) == 0);
    CHECK(found(c, key, secret, "123456789012"));
    char k[129], s[129];
    CHECK(credentials_first(c, k, s));
    CHECK_STR(k, key);
    CHECK_STR(s, secret);
    credentials_free(c);
    unlink(path);
    rmdir(dir);
}
