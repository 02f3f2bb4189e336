/* logs_api.h - the CloudWatch Logs side of the endpoint: the operations
 * of botocore's `logs` model that logging needs (X-Amz-Target
 * Logs_20140328.<Operation>, JSON 1.1, SigV4 signing name "logs"), on the
 * same port and keys as ECS, each (account, region) its own scope.
 *
 * api/dispatch.c hands every request of that target prefix to
 * logs_dispatch(); the handlers (api/logs_groups.c, logs_streams.c,
 * logs_events.c) know nothing of HTTP, and work in the logs store
 * (store/logs_store.h), never in the ECS store.
 */
#ifndef ECSD_API_LOGS_API_H
#define ECSD_API_LOGS_API_H

#include <jansson.h>

#include "api/dispatch.h"
#include "store/logs_store.h"

#define LOGS_TARGET_PREFIX "Logs_20140328."
#define LOGS_SIGNING_NAME "logs"
/* A PutLogEvents batch is 1 MiB of messages; escaped in JSON it can be more. */
#define LOGS_MAX_BODY (5 * 1024 * 1024)

typedef struct logs_ctx {
    const char *account, *region;
    const char *scope; /* "ACCOUNT:REGION" */
    int64_t now_ms;
    logs_store_t *store;
} logs_ctx_t;

typedef int (*logs_handler_fn)(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

typedef struct logs_op {
    const char *name;
    logs_handler_fn handler;
} logs_op_t;

/* api/logs_ops_table.c */
const logs_op_t *logs_op_find(const char *name, size_t len);
const logs_op_t *logs_ops(size_t *n);

/* Whether an X-Amz-Target names the Logs protocol. */
bool logs_target(const char *target);
/* One request of the Logs protocol, as api_dispatch() does for ECS's. */
void logs_dispatch(const model_service_t *svc, const api_request_t *req, api_response_t *resp);

/* The handlers. */
int logs_op_create_log_group(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int logs_op_delete_log_group(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int logs_op_describe_log_groups(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int logs_op_put_retention_policy(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int logs_op_delete_retention_policy(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int logs_op_tag_log_group(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int logs_op_untag_log_group(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int logs_op_list_tags_log_group(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int logs_op_tag_resource(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int logs_op_untag_resource(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int logs_op_list_tags_for_resource(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int logs_op_create_log_stream(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int logs_op_delete_log_stream(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int logs_op_describe_log_streams(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int logs_op_put_log_events(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int logs_op_get_log_events(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int logs_op_filter_log_events(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

/* api/logs_params.c: the checks the model's tables leave out (lengths,
 * patterns, ranges), in CloudWatch's words. Each returns 0 or -1 with
 * InvalidParameterException. */
/* logGroupName (1..512, [.\-_/#A-Za-z0-9]+); absent: *out NULL, an error when required. */
int logs_param_group_name(const json_t *in, const char *member, bool required, const char **out, ecs_error_t *err);
/* logStreamName and its prefixes (1..512, no ':' or '*'). */
int logs_param_stream_name(const json_t *in, const char *member, bool required, const char **out, ecs_error_t *err);
/* The group an operation names: logGroupName, or logGroupIdentifier (a
 * name or this scope's ARN), exactly one of them. */
int logs_param_group_ref(const logs_ctx_t *ctx, const json_t *in, char out[LOGS_NAME_MAX + 1], ecs_error_t *err);
/* An integer member in [min, max]; absent: def. */
int logs_param_int(const json_t *in, const char *member, long min, long max, long def, long *out, ecs_error_t *err);
/* A long member >= 0; absent: def. */
int logs_param_long(const json_t *in, const char *member, int64_t def, int64_t *out, ecs_error_t *err);
/* The group's ARNs: "arn:aws:logs:R:A:log-group:NAME" with ":*" when star. */
void logs_group_arn(const logs_ctx_t *ctx, const char *name, bool star, char *out, size_t cap);
/* A group name from a log group ARN of this scope (":*" allowed); -1 with
 * InvalidParameterException (or ResourceNotFoundException when the ARN
 * names another account or region). */
int logs_arn_group(const logs_ctx_t *ctx, const char *arn, char out[LOGS_NAME_MAX + 1], ecs_error_t *err);
/* The not-found errors, in CloudWatch's words. */
int logs_no_group(ecs_error_t *err);
int logs_no_stream(ecs_error_t *err);

#endif
