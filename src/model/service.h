/* service.h - services as stored and as shown (ecs-behavior.md
 * §3.6, §4.19-4.23, §5.8, §7.6), shared by the service operations
 * (api/op_services.c) and the scheduler (sched/svc_reconcile.c).
 *
 * Record (STORE_SERVICE): key "<cluster>/<service name>", cluster, status
 * ACTIVE | DRAINING | INACTIVE, num = when the record last changed (epoch
 * ms: the scheduler finds changed services by it), doc = the Service shape
 * without its counts, deployments without theirs, plus
 *   "_ecsd": {"digest":  sha256 of the CreateService request (idempotency),
 *             "token":   its clientToken or absent,
 *             "said":    {topic: {"m": message, "at": ms}} (event dedup),
 *             "fails":   launch failures in a row, "next": ms before which
 *                        no task is started (the launch throttle),
 *             "seen":    {"num","key"}: the last STOPPED task looked at}.
 * Counts (runningCount, pendingCount, per deployment and in all) are
 * counted from the tasks whenever a service is shown, so they never drift.
 *
 * Tasks of a service: service column = service name, started_by = the id
 * of the deployment that started them, group "service:<name>".
 */
#ifndef ECSD_MODEL_SERVICE_H
#define ECSD_MODEL_SERVICE_H

#include <stdbool.h>

#include "model/context.h"
#include "model/params.h"

#define SERVICE_KEY_MAX (2 * API_NAME_MAX + 1)
#define SERVICE_DEPLOY_ID_MAX 32 /* "ecs-svc/" + 19 digits, and room */
#define SERVICE_EVENTS_MAX 100
#define SERVICE_TOKEN_PREFIX "CreateService/"

void service_key(char out[SERVICE_KEY_MAX + 1], const char *cluster, const char *name);
/* The ARN a new service gets: service/CLUSTER/NAME in the long format (the
 * default), service/NAME when the caller's serviceLongArnFormat is
 * disabled (settings_load_arn_formats must have run). Caller frees. */
char *service_arn(const model_ctx_t *ctx, const char *cluster, const char *name);

/* The service name in a "name or ARN" parameter (short ARN service/NAME or
 * long service/CLUSTER/NAME). 0 done, 1 an ARN of another region, account
 * or (long form) cluster than `cluster`: nothing the caller can see there,
 * -1 error (InvalidParameterException). */
int service_name_from_param(const model_ctx_t *ctx, const char *field, const char *value, const char *cluster,
                            char name[API_NAME_MAX + 1], ecs_error_t *err);

/* The Service shape with its counts. NULL on error. */
json_t *service_view(const model_ctx_t *ctx, const store_record_t *rec, ecs_error_t *err);

/* Stores rec with num = now (the scheduler notices the change). */
int service_put(model_ctx_t *ctx, store_record_t *rec, ecs_error_t *err);
void service_set_status(store_record_t *rec, const char *status);

/* The "_ecsd" object of a service document (created when absent). */
json_t *service_private(json_t *doc);

/* Adds an event (newest first, at most SERVICE_EVENTS_MAX kept). */
void service_event(const model_ctx_t *ctx, json_t *doc, const char *message);
/* Adds the event unless the same message was said under this topic less
 * than 6 hours ago (ECS repeats a condition's message no oftener); true
 * when added. */
bool service_say(const model_ctx_t *ctx, json_t *doc, const char *topic, const char *message);
/* The condition of topic has ended: its next message is said at once. */
void service_unsay(json_t *doc, const char *topic);

/* A new deployment id: "ecs-svc/" + 19 digits, 9223372036854775807 minus
 * now in ms (ECS's 2015 scheme, newer sorts first), one less on collision
 * with a deployment of doc. */
void service_deployment_id(const json_t *doc, int64_t now_ms, char out[SERVICE_DEPLOY_ID_MAX]);
/* A Deployment: counts 0, rolloutState IN_PROGRESS, and the members it
 * carries from the service document doc (model/service_config.h). */
json_t *service_deployment_new(const json_t *doc, const char *id, const char *status, const json_t *taskdef_arn,
                               int desired, int64_t now_ms);

/* Tasks of the service (cluster, name) started by deployment `started_by`
 * (NULL: any) whose lastStatus is `status` (NULL: any). */
int service_count_tasks(const model_ctx_t *ctx, const char *cluster, const char *name, const char *started_by,
                        const char *status, int64_t *n, ecs_error_t *err);

/* Forgets the service's clientToken (when it turns INACTIVE, the token may
 * create a new service). */
int service_drop_token(model_ctx_t *ctx, json_t *doc, ecs_error_t *err);

#endif
