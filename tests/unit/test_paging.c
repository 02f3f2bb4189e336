/* Tests for api/paging.c: nextToken encoding and decoding, maxResults,
 * and keyset pages over a real store. */
#include <dirent.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/paging.h"
#include "test.h"

/* Base64 of raw bytes (may contain NUL), as a token would carry them. */
static char *b64(const char *raw, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (out == NULL)
        abort();
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)raw, (int)n);
    return out;
}

/* Decodes token; 1 when accepted (cursor cleared again), 0 when rejected. */
static int accepted(const char *token)
{
    store_cursor_t c = {0};
    if (api_page_token_decode(token, &c) < 0)
        return 0;
    store_cursor_clear(&c);
    return 1;
}

static void round_trip(int64_t num, const char *text, int *test_failed_)
{
    store_cursor_t in = {.text = (char *)text, .num = num}, out = {0};
    char *tok = api_page_token_encode(&in);
    REQUIRE(tok != NULL);
    /* Opaque: base64 characters only. */
    size_t n = strlen(tok);
    CHECK(n > 0 && n % 4 == 0);
    CHECK(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == n);
    int rc = api_page_token_decode(tok, &out);
    CHECK_INT(rc, 0);
    if (rc == 0) {
        CHECK_INT(out.num, num);
        CHECK_STR(out.text, text ? text : "");
    }
    store_cursor_clear(&out);
    free(tok);
}

TEST(paging_token_round_trip)
{
    round_trip(0, "", test_failed_);
    round_trip(0, NULL, test_failed_); /* no text encodes as the empty text */
    round_trip(1, "web", test_failed_);
    round_trip(7, "family:with:colons:7", test_failed_);
    round_trip(3, "caf\xc3\xa9-\xe2\x98\x83-\xe6\x97\xa5\xe6\x9c\xac", test_failed_); /* café-☃-日本 */
    round_trip(-1, "neg", test_failed_);
    round_trip(-1700000000123LL, "a", test_failed_);
    round_trip(INT64_MAX, "max", test_failed_);
    round_trip(INT64_MIN, "min", test_failed_);
    round_trip(1700000000123LL, "line\nbreak", test_failed_); /* only the header splits on '\n' */
    round_trip(5, "ab", test_failed_);   /* every padding length */
    round_trip(5, "abc", test_failed_);
    round_trip(5, "abcd", test_failed_);
}

TEST(paging_token_rejects_garbage)
{
    static const char *const bad[] = {
        "",              /* empty */
        "a",             /* not a multiple of 4 */
        "abc",
        "abcde",
        "!!!!",          /* not base64 */
        "ab$d",
        "ZWNz\nZDE=",    /* a line break inside */
        "ZWNzZDE K",
        "aGVsbG8gd29ybGQ=", /* "hello world": no header */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (accepted(bad[i])) {
            fprintf(stderr, "  accepted garbage token '%s'\n", bad[i]);
            CHECK(0);
        }
    }
}

TEST(paging_token_rejects_forged_structure)
{
    static const struct {
        const char *raw;
        size_t len;
    } bad[] = {
#define RAW(s) {s, sizeof s - 1}
        RAW("ecsd2\n1\nweb"),     /* other version */
        RAW("ECSD1\n1\nweb"),
        RAW("ecsd1 1 web"),
        RAW("ecsd1\nweb"),        /* no number */
        RAW("ecsd1\n\nweb"),      /* empty number */
        RAW("ecsd1\nx1\nweb"),
        RAW("ecsd1\n12"),         /* no second line */
        RAW("ecsd1\n12x\nweb"),   /* junk after the number */
        RAW("ecsd1\n1.5\nweb"),
        RAW("ecsd1\n1\nw\0eb"),   /* NUL inside */
        RAW("\0ecsd1\n1\nweb"),
        RAW("ecsd1"),
        RAW("ecsd"),
#undef RAW
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *tok = b64(bad[i].raw, bad[i].len);
        if (accepted(tok)) {
            fprintf(stderr, "  accepted forged token #%zu '%s'\n", i, tok);
            CHECK(0);
        }
        free(tok);
    }
}

TEST(paging_token_rejects_truncated)
{
    store_cursor_t c = {.text = "some-family-name", .num = 123456};
    char *tok = api_page_token_encode(&c);
    REQUIRE(tok != NULL);
    size_t n = strlen(tok);
    /* Cut to any length that is not a whole number of base64 quanta. */
    for (size_t cut = 1; cut < n; cut++) {
        if ((n - cut) % 4 == 0)
            continue;
        char *t = strndup(tok, n - cut);
        REQUIRE(t != NULL);
        if (accepted(t)) {
            fprintf(stderr, "  accepted truncated token '%s'\n", t);
            CHECK(0);
        }
        free(t);
    }
    /* Cut into the header ("ecsd1\n12345" lost its line end). */
    char *t = b64("ecsd1\n12345", 11);
    CHECK(!accepted(t));
    free(t);
    t = b64("ecsd1\n", 6);
    CHECK(!accepted(t));
    free(t);
    free(tok);
}

