/* service_deployment_stop.c - StopServiceDeployment's request
 * (service_deployment.h); the scheduler carries it out in its next pass
 * (sched/svc_rollout.c: rollout_check_breaker). */
#include <string.h>

#include "common/clock.h"
#include "model/service.h"
#include "model/service_deployment.h"

static bool str_is(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

int service_deployment_request_stop(const model_ctx_t *ctx, json_t *doc, json_t *entry, const char *stop_type,
                                    ecs_error_t *err)
{
    const json_t *status = json_object_get(entry, "status");
    /* a stop asked for already, or a rollback on its way, continues */
    if (str_is(status, "STOP_REQUESTED") || str_is(status, "ROLLBACK_REQUESTED") ||
        str_is(status, "ROLLBACK_IN_PROGRESS"))
        return 0;
    if (!str_is(status, "IN_PROGRESS") && !str_is(status, "PENDING"))
        return ecs_err(err, 400, "ConflictException",
                       "The service deployment can't be stopped: its status is %s. Only a service deployment in the "
                       "PENDING or IN_PROGRESS state can be stopped.",
                       json_string_value(status) ? json_string_value(status) : "unknown");
    bool rollback = strcmp(stop_type, "ROLLBACK") == 0;
    const json_t *good = json_object_get(json_object_get(doc, "_ecsd"), "good");
    if (rollback && !json_is_string(json_object_get(good, "taskDefinition")))
        return ecs_err(err, 400, "ConflictException",
                       "The service deployment can't be rolled back: the service has no previous service revision "
                       "that completed.");
    json_object_set_new(entry, "status", json_string(rollback ? "ROLLBACK_REQUESTED" : "STOP_REQUESTED"));
    json_object_set_new(entry, "statusReason", json_string(rollback ? "Service deployment rollback requested."
                                                                    : "Service deployment stop requested."));
    json_object_set_new(entry, "updatedAt", json_timestamp(ctx->now_ms));
    json_object_set_new(service_private(doc), "stop", json_pack("{s:s, s:O}", "type", stop_type, "dep",
                                                               json_object_get(entry, "_dep")));
    return 0;
}
