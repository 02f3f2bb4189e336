/* secrets_api.h - Parameter Store and Secrets Manager on the endpoint:
 * the operations of botocore's `ssm` and `secretsmanager` models that
 * tasks' secrets need (X-Amz-Target AmazonSSM.<Operation> and
 * secretsmanager.<Operation>, JSON 1.1, SigV4 signing names "ssm" and
 * "secretsmanager"), on the same port and keys as ECS, each (account,
 * region) its own scope.
 *
 * api/dispatch.c hands every request of those prefixes to
 * secrets_dispatch(); the handlers (api/ssm_*.c, api/secrets_*.c) know
 * nothing of HTTP, and each runs inside one transaction of the secrets
 * store (store/secrets_store.h), never in the ECS store.
 */
#ifndef ECSD_API_SECRETS_API_H
#define ECSD_API_SECRETS_API_H

#include <jansson.h>
#include <stdint.h>

#include "api/dispatch.h"
#include "store/secrets_store.h"

#define SSM_TARGET_PREFIX "AmazonSSM."
#define SSM_SIGNING_NAME "ssm"
#define SM_TARGET_PREFIX "secretsmanager."
#define SM_SIGNING_NAME "secretsmanager"

typedef struct sec_ctx {
    const char *account, *region;
    const char *scope; /* "ACCOUNT:REGION" */
    int64_t now_ms;
    secrets_store_t *store; /* a transaction is open */
} sec_ctx_t;

typedef int (*sec_handler_fn)(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

typedef struct sec_op {
    const char *name;
    sec_handler_fn handler;
} sec_op_t;

/* api/ssm_ops_table.c, api/secrets_ops_table.c: sorted tables. */
const sec_op_t *ssm_op_find(const char *name);
const sec_op_t *ssm_ops(size_t *n);
const sec_op_t *secrets_op_find(const char *name);
const sec_op_t *secrets_ops(size_t *n);

/* The signing name of an X-Amz-Target of these two services, else NULL. */
const char *secrets_target(const char *target);
/* One request of either protocol, as api_dispatch() does for ECS's. */
void secrets_dispatch(const model_service_t *svc, const api_request_t *req, api_response_t *resp);

/* Parameter Store (api/ssm_put.c, api/ssm_get.c). */
int ssm_op_put_parameter(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int ssm_op_get_parameter(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int ssm_op_get_parameters(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int ssm_op_get_parameters_by_path(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int ssm_op_delete_parameter(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int ssm_op_delete_parameters(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int ssm_op_describe_parameters(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

/* Secrets Manager (api/secrets_values.c, api/secrets_meta.c). */
int secrets_op_create_secret(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int secrets_op_get_secret_value(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int secrets_op_put_secret_value(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int secrets_op_update_secret(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int secrets_op_describe_secret(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int secrets_op_list_secrets(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int secrets_op_delete_secret(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int secrets_op_restore_secret(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

/* api/ssm_util.c: a parameter's name from a name or an ARN of this scope
 * (selector ":N" or ":label" split off into sel, "" when none); -1 with
 * ValidationException or ParameterNotFound (another scope's ARN). */
int ssm_param_name(const sec_ctx_t *ctx, const char *given, char *name, size_t cap, char *sel, size_t sel_cap,
                   ecs_error_t *err);
/* The ARN of parameter name. */
void ssm_param_arn(const sec_ctx_t *ctx, const char *name, char *out, size_t cap);
/* The Parameter shape of version doc ver of parameter name (its value
 * read and shown as it should: SecureString sealed unless decrypt). */
int ssm_param_shape(sec_ctx_t *ctx, const char *name, const json_t *ver, bool decrypt, const char *selector,
                    json_t **out, ecs_error_t *err);
/* The version doc a selector names ("" the latest); NULL when none. */
const json_t *ssm_param_version(const json_t *doc, const char *sel);
/* Seconds since the epoch as JSON 1.1 shows a timestamp. */
json_t *sec_time(int64_t ms);
/* A string member's length in [min, max] (absent: ok unless required). */
int sec_len(const json_t *in, const char *member, size_t min, size_t max, bool required, const char *exception,
            ecs_error_t *err);

/* api/secrets_util.c: Secrets Manager's shared steps. The secret a
 * SecretId names (a name, an ARN, or an ARN without its 6-character
 * suffix): 0 with its document and name; -1 with
 * ResourceNotFoundException, or InvalidRequestException when it is
 * scheduled for deletion and !deleted_ok. Secrets past their deletion date
 * are purged here. */
#define SM_NAME_MAX 512
int sm_lookup(sec_ctx_t *ctx, const char *id, bool deleted_ok, char name[SM_NAME_MAX + 1], json_t **doc,
              ecs_error_t *err);
/* A new version (vid, value of n bytes, binary: base64 SecretBinary text)
 * with stages (NULL: AWSCURRENT), moving the stages as Secrets Manager
 * does (the version that loses AWSCURRENT gets AWSPREVIOUS). 1 when vid
 * exists with the same value (nothing changes); -1 with
 * ResourceExistsException when it exists with another. */
int sm_add_version(sec_ctx_t *ctx, const char *name, json_t *doc, const char *vid, const char *value, size_t n,
                   bool binary, const json_t *stages, ecs_error_t *err);
/* The value of a request: SecretString or SecretBinary (not both); 1 when
 * neither. */
int sm_value_of(const json_t *in, const char **value, size_t *n, bool *binary, ecs_error_t *err);
/* The version id of a request: ClientRequestToken (32..64), else a new UUID. */
int sm_version_id(const json_t *in, char out[65], ecs_error_t *err);
/* {versionId: [stages]} of a secret. */
json_t *sm_version_stages(const json_t *doc);
int sm_not_found(ecs_error_t *err);

#endif
