/* secrets_dispatch.c - one path from a Parameter Store or Secrets Manager
 * request to its handler and back: target lookup, Content-Type, JSON
 * parsing, the check against botocore's model of the service
 * (api/ssm_shapes_gen.c, api/secrets_shapes_gen.c), the handler inside one
 * transaction of the secrets store, the answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/secrets_api.h"
#include "api/validate.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/json_write.h"

const char *secrets_target(const char *target)
{
    if (target == NULL)
        return NULL;
    if (strncmp(target, SSM_TARGET_PREFIX, strlen(SSM_TARGET_PREFIX)) == 0)
        return SSM_SIGNING_NAME;
    if (strncmp(target, SM_TARGET_PREFIX, strlen(SM_TARGET_PREFIX)) == 0)
        return SM_SIGNING_NAME;
    return NULL;
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
    json_t *in = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
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

void secrets_dispatch(const model_service_t *svc, const api_request_t *req, api_response_t *resp)
{
    ecs_error_t err;
    err.status = 0;
    err.type[0] = err.message[0] = '\0';
    ids_uuid4(resp->request_id);
    bool ssm = strcmp(secrets_target(req->target), SSM_SIGNING_NAME) == 0;
    const char *name = req->target + strlen(ssm ? SSM_TARGET_PREFIX : SM_TARGET_PREFIX);
    const api_shape_table_t *shapes = ssm ? &api_ssm_shapes : &api_secrets_shapes;
    const sec_op_t *op = svc->secrets == NULL ? NULL : ssm ? ssm_op_find(name) : secrets_op_find(name);
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
    if (in == NULL)
        goto fail;
    if (api_validate_input_in(shapes, op->name, in, &err) < 0) {
        /* Parameter Store names a bad parameter ValidationException. */
        if (ssm && strcmp(err.type, "InvalidParameterException") == 0)
            snprintf(err.type, sizeof err.type, "ValidationException");
        goto fail;
    }
    api_strip_unknown_in(shapes, op->name, in);
    char scope[MODEL_SCOPE_MAX];
    const char *account = req->account ? req->account : svc->account;
    const char *region = req->region ? req->region : svc->region;
    model_scope_make(scope, account, region);
    sec_ctx_t ctx = {
        .account = account, .region = region, .scope = scope, .now_ms = clock_now_ms(), .store = svc->secrets};
    if (secrets_begin(ctx.store, &err) < 0)
        goto fail;
    int rc = op->handler(&ctx, in, &out, &err);
    if (secrets_end(ctx.store, rc == 0, rc == 0 ? &err : NULL) < 0 || rc < 0)
        goto fail;
    size_t len = 0;
    char *body = out ? json_write(out, &len) : strdup("{}");
    if (body == NULL) {
        ecs_err(&err, 500, "InternalServerError", "Cannot serialise the answer.");
        goto fail;
    }
    resp->status = 200;
    resp->body = body;
    resp->body_len = out ? len : 2;
    return;
fail:
    /* The store fails in ECS's name; each service has its own. */
    if (err.status >= 500)
        snprintf(err.type, sizeof err.type, "%s", ssm ? "InternalServerError" : "InternalServiceError");
    api_render_error(&err, resp);
}