TEST(paging_token_size_limit)
{
    /* The header "ecsd1\n1\n" is 8 bytes: 1536 raw bytes make 2048 characters. */
    char text[1600];
    memset(text, 'x', sizeof text);
    text[1528] = '\0';
    store_cursor_t c = {.text = text, .num = 1}, out = {0};
    char *tok = api_page_token_encode(&c);
    CHECK_INT(strlen(tok), 2048);
    CHECK_INT(api_page_token_decode(tok, &out), 0);
    CHECK_INT(strlen(out.text ? out.text : ""), 1528);
    store_cursor_clear(&out);
    free(tok);

    text[1528] = 'x';
    text[1529] = '\0';
    tok = api_page_token_encode(&c);
    CHECK_INT(strlen(tok), 2052);
    CHECK(!accepted(tok));
    free(tok);

    /* Far larger than any token: rejected before decoding. */
    size_t big = 1 << 20;
    char *huge = malloc(big + 1);
    REQUIRE(huge != NULL);
    memset(huge, 'A', big);
    huge[big] = '\0';
    CHECK(!accepted(huge));
    free(huge);
}

/* Runs the decoder on token in a child process, so memory errors that the
 * sanitizers report (or a crash) do not end the whole test run. Returns
 * 1 when the child rejected the token cleanly, 0 otherwise. */
static int rejected_cleanly_in_child(const char *token)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        store_cursor_t c = {0};
        int rc = api_page_token_decode(token, &c);
        store_cursor_clear(&c);
        _exit(rc == -1 ? 0 : 3);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(paging_token_all_padding)
{
    /* Only '=' characters: EVP_DecodeBlock decodes them as zero bytes, and
     * subtracting the padding must not go below zero (before 7ed84ce,
     * api_page_token_decode wrote raw[-1] for "===="; an ASan build shows
     * such a write here, in the child). */
    CHECK(rejected_cleanly_in_child("===="));
    CHECK(rejected_cleanly_in_child("========"));
    CHECK(rejected_cleanly_in_child("A==="));
    CHECK(rejected_cleanly_in_child("AA=="));
    char many[2049];
    memset(many, '=', 2048);
    many[2048] = '\0';
    CHECK(rejected_cleanly_in_child(many));
    /* A real token with padding added is not a token. */
    store_cursor_t c = {.text = "web", .num = 1};
    char *tok = api_page_token_encode(&c);
    char padded[64];
    snprintf(padded, sizeof padded, "%s====", tok);
    CHECK(rejected_cleanly_in_child(padded));
    CHECK(!accepted(padded));
    free(tok);
}

/* Parses JSON with single quotes standing for double quotes. */
static json_t *js(const char *s)
{
    char buf[4096];
    size_t n = strlen(s);
    if (n >= sizeof buf)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        buf[i] = s[i] == '\'' ? '"' : s[i];
    return json_loads(buf, 0, NULL);
}

static int page_read(const char *json, int def, api_page_t *page, ecs_error_t *err)
{
    json_t *in = js(json);
    if (in == NULL)
        return -2;
    memset(err, 0, sizeof *err);
    int rc = api_page_read(in, def, page, err);
    json_decref(in);
    return rc;
}

TEST(paging_max_results_default_and_bounds)
{
    api_page_t p;
    ecs_error_t e;
    CHECK_INT(page_read("{}", 100, &p, &e), 0);
    CHECK_INT(p.max_results, 100);
    CHECK(!p.has_after);
    api_page_clear(&p);
    CHECK_INT(page_read("{}", 10, &p, &e), 0);
    CHECK_INT(p.max_results, 10);
    api_page_clear(&p);
    CHECK_INT(page_read("{'maxResults':null}", 100, &p, &e), 0); /* null is absent */
    CHECK_INT(p.max_results, 100);
    api_page_clear(&p);
    CHECK_INT(page_read("{'maxResults':1}", 100, &p, &e), 0);
    CHECK_INT(p.max_results, 1);
    api_page_clear(&p);
    CHECK_INT(page_read("{'maxResults':100}", 10, &p, &e), 0);
    CHECK_INT(p.max_results, 100);
    api_page_clear(&p);

    static const char *const bad[] = {"{'maxResults':0}", "{'maxResults':101}", "{'maxResults':-1}",
                                      "{'maxResults':1099511627776}", "{'maxResults':-9223372036854775807}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(page_read(bad[i], 100, &p, &e), -1);
        CHECK_INT(e.status, 400);
        CHECK_STR(e.type, "InvalidParameterException");
        CHECK_STR(e.message, "maxResults must be between 1 and 100.");
        api_page_clear(&p);
    }
}

