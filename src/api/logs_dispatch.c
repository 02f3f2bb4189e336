/* logs_dispatch.c - one path from a Logs request to its handler and back:
 * target lookup, Content-Type, JSON parsing, the check against botocore's
 * `logs` model (api/logs_shapes_gen.c), the handler, the answer. Handlers
 * work in the logs store, each call its own short transaction. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/logs_api.h"
#include "api/validate.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/json_write.h"

bool logs_target(const char *target)
{
    return target != NULL && strncmp(target, LOGS_TARGET_PREFIX, strlen(LOGS_TARGET_PREFIX)) == 0;
}

static bool content_type_ok(const char *ct)
{
    if (ct == NULL)
        return false;
    size_t n = strcspn(ct, ";");
    while (n > 0 && ct[n - 1] == ' ')
        n--;
    return (n == strlen(API_CONTENT_TYPE) && strncasecmp(ct, API_CONTENT_TYPE, n) == 0) ||
           (n == strlen("application/json") && strncasecmp(ct, "application/json", n) == 0);
}

static json_t *parse_body(const api_request_t *req, ecs_error_t *err)
{
    if (req->body_len == 0)
        return json_object();
    json_error_t jerr;
    json_t *in = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (in == NULL) {
        ecs_err(err, 400, "SerializationException", "Malformed JSON at position %d: %s", jerr.position, jerr.text);
        return NULL;
    }
    if (!json_is_object(in)) {
        json_decref(in);
        ecs_err(err, 400, "SerializationException", "The request body must be a JSON object.");
        return NULL;
    }
    return in;
}

void logs_dispatch(const model_service_t *svc, const api_request_t *req, api_response_t *resp)
{
    ecs_error_t err;
    err.status = 0;
    err.type[0] = err.message[0] = '\0';
    ids_uuid4(resp->request_id);
    const char *name = req->target + strlen(LOGS_TARGET_PREFIX);
    const logs_op_t *op = svc->logs ? logs_op_find(name, strlen(name)) : NULL;
    cleanup_json json_t *in = NULL;
    cleanup_json json_t *out = NULL;
    if (op == NULL) {
        ecs_err(&err, 400, "UnknownOperationException", "Unknown operation '%.200s'.", req->target);
        goto fail;
    }
    if (!content_type_ok(req->content_type)) {
        ecs_err(&err, 400, "SerializationException", "Content-Type must be " API_CONTENT_TYPE ", not '%.100s'.",
                req->content_type ? req->content_type : "");
        goto fail;
    }
    in = parse_body(req, &err);
    if (in == NULL || api_validate_input_in(&api_logs_shapes, op->name, in, &err) < 0)
        goto fail;
    api_strip_unknown_in(&api_logs_shapes, op->name, in);
    char scope[MODEL_SCOPE_MAX];
    const char *account = req->account ? req->account : svc->account;
    const char *region = req->region ? req->region : svc->region;
    model_scope_make(scope, account, region);
    logs_ctx_t ctx = {.account = account, .region = region, .scope = scope, .now_ms = clock_now_ms(),
                      .store = svc->logs};
    if (op->handler(&ctx, in, &out, &err) < 0)
        goto fail;
    size_t len = 0;
    char *body = out ? json_write(out, &len) : strdup("{}");
    if (body == NULL) {
        ecs_err(&err, 500, "ServiceUnavailableException", "Cannot serialise the answer.");
        goto fail;
    }
    resp->status = 200;
    resp->body = body;
    resp->body_len = out ? len : 2;
    return;
fail:
    api_render_error(&err, resp);
}
