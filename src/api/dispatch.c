#include "api/dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "api/logs_api.h"
#include "api/secrets_api.h"
#include "api/poll.h"
#include "api/validate.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/json_write.h"
#include "common/log.h"

void api_render_error(const ecs_error_t *err, api_response_t *resp)
{
    cleanup_json json_t *doc = json_pack("{s:s, s:s}", "__type", err->type, "message", err->message);
    resp->status = err->status;
    resp->body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    if (resp->body == NULL) /* out of memory: still answer something valid */
        resp->body = strdup("{\"__type\":\"ServerException\",\"message\":\"\"}");
    resp->body_len = resp->body ? strlen(resp->body) : 0;
    if (err->status >= 500)
        log_error("request %s: %s: %s", resp->request_id, err->type, err->message);
}

static bool content_type_ok(const char *ct)
{
    if (ct == NULL)
        return false;
    size_t n = strcspn(ct, ";"); /* ignore parameters such as charset */
    while (n > 0 && ct[n - 1] == ' ')
        n--;
    return (n == strlen(API_CONTENT_TYPE) && strncasecmp(ct, API_CONTENT_TYPE, n) == 0) ||
           (n == strlen("application/json") && strncasecmp(ct, "application/json", n) == 0);
}

static const api_op_t *lookup_op(const char *target, ecs_error_t *err)
{
    const size_t plen = strlen(API_TARGET_PREFIX);
    if (target == NULL) {
        ecs_err(err, 400, "UnknownOperationException", "Missing X-Amz-Target header.");
        return NULL;
    }
    const api_op_t *op = NULL;
    if (strncmp(target, API_TARGET_PREFIX, plen) == 0)
        op = api_op_find(target + plen, strlen(target + plen));
    if (op == NULL)
        ecs_err(err, 400, "UnknownOperationException", "Unknown operation '%.200s'.", target);
    return op;
}

static json_t *parse_body(const api_request_t *req, ecs_error_t *err)
{
    if (req->body_len == 0) /* SDKs send "{}"; an empty body means the same */
        return json_object();
    json_error_t jerr;
    json_t *in = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (in == NULL) {
        ecs_err(err, 400, "SerializationException", "Malformed JSON at position %d: %s", jerr.position,
                jerr.text);
        return NULL;
    }
    if (!json_is_object(in)) {
        json_decref(in);
        ecs_err(err, 400, "SerializationException", "The request body must be a JSON object.");
        return NULL;
    }
    return in;
}

/* Runs op in one transaction. The answer is rendered before the commit, so
 * a failure after the commit cannot turn a done change into a 500 (which
 * clients would retry). */
static int run_op_once(const model_service_t *svc, const char *account, const char *region, const api_op_t *op,
                       json_t *in, api_response_t *resp, bool *conflict, ecs_error_t *err)
{
    *conflict = false;
    char scope[MODEL_SCOPE_MAX];
    model_scope_make(scope, account, region);
    model_ctx_t ctx = {.region = region, .account = account, .scope = scope, .now_ms = clock_now_ms(), .svc = svc};
    if (store_begin(svc->store, (op->flags & API_OP_WRITE) ? STORE_WRITE : STORE_READ, &ctx.txn, err) < 0) {
        *conflict = store_conflicted(svc->store);
        return -1;
    }
    /* *conflict is read at each failure, before model_effects_abandon
     * begins a transaction of its own on this thread. */
    cleanup_json json_t *out = NULL;
    if (op->handler(&ctx, in, &out, err) < 0) {
        *conflict = store_conflicted(svc->store);
        store_rollback(ctx.txn);
        model_effects_abandon(svc, ctx.scope, &ctx.fx);
        return -1;
    }
    size_t body_len = 0;
    char *body = json_write(out, &body_len);
    if (body == NULL) {
        store_rollback(ctx.txn);
        model_effects_abandon(svc, ctx.scope, &ctx.fx);
        return ecs_server_err(err, "Cannot serialise the answer.");
    }
    if (((op->flags & API_OP_WRITE) && model_effects_notify(svc, ctx.txn, ctx.scope, &ctx.fx, err) < 0) ||
        store_commit(ctx.txn, err) < 0) {
        *conflict = store_conflicted(svc->store);
        store_rollback(ctx.txn);
        free(body);
        model_effects_abandon(svc, ctx.scope, &ctx.fx);
        return -1;
    }
    model_effects_apply(svc, ctx.scope, &ctx.fx);
    resp->status = 200;
    resp->body = body;
    resp->body_len = body_len;
    return 0;
}

