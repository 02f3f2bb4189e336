/* params.h - reading request members (their JSON types were already
 * checked by api_validate_input) and resolving the names and ARNs that
 * parameters carry. */
#ifndef ECSD_MODEL_PARAMS_H
#define ECSD_MODEL_PARAMS_H

#include <stdbool.h>

#include "model/context.h"

#define API_NAME_MAX 255

/* The string member `name`, or NULL when absent. */
const char *param_str(const json_t *in, const char *name);
/* The integer member `name`, or def when absent. */
long long param_int(const json_t *in, const char *name, long long def);

/* True when s is 1..255 of [A-Za-z0-9_-]: the rule for cluster, service,
 * family, container and volume names. */
bool api_name_valid(const char *s);

/* Resolves a "short name or full ARN" parameter of resource type `type`
 * (e.g. "cluster") to the name: an ARN must be an ECS ARN of that type
 * (InvalidParameterException otherwise). An ARN of another account or
 * region names nothing the caller can see: *foreign is set
 * (the caller answers "not found"), or, with foreign NULL, it is an
 * InvalidParameterException. field names the parameter in
 * messages. Writes at most API_NAME_MAX chars + NUL into name. */
int api_resolve_name(const model_ctx_t *ctx, const char *field, const char *type, const char *value,
                     char name[API_NAME_MAX + 1], bool *foreign, ecs_error_t *err);

/* The cluster a cluster-scoped request names (member "cluster", default
 * "default"), loaded and ACTIVE: ClusterNotFoundException with ECS's two
 * texts otherwise. rec must be cleared by the caller. */
int api_load_active_cluster(const model_ctx_t *ctx, const json_t *in, store_record_t *rec,
                            ecs_error_t *err);

/* The ARN of an ECS resource in the request's region and account. */
char *api_arn(const model_ctx_t *ctx, const char *type, const char *path);
/* The same as a JSON string (new reference). */
json_t *api_arn_json(const model_ctx_t *ctx, const char *type, const char *path);
/* The ARN of a task or container instance of cluster from its id. The id
 * tells the format: an id of the long format (32 hex digits) is named
 * TYPE/CLUSTER/ID, any other (the UUIDs of the short format, and of rows
 * stored before the long format) TYPE/ID. */
char *api_id_arn(const model_ctx_t *ctx, const char *type, const char *cluster, const char *id);
json_t *api_id_arn_json(const model_ctx_t *ctx, const char *type, const char *cluster, const char *id);

#endif
