/* service_deployment.c - see service_deployment.h. */
#include "model/service_deployment.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arn.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "model/params.h"
#include "model/service.h"
#include "model/service_config.h"
#include "model/service_revision.h"

#define BREAKER_MIN 3
#define BREAKER_MAX 200

static bool str_is(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

int service_breaker_threshold(int desired)
{
    int64_t half = ((int64_t)(desired > 0 ? desired : 0) + 1) / 2; /* 0.5 x desired, rounded up */
    return half < BREAKER_MIN ? BREAKER_MIN : half > BREAKER_MAX ? BREAKER_MAX : (int)half;
}

/* "ecs-svc/N" -> N. */
static const char *dep_number(const json_t *dep)
{
    const char *id = json_string_value(json_object_get(dep, "id"));
    return id != NULL && strncmp(id, "ecs-svc/", 8) == 0 ? id + 8 : "";
}

static json_t *history(json_t *doc)
{
    json_t *priv = service_private(doc), *h = json_object_get(priv, "history");
    if (!json_is_array(h)) {
        h = json_array();
        json_object_set_new(priv, "history", h);
    }
    return h;
}

const json_t *service_deployment_history(const json_t *doc)
{
    return json_object_get(json_object_get(doc, "_ecsd"), "history");
}

/* service-revision/CLUSTER/SERVICE/N or service-deployment/CLUSTER/SERVICE/ID */
static json_t *sub_arn(const json_t *doc, const char *type, const char *id)
{
    const char *svc = json_string_value(json_object_get(doc, "serviceArn"));
    const char *name = json_string_value(json_object_get(doc, "serviceName"));
    const char *cluster_arn = json_string_value(json_object_get(doc, "clusterArn"));
    const char *cslash = cluster_arn ? strrchr(cluster_arn, '/') : NULL, *colon = svc ? strstr(svc, ":service/") : NULL;
    if (svc == NULL || name == NULL || cslash == NULL || colon == NULL)
        return json_string("");
    return json_sprintf("%.*s:%s/%s/%s/%s", (int)(colon - svc), svc, type, cslash + 1, name, id);
}

static void base62(const char *digits, char out[24])
{
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint64_t n = strtoull(digits, NULL, 10);
    char tmp[24];
    int k = 0;
    do {
        tmp[k++] = alphabet[n % 62];
        n /= 62;
    } while (n > 0 && k < 23);
    for (int i = 0; i < k; i++)
        out[i] = tmp[k - 1 - i];
    out[k] = '\0';
}

static json_t *revision_summary(const json_t *doc, const json_t *dep)
{
    return json_pack("{s:o, s:I, s:i, s:i}", "arn", sub_arn(doc, "service-revision", dep_number(dep)),
                     "requestedTaskCount", json_integer_value(json_object_get(dep, "desiredCount")),
                     "runningTaskCount", 0, "pendingTaskCount", 0);
}

static json_t *find_entry(json_t *doc, const char *dep_id)
{
    size_t i;
    json_t *e;
    json_array_foreach(history(doc), i, e)
        if (str_is(json_object_get(e, "_dep"), dep_id) || str_is(json_object_get(e, "_rb"), dep_id))
            return e;
    return NULL;
}

static void finish(const model_ctx_t *ctx, json_t *e, const char *status, const char *reason, const char *when)
{
    json_object_set_new(e, "status", json_string(status));
    if (reason != NULL)
        json_object_set_new(e, "statusReason", json_string(reason));
    json_object_set_new(e, "updatedAt", json_timestamp(ctx->now_ms));
    if (when != NULL)
        json_object_set_new(e, when, json_timestamp(ctx->now_ms));
}

static void breaker_status(json_t *e, const char *status)
{
    json_t *cb = json_object_get(e, "deploymentCircuitBreaker");
    if (cb != NULL && !str_is(json_object_get(cb, "status"), "DISABLED"))
        json_object_set_new(cb, "status", json_string(status));
}

void service_deployment_started(const model_ctx_t *ctx, json_t *doc, const json_t *dep)
{
    json_t *h = history(doc), *sources = json_array();
    size_t i;
    json_t *e, *d;
    json_array_foreach(h, i, e) /* the one in progress gives way */
        if (str_is(json_object_get(e, "status"), "IN_PROGRESS") ||
            str_is(json_object_get(e, "status"), "ROLLBACK_IN_PROGRESS")) {
            finish(ctx, e, "STOPPED", "Service deployment stopped: a newer deployment of the service started.",
                   "stoppedAt");
            breaker_status(e, "MONITORING_COMPLETE");
        }
    json_array_foreach(json_object_get(doc, "deployments"), i, d)
        if (d != dep)
            json_array_append_new(sources, revision_summary(doc, d));
    char sdid[24];
    base62(dep_number(dep), sdid);
    const json_t *dc = json_object_get(doc, "deploymentConfiguration");
    bool enabled = service_breaker(doc, NULL);
    json_t *entry = json_pack("{s:o, s:O, s:O, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:O, s:{s:s, s:i, s:i}, s:s}",
                              "serviceDeploymentArn", sub_arn(doc, "service-deployment", sdid), "serviceArn",
                              json_object_get(doc, "serviceArn"), "clusterArn", json_object_get(doc, "clusterArn"),
                              "createdAt", json_timestamp(ctx->now_ms), "startedAt", json_timestamp(ctx->now_ms),
                              "updatedAt", json_timestamp(ctx->now_ms), "sourceServiceRevisions", sources,
                              "targetServiceRevision", revision_summary(doc, dep), "status", "IN_PROGRESS",
                              "statusReason", "ECS deployment is in progress.", "deploymentConfiguration", dc,
                              "deploymentCircuitBreaker", "status", enabled ? "MONITORING" : "DISABLED",
                              "failureCount", 0, "threshold",
                              service_breaker_threshold((int)json_integer_value(json_object_get(doc, "desiredCount"))),
                              "_dep", json_string_value(json_object_get(dep, "id")));
    const json_t *alarms = json_object_get(dc, "alarms");
    if (alarms != NULL) /* kept, never watched: ecsd has no CloudWatch alarms */
        json_object_set_new(entry, "alarms", json_pack("{s:s, s:O, s:[]}", "status", "DISABLED", "alarmNames",
                                                       json_object_get(alarms, "alarmNames"),
                                                       "triggeredAlarmNames"));
    service_revision_record(ctx, doc, dep, json_object_get(json_object_get(entry, "targetServiceRevision"), "arn"));
    json_array_insert_new(h, 0, entry);
    while (json_array_size(h) > SERVICE_DEPLOYMENTS_KEPT)
        json_array_remove(h, json_array_size(h) - 1);
}

void service_deployment_changed(const model_ctx_t *ctx, json_t *doc, const json_t *dep)
{
    const char *id = json_string_value(json_object_get(dep, "id"));
    json_t *e = id ? find_entry(doc, id) : NULL;
    if (e == NULL)
        return;
    json_t *cb = json_object_get(e, "deploymentCircuitBreaker");
    if (cb != NULL)
        json_object_set_new(cb, "failureCount", json_integer(json_integer_value(json_object_get(dep, "failedTasks"))));
    bool is_rollback = str_is(json_object_get(e, "_rb"), id);
    const json_t *state = json_object_get(dep, "rolloutState");
    if (str_is(state, "COMPLETED")) {
        finish(ctx, e, is_rollback ? "ROLLBACK_SUCCESSFUL" : "SUCCESSFUL",
               is_rollback ? "ECS deployment rolled back." : "ECS deployment completed.", "finishedAt");
        if (!is_rollback)
            breaker_status(e, "MONITORING_COMPLETE");
    } else if (str_is(state, "FAILED") && !is_rollback) {
        /* stopped by StopServiceDeployment, not by the breaker */
        bool asked = str_is(json_object_get(e, "status"), "STOP_REQUESTED") ||
                     str_is(json_object_get(e, "status"), "ROLLBACK_REQUESTED");
        finish(ctx, e, "STOPPED", json_string_value(json_object_get(dep, "rolloutStateReason")), "stoppedAt");
        breaker_status(e, asked ? "MONITORING_COMPLETE" : "TRIGGERED");
    }
}

void service_deployment_rolled_back(const model_ctx_t *ctx, json_t *doc, const json_t *failed, const json_t *back,
                                    const char *reason)
{
    const char *id = json_string_value(json_object_get(failed, "id"));
    json_t *e = id ? find_entry(doc, id) : NULL;
    if (e == NULL)
        return;
    if (reason == NULL)
        reason = "ECS deployment circuit breaker: tasks failed to start.";
    finish(ctx, e, "ROLLBACK_IN_PROGRESS", reason, NULL);
    json_object_del(e, "stoppedAt");
    json_object_set_new(e, "rollback", json_pack("{s:s, s:o, s:o}", "reason", reason, "startedAt",
                                                 json_timestamp(ctx->now_ms), "serviceRevisionArn",
                                                 sub_arn(doc, "service-revision", dep_number(back))));
    json_object_set_new(e, "_rb", json_string(json_string_value(json_object_get(back, "id"))));
    service_revision_record(ctx, doc, back, json_object_get(json_object_get(e, "rollback"), "serviceRevisionArn"));
}

/* The counts of a revision whose deployment still runs. */
static int fill_counts(const model_ctx_t *ctx, const store_record_t *svc, json_t *summary, ecs_error_t *err)
{
    const char *arn = json_string_value(json_object_get(summary, "arn"));
    const char *num = arn ? strrchr(arn, '/') : NULL;
    const char *name = json_string_value(json_object_get(svc->doc, "serviceName"));
    size_t i;
    json_t *d;
    if (num == NULL)
        return 0;
    json_array_foreach(json_object_get(svc->doc, "deployments"), i, d) {
        if (strcmp(dep_number(d), num + 1) != 0)
            continue;
        int64_t r = 0, p = 0;
        const char *id = json_string_value(json_object_get(d, "id"));
        if (service_count_tasks(ctx, svc->cluster, name, id, "RUNNING", &r, err) < 0 ||
            service_count_tasks(ctx, svc->cluster, name, id, "PENDING", &p, err) < 0)
            return -1;
        json_object_set_new(summary, "requestedTaskCount", json_integer(json_integer_value(json_object_get(d, "desiredCount"))));
        json_object_set_new(summary, "runningTaskCount", json_integer(r));
        json_object_set_new(summary, "pendingTaskCount", json_integer(p));
        return 0;
    }
    /* gone from the deployments: drained (an old one) or finished; as last seen */
    return 0;
}

json_t *service_deployment_view(const model_ctx_t *ctx, const store_record_t *svc, const json_t *entry,
                                ecs_error_t *err)
{
    json_t *v = json_deep_copy(entry);
    json_object_del(v, "_dep");
    json_object_del(v, "_rb");
    size_t i;
    json_t *s;
    int rc = fill_counts(ctx, svc, json_object_get(v, "targetServiceRevision"), err);
    json_array_foreach(json_object_get(v, "sourceServiceRevisions"), i, s)
        if (rc == 0)
            rc = fill_counts(ctx, svc, s, err);
    /* the breaker's failures: the deployment's failedTasks while it runs */
    const char *dep = json_string_value(json_object_get(entry, "_dep"));
    json_t *d, *cb = json_object_get(v, "deploymentCircuitBreaker");
    json_array_foreach(json_object_get(svc->doc, "deployments"), i, d)
        if (cb != NULL && str_is(json_object_get(d, "id"), dep ? dep : ""))
            json_object_set_new(cb, "failureCount", json_integer(json_integer_value(json_object_get(d, "failedTasks"))));
    if (rc < 0) {
        json_decref(v);
        return NULL;
    }
    return v;
}

json_t *service_deployment_brief(const json_t *entry)
{
    json_t *b = json_object();
    static const char *const keep[] = {"serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt", "createdAt",
                                       "finishedAt", "status", "statusReason"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        json_t *x = json_object_get(entry, keep[i]);
        if (x != NULL)
            json_object_set(b, keep[i], x);
    }
    json_t *target = json_object_get(json_object_get(entry, "targetServiceRevision"), "arn");
    if (target != NULL)
        json_object_set(b, "targetServiceRevisionArn", target);
    return b;
}

bool service_deployment_arn_parse(const model_ctx_t *ctx, const char *arn, char *cluster, char *service, size_t cap)
{
    arn_parts_t a;
    if (arn == NULL || !arn_is_arn(arn) || arn_parse(arn, &a) < 0 ||
        !arn_part_eq(a.type, a.type_len, "service-deployment") || !arn_part_eq(a.region, a.region_len, ctx->region) ||
        !arn_part_eq(a.account, a.account_len, ctx->account))
        return false;
    const char *p = a.path, *end = a.path + a.path_len;
    const char *s1 = memchr(p, '/', (size_t)(end - p));
    const char *s2 = s1 ? memchr(s1 + 1, '/', (size_t)(end - s1 - 1)) : NULL;
    if (s1 == NULL || s2 == NULL || s1 == p || s2 == s1 + 1 || s2 + 1 >= end || (size_t)(s1 - p) >= cap ||
        (size_t)(s2 - s1 - 1) >= cap)
        return false;
    snprintf(cluster, cap, "%.*s", (int)(s1 - p), p);
    snprintf(service, cap, "%.*s", (int)(s2 - s1 - 1), s1 + 1);
    return true;
}
