/* fuzz_dispatch.c - libFuzzer target: the request path behind the HTTP
 * front, in memory (api_dispatch: target lookup, content type, JSON
 * parsing, api_validate_input, and every operation handler with its
 * transaction), against a real SQLite store.
 *
 * Input: one or more requests, separated by a line "--":
 *
 *     CreateCluster                  <- X-Amz-Target: an operation name gets
 *     application/x-amz-json-1.1        the ECS prefix; a line with a '.' is
 *     {"clusterName": "a"}              sent as it is; "-" sends none
 *     --                             <- Content-Type line ("-": none), then
 *     RunTask                           the body up to the next "\n--\n"
 *     application/x-amz-json-1.1
 *     {"cluster": "a", "taskDefinition": "f"}
 *
 * so a seed can build state (a cluster, a task definition, an instance)
 * and then use it. In a body, "$instance" and "$task" stand for the last
 * containerInstanceArn and taskArn answered so far (they are random UUIDs).
 *
 * Each input starts from an empty store: the store's folder (under /dev/shm
 * when there is one: commits fsync) is deleted and made again before every
 * input, so an input's outcome depends on it alone, and what SQLite keeps
 * between transactions (its page cache grows with the database) is freed
 * at the end of every input. That matters for speed: libFuzzer runs a full
 * leak scan after any input that allocated more than it freed, and with a
 * store kept open nearly every input would (about 15 times slower). The
 * empty store is a copy of one made (and migrated) once, which is faster
 * than making the schema every time. The secrets store (Parameter Store
 * and Secrets Manager: targets AmazonSSM.X and secretsmanager.X) is made
 * afresh in the same folder, with its key.
 *
 * Invariants, beyond "no crash, no leak, no UB": every answer is a JSON
 * object with a request id; 200, or a 4xx with a string __type (never
 * ServerException) and message; never a 5xx.
 *
 * FUZZ_VERBOSE=1 in the environment prints each request's answer (for
 * checking seeds: `FUZZ_VERBOSE=1 build-fuzz/fuzz_dispatch FILE`).
 */
#include <dirent.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/dispatch.h"
#include "common/log.h"
#include "store/secrets_store.h"

#define MAX_REQUESTS 16
#define ARN_MAX 256