/* How often an operation that lost a race with another server's
 * transaction is run again (store_conflicted: nothing of it happened)
 * before the client is told to retry (503 ServerException). */
#define OP_TRIES 10

static void backoff(int attempt)
{
    /* 1 ms, 2, 4, ... up to 50, with jitter, so that the losers of one race
     * do not meet again at once. The seed is the thread's own and random:
     * rand()'s default seed is the same in every process, and two servers
     * would retry in step and collide again. */
    static _Thread_local unsigned seed;
    if (seed == 0 && getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
        seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    long max_ms = attempt < 6 ? 1L << attempt : 50;
    long ms = 1 + rand_r(&seed) % max_ms;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Runs op; on a store shared with other servers, again from the start
 * (with the request as it came: a handler may change its input) while it
 * loses races, at most OP_TRIES times. */
static int run_op(const model_service_t *svc, const char *account, const char *region, const api_op_t *op,
                  json_t *in, api_response_t *resp, ecs_error_t *err)
{
    bool conflict = false;
    if (!store_shared(svc->store))
        return run_op_once(svc, account, region, op, in, resp, &conflict, err);
    cleanup_json json_t *pristine = json_deep_copy(in);
    for (int attempt = 0;; attempt++) {
        cleanup_json json_t *input = json_deep_copy(pristine);
        if (pristine == NULL || input == NULL)
            return ecs_server_err(err, "Out of memory.");
        int rc = run_op_once(svc, account, region, op, input, resp, &conflict, err);
        if (rc == 0 || !conflict || attempt + 1 == OP_TRIES)
            return rc;
        log_debug("request %s: %s lost a race (%s); running it again", resp->request_id, op->name, err->message);
        backoff(attempt);
    }
}

void api_dispatch(const model_service_t *svc, const api_request_t *req, api_response_t *resp)
{
    ecs_error_t err; /* filled before it is read */
    err.status = 0;
    err.type[0] = err.message[0] = '\0';
    cleanup_json json_t *in = NULL;
    if (logs_target(req->target)) { /* CloudWatch Logs' protocol: api/logs_dispatch.c */
        logs_dispatch(svc, req, resp);
        return;
    }
    if (secrets_target(req->target) != NULL) { /* Parameter Store, Secrets Manager: api/secrets_dispatch.c */
        secrets_dispatch(svc, req, resp);
        return;
    }
    ids_uuid4(resp->request_id);
    const api_op_t *op = lookup_op(req->target, &err);
    if (op == NULL)
        goto fail;
    if (!content_type_ok(req->content_type)) {
        ecs_err(&err, 400, "SerializationException",
                "Content-Type must be " API_CONTENT_TYPE ", not '%.100s'.",
                req->content_type ? req->content_type : "");
        goto fail;
    }
    in = parse_body(req, &err);
    if (in == NULL || api_validate_input(op->name, in, &err) < 0)
        goto fail;
    if (!(op->flags & API_OP_AGENT)) /* agents' reports carry ecsd's own members (docs/agent-protocol.md) */
        api_strip_unknown(op->name, in);
    if (run_op(svc, req->account ? req->account : svc->account, req->region ? req->region : svc->region, op, in,
               resp, &err) == 0)
        return;
fail:
    api_render_error(&err, resp);
}