TEST(paging_read_next_token)
{
    store_cursor_t c = {.text = "fam:ily", .num = 9};
    char *tok = api_page_token_encode(&c);
    char json[512];
    snprintf(json, sizeof json, "{'maxResults':5,'nextToken':'%s'}", tok);
    api_page_t p;
    ecs_error_t e;
    CHECK_INT(page_read(json, 100, &p, &e), 0);
    CHECK_INT(p.max_results, 5);
    CHECK(p.has_after);
    CHECK_STR(p.after.text, "fam:ily");
    CHECK_INT(p.after.num, 9);
    api_page_clear(&p);
    CHECK(p.after.text == NULL);
    free(tok);

    CHECK_INT(page_read("{'nextToken':'not a token'}", 100, &p, &e), -1);
    CHECK_INT(e.status, 400);
    CHECK_STR(e.type, "InvalidParameterException");
    CHECK_STR(e.message, "Invalid nextToken.");
    api_page_clear(&p);
    CHECK_INT(page_read("{'nextToken':''}", 100, &p, &e), -1);
    CHECK_STR(e.type, "InvalidParameterException");
    api_page_clear(&p);
}

/* --- keyset pages over a store ------------------------------------- */

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *ent;
        while ((ent = readdir(d)) != NULL) {
            if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

static int put_named(store_t *s, const char *key, int64_t num, ecs_error_t *err)
{
    store_txn_t *t = NULL;
    if (store_begin(s, STORE_WRITE, &t, err) < 0)
        return -1;
    store_record_t r = {.key = (char *)key, .family = (char *)key, .num = num, .status = "ACTIVE",
                        .doc = json_object()};
    int rc = store_put(t, STORE_CLUSTER, "000000000000", &r, err);
    json_decref(r.doc);
    if (rc < 0) {
        store_rollback(t);
        return -1;
    }
    return store_commit(t, err);
}

/* One page of clusters after token (NULL: the first); keys joined by ','. */
static int page_of(store_t *s, int max, const char *token, char *keys, size_t size, char **next)
{
    ecs_error_t err;
    store_txn_t *t = NULL;
    if (store_begin(s, STORE_READ, &t, &err) < 0)
        return -1;
    json_t *in = json_pack("{s:i}", "maxResults", max);
    if (token != NULL)
        json_object_set_new(in, "nextToken", json_string(token));
    api_page_t page;
    int rc = api_page_read(in, 100, &page, &err);
    json_decref(in);
    store_record_t *rows = NULL;
    size_t n = 0;
    store_query_t q = {.kind = STORE_CLUSTER, .account = "000000000000", .order = STORE_ORDER_KEY};
    if (rc == 0)
        rc = api_page_query(t, &q, &page, &rows, &n, next, &err);
    api_page_clear(&page);
    store_rollback(t);
    if (rc < 0)
        return -1;
    keys[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(keys + len, len < size ? size - len : 0, "%s%s", i ? "," : "", rows[i].key);
    store_records_free(rows, n);
    return (int)n;
}

TEST(paging_query_pages_and_tokens)
{
    char dir[] = "/tmp/ecsd-unit-paging.XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    store_t *s = NULL;
    ecs_error_t err;
    REQUIRE(store_open_sqlite(dir, &s, &err) == 0);
    static const char *const names[] = {"a", "b", "c", "d", "e"};
    for (size_t i = 0; i < 5; i++)
        CHECK_INT(put_named(s, names[i], (int64_t)i, &err), 0);

    char keys[256];
    char *next = NULL;
    CHECK_INT(page_of(s, 2, NULL, keys, sizeof keys, &next), 2);
    CHECK_STR(keys, "a,b");
    REQUIRE(next != NULL);
    char *tok1 = next;
    /* A row added before the cursor does not shift the next page. */
    CHECK_INT(put_named(s, "aa", 9, &err), 0);
    CHECK_INT(page_of(s, 2, tok1, keys, sizeof keys, &next), 2);
    CHECK_STR(keys, "c,d");
    REQUIRE(next != NULL);
    char *tok2 = next;
    CHECK_INT(page_of(s, 2, tok2, keys, sizeof keys, &next), 1);
    CHECK_STR(keys, "e");
    CHECK(next == NULL); /* the last page has no token */
    /* Exactly max rows left: no token either. */
    CHECK_INT(page_of(s, 3, tok1, keys, sizeof keys, &next), 3);
    CHECK_STR(keys, "c,d,e");
    CHECK(next == NULL);
    CHECK_INT(page_of(s, 100, NULL, keys, sizeof keys, &next), 6);
    CHECK_STR(keys, "a,aa,b,c,d,e");
    CHECK(next == NULL);
    free(tok1);
    free(tok2);
    store_close(s);
    rm_tree(dir);
}