#define ABORT_IF(cond, ...)                                                                        \
    do {                                                                                           \
        if (cond) {                                                                                \
            fprintf(stderr, "fuzz_dispatch: " __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static char g_dir[128];
static store_t *g_store;
static secrets_store_t *g_secrets; /* Parameter Store and Secrets Manager, made afresh with the store */
static char *g_template; /* ecsd.db of an empty, migrated store */
static size_t g_template_len;
static int g_verbose;

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void at_exit(void)
{
    if (g_store != NULL)
        store_close(g_store);
    g_store = NULL;
    secrets_store_close(g_secrets);
    g_secrets = NULL;
    if (g_dir[0] != '\0')
        remove_dir(g_dir);
    g_dir[0] = '\0';
}

static void store_reset(void)
{
    at_exit();
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(g_dir, sizeof g_dir, "%s/ecsd-fuzz-dispatch.XXXXXX", base);
    ABORT_IF(mkdtemp(g_dir) == NULL, "cannot make a folder in %s", base);
    char path[256];
    snprintf(path, sizeof path, "%s/ecsd.db", g_dir);
    if (g_template != NULL) {
        FILE *f = fopen(path, "wb");
        ABORT_IF(f == NULL || fwrite(g_template, 1, g_template_len, f) != g_template_len || fclose(f) != 0,
                 "cannot write %s", path);
    }
    ecs_error_t err;
    ABORT_IF(store_open_sqlite(g_dir, &g_store, &err) < 0, "store_open_sqlite: %s", err.message);
    ABORT_IF(secrets_store_open(g_dir, &g_secrets, &err) < 0, "secrets_store_open: %s", err.message);
}

/* Makes an empty store once and keeps its database file as the template. */
static void make_template(void)
{
    store_reset();
    store_close(g_store); /* checkpoints the WAL into ecsd.db */
    g_store = NULL;
    char path[256];
    snprintf(path, sizeof path, "%s/ecsd.db", g_dir);
    FILE *f = fopen(path, "rb");
    ABORT_IF(f == NULL, "cannot read %s", path);
    ABORT_IF(fseek(f, 0, SEEK_END) != 0 || (long)(g_template_len = (size_t)ftell(f)) <= 0, "bad %s", path);
    rewind(f);
    g_template = malloc(g_template_len);
    ABORT_IF(g_template == NULL || fread(g_template, 1, g_template_len, f) != g_template_len, "cannot read %s",
             path);
    fclose(f);
    at_exit();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    log_set_level(LOG_ERROR);
    atexit(at_exit);
    make_template();
    const char *v = getenv("FUZZ_VERBOSE");
    g_verbose = v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
    return 0;
}

/* The string value following `"key":"` in compact JSON text, into out. */
static void remember(const char *text, const char *key, char out[ARN_MAX])
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(text, pat);
    if (p == NULL)
        return;
    p += strlen(pat);
    size_t n = strcspn(p, "\"");
    if (n < ARN_MAX) {
        memcpy(out, p, n);
        out[n] = '\0';
    }
}

/* body with "$instance" / "$task" replaced; *len in and out. Heap, exact size. */
static char *substitute(const char *body, size_t *len, const char *instance, const char *task)
{
    size_t cap = *len + 1, n = 0;
    char *out = malloc(cap);
    ABORT_IF(out == NULL, "out of memory");
    for (size_t i = 0; i < *len;) {
        const char *with = NULL;
        size_t skip = 0;
        if (body[i] == '$' && *len - i >= 9 && memcmp(body + i, "$instance", 9) == 0)
            with = instance, skip = 9;
        else if (body[i] == '$' && *len - i >= 5 && memcmp(body + i, "$task", 5) == 0)
            with = task, skip = 5;
        size_t wlen = with ? strlen(with) : 1;
        if (n + wlen + 1 > cap) {
            cap = (n + wlen + 1) * 2;
            out = realloc(out, cap);
            ABORT_IF(out == NULL, "out of memory");
        }
        if (with != NULL) {
            memcpy(out + n, with, wlen);
            n += wlen;
            i += skip;
        } else {
            out[n++] = body[i++];
        }
    }
    /* Exact size, no NUL: the dispatcher must not read past body_len. */
    char *exact = malloc(n > 0 ? n : 1);
    ABORT_IF(exact == NULL, "out of memory");
    memcpy(exact, out, n);
    free(out);
    *len = n;
    return exact;
}

static char *line_dup(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    ABORT_IF(s == NULL, "out of memory");
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static void check_answer(const api_request_t *req, const api_response_t *resp)
{
    ABORT_IF(resp->body == NULL, "no body (target %s)", req->target ? req->target : "(none)");
    ABORT_IF(strlen(resp->request_id) != 36, "request id '%s'", resp->request_id);
    ABORT_IF(strlen(resp->body) != resp->body_len, "body_len %zu for %zu bytes", resp->body_len,
             strlen(resp->body));
    json_error_t jerr;
    json_t *doc = json_loadb(resp->body, resp->body_len, 0, &jerr);
    ABORT_IF(doc == NULL || !json_is_object(doc), "the answer is not a JSON object: %s", resp->body);
    ABORT_IF(resp->status != 200 && (resp->status < 400 || resp->status > 499), "HTTP %d for %s: %s",
             resp->status, req->target ? req->target : "(no target)", resp->body);
    if (resp->status != 200) {
        const char *type = json_string_value(json_object_get(doc, "__type"));
        ABORT_IF(type == NULL || type[0] == '\0', "an error without __type: %s", resp->body);
        ABORT_IF(!json_is_string(json_object_get(doc, "message")), "an error without message: %s",
                 resp->body);
        ABORT_IF(strcmp(type, "ServerException") == 0, "HTTP %d ServerException for %s: %s", resp->status,
                 req->target ? req->target : "(no target)", resp->body);
    }
    json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    store_reset();
    const char *account = "100000000000";
    model_service_t svc = {.store = g_store, .secrets = g_secrets, .region = "us-east-1", .account = account,
                         .advertise_url = "http://127.0.0.1:7070", .agent_timeout_s = 60};
    char instance[ARN_MAX] = "", task[ARN_MAX] = "";

    const char *p = (const char *)data, *end = p + size;
    for (int r = 0; r < MAX_REQUESTS && p < end; r++) {
        /* This request's text: up to the next "\n--\n". */
        const char *stop = end;
        for (const char *q = p; q + 4 <= end; q++) {
            if (memcmp(q, "\n--\n", 4) == 0) {
                stop = q;
                break;
            }
        }
        const char *nl1 = memchr(p, '\n', (size_t)(stop - p));
        const char *nl2 = nl1 ? memchr(nl1 + 1, '\n', (size_t)(stop - nl1 - 1)) : NULL;
        char *target_line = line_dup(p, (size_t)((nl1 ? nl1 : stop) - p));
        char *ct = nl1 ? line_dup(nl1 + 1, (size_t)((nl2 ? nl2 : stop) - nl1 - 1)) : NULL;
        const char *body = nl2 ? nl2 + 1 : stop;
        size_t body_len = (size_t)(stop - body);
        char *target = NULL;
        if (strcmp(target_line, "-") != 0) {
            if (strchr(target_line, '.') != NULL) {
                target = line_dup(target_line, strlen(target_line));
            } else {
                size_t n = strlen(API_TARGET_PREFIX) + strlen(target_line);
                target = malloc(n + 1);
                ABORT_IF(target == NULL, "out of memory");
                snprintf(target, n + 1, "%s%s", API_TARGET_PREFIX, target_line);
            }
        }
        char *content_type = NULL;
        if (ct == NULL)
            content_type = line_dup(API_CONTENT_TYPE, strlen(API_CONTENT_TYPE));
        else if (strcmp(ct, "-") != 0)
            content_type = line_dup(ct, strlen(ct));
        char *exact = substitute(body, &body_len, instance, task);

        api_request_t req = {.target = target, .content_type = content_type, .body = exact,
                             .body_len = body_len, .account = (r & 1) ? account : NULL,
                             .region = (r & 2) ? "eu-west-1" : NULL};
        api_response_t resp = {0};
        api_dispatch(&svc, &req, &resp);
        if (g_verbose)
            fprintf(stderr, "dispatch: %s -> %d %.300s\n", target ? target : "(no target)", resp.status,
                    resp.body ? resp.body : "(no body)");
        check_answer(&req, &resp);
        if (resp.status == 200) {
            remember(resp.body, "containerInstanceArn", instance);
            remember(resp.body, "taskArn", task);
        }
        free(resp.body);
        free(exact);
        free(content_type);
        free(target);
        free(ct);
        free(target_line);
        p = stop + (stop < end ? 4 : 0);
    }
    at_exit(); /* closed within the input: what it allocated is freed */
    return 0;
}
