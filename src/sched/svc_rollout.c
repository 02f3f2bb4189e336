/* svc_rollout.c - see svc_rollout.h. */
#include "sched/svc_rollout.h"

#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "model/service.h"
#include "model/service_config.h"
#include "model/service_deployment.h"
#include "sched/sched_plan.h"
#include "sched/svc_health.h"

#define MSG_MAX 512

static bool str_is(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

static void set_rollout(const model_ctx_t *ctx, json_t *dep, const char *state, const char *reason)
{
    json_object_set_new(dep, "rolloutState", json_string(state));
    json_object_set_new(dep, "rolloutStateReason", json_string(reason));
    json_object_set_new(dep, "updatedAt", json_timestamp(ctx->now_ms));
}

void rollout_count_failure(const model_ctx_t *ctx, json_t *doc, const char *started_by)
{
    size_t i;
    json_t *d;
    if (started_by == NULL)
        return;
    json_array_foreach(json_object_get(doc, "deployments"), i, d) {
        if (!str_is(json_object_get(d, "id"), started_by))
            continue;
        if (str_is(json_object_get(d, "rolloutState"), "IN_PROGRESS")) {
            json_object_set_new(d, "failedTasks",
                                json_integer(json_integer_value(json_object_get(d, "failedTasks")) + 1));
            json_object_set_new(d, "updatedAt", json_timestamp(ctx->now_ms));
        }
        return;
    }
}

bool rollout_primary_failed(const json_t *doc)
{
    return str_is(json_object_get(json_array_get(json_object_get(doc, "deployments"), 0), "rolloutState"), "FAILED");
}

/* Fails the PRIMARY prim and, when rollback, makes a new PRIMARY of the
 * last COMPLETED deployment's task definition; the failed one turns ACTIVE
 * and is drained. reason: the rollout's and the service deployment's. */
static void fail_primary(const model_ctx_t *ctx, json_t *doc, const char *name, const char *reason, bool rollback,
                         const char *sd_reason)
{
    json_t *deps = json_object_get(doc, "deployments"), *prim = json_array_get(deps, 0);
    json_t *priv = service_private(doc), *good = json_object_get(priv, "good");
    const char *failed_id = json_string_value(json_object_get(prim, "id"));
    char msg[MSG_MAX];
    set_rollout(ctx, prim, "FAILED", reason);
    service_deployment_changed(ctx, doc, prim);
    if (sd_reason == NULL) { /* the breaker's event; a user's stop is its own */
        snprintf(msg, sizeof msg, "(service %s) (deployment %s) deployment failed: tasks failed to start.", name,
                 failed_id ? failed_id : "");
        service_event(ctx, doc, msg);
    }
    if (!rollback)
        return;
    const char *good_id = json_string_value(json_object_get(good, "id"));
    json_t *td = json_object_get(good, "taskDefinition");
    size_t i;
    json_t *d;
    json_array_foreach(deps, i, d)
        json_object_set_new(d, "status", json_string("ACTIVE"));
    char id[SERVICE_DEPLOY_ID_MAX];
    service_deployment_id(doc, ctx->now_ms, id);
    json_t *back = service_deployment_new(doc, id, "PRIMARY", td, 0, ctx->now_ms);
    snprintf(msg, sizeof msg, "%s: rolling back to deploymentId %s.",
             sd_reason ? "ECS deployment rollback requested" : "ECS deployment circuit breaker",
             good_id ? good_id : "");
    json_object_set_new(back, "rolloutStateReason", json_string(msg));
    json_array_insert_new(deps, 0, back);
    json_object_set(doc, "taskDefinition", td);
    service_deployment_rolled_back(ctx, doc, prim, back, sd_reason);
    json_object_set_new(priv, "fails", json_integer(0)); /* the rollback starts afresh: no launch throttle */
    json_object_set_new(priv, "next", json_integer(0));
    service_unsay(doc, "steady");
    service_unsay(doc, "throttle");
    snprintf(msg, sizeof msg, "(service %s) rolling back to deployment %s.", name, good_id ? good_id : "");
    service_event(ctx, doc, msg);
}

/* A StopServiceDeployment asked for ("_ecsd": {"stop"}): carried out when
 * its deployment is still the PRIMARY in progress. True when the
 * deployments changed. */
static bool check_stop(const model_ctx_t *ctx, json_t *doc, const char *name)
{
    json_t *priv = service_private(doc), *stop = json_object_get(priv, "stop");
    if (stop == NULL)
        return false;
    json_t *prim = json_array_get(json_object_get(doc, "deployments"), 0);
    bool rollback = str_is(json_object_get(stop, "type"), "ROLLBACK");
    const char *prim_id = json_string_value(json_object_get(prim, "id"));
    bool applies = str_is(json_object_get(stop, "dep"), prim_id ? prim_id : "") &&
                   str_is(json_object_get(prim, "rolloutState"), "IN_PROGRESS") &&
                   (!rollback || json_is_string(json_object_get(json_object_get(priv, "good"), "taskDefinition")));
    json_object_del(priv, "stop");
    if (!applies)
        return false;
    char msg[MSG_MAX];
    snprintf(msg, sizeof msg, "(service %s) (deployment %s) deployment %s by a StopServiceDeployment request.", name,
             prim_id, rollback ? "rolled back" : "stopped");
    service_event(ctx, doc, msg);
    fail_primary(ctx, doc, name,
                 rollback ? "ECS deployment stopped by request: rolling back." : "ECS deployment stopped by request.",
                 rollback, rollback ? "Service deployment rollback requested." : "Service deployment stopped.");
    return rollback;
}

bool rollout_check_breaker(const model_ctx_t *ctx, json_t *doc, const char *name)
{
    if (check_stop(ctx, doc, name))
        return true;
    json_t *deps = json_object_get(doc, "deployments"), *prim = json_array_get(deps, 0);
    json_t *priv = service_private(doc), *good = json_object_get(priv, "good");
    bool rollback = false;
    plan_rollout_in_t in = {
        .in_progress = str_is(json_object_get(prim, "rolloutState"), "IN_PROGRESS"),
        .failed = (int)json_integer_value(json_object_get(prim, "failedTasks")),
        .desired = (int)json_integer_value(json_object_get(doc, "desiredCount")),
        .breaker = service_breaker(doc, &rollback),
        .can_roll_back = json_is_string(json_object_get(good, "taskDefinition")),
    };
    in.rollback = rollback;
    plan_rollout_t step = plan_rollout(&in);
    if (step != ROLLOUT_FAIL && step != ROLLOUT_ROLLBACK)
        return false;
    fail_primary(ctx, doc, name, "ECS deployment circuit breaker: tasks failed to start.", step == ROLLOUT_ROLLBACK,
                 NULL);
    return step == ROLLOUT_ROLLBACK;
}

bool rollout_check_complete(const model_ctx_t *ctx, json_t *doc, const char *name, bool steady)
{
    json_t *prim = json_array_get(json_object_get(doc, "deployments"), 0);
    plan_rollout_in_t in = {.in_progress = str_is(json_object_get(prim, "rolloutState"), "IN_PROGRESS"),
                            .steady = steady};
    if (plan_rollout(&in) != ROLLOUT_COMPLETE)
        return false;
    /* tasks of a health-checked task definition count once HEALTHY (ECS) */
    const char *cluster_arn = json_string_value(json_object_get(doc, "clusterArn"));
    const char *cluster = cluster_arn && strrchr(cluster_arn, '/') ? strrchr(cluster_arn, '/') + 1 : "";
    int unproven = 0;
    ecs_error_t err;
    if (health_unproven((model_ctx_t *)ctx, doc, cluster, name, &unproven, &err) < 0 || unproven > 0)
        return false;
    const char *id = json_string_value(json_object_get(prim, "id"));
    char msg[MSG_MAX];
    snprintf(msg, sizeof msg, "ECS deployment %s completed.", id ? id : "");
    set_rollout(ctx, prim, "COMPLETED", msg);
    json_object_set_new(service_private(doc), "good",
                        json_pack("{s:s, s:O}", "id", id ? id : "", "taskDefinition",
                                  json_object_get(prim, "taskDefinition")));
    service_deployment_changed(ctx, doc, prim);
    snprintf(msg, sizeof msg, "(service %s) (deployment %s) deployment completed.", name, id ? id : "");
    service_event(ctx, doc, msg);
    return true;
}
