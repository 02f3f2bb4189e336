/* service.c - see service.h. */
#include "model/service.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arn.h"
#include "model/settings.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/ids.h"
#include "model/service_config.h"
#include "model/service_taskset.h"
#include "model/tags.h"

#define SAY_AGAIN_MS (6LL * 3600 * 1000) /* ECS repeats an unchanged condition after 6 h */

void service_key(char out[SERVICE_KEY_MAX + 1], const char *cluster, const char *name)
{
    snprintf(out, SERVICE_KEY_MAX + 1, "%s/%s", cluster, name);
}

char *service_arn(const model_ctx_t *ctx, const char *cluster, const char *name)
{
    if (!settings_long_arn(ctx, SETTINGS_ARN_SERVICE))
        return api_arn(ctx, "service", name);
    char path[2 * API_NAME_MAX + 2];
    snprintf(path, sizeof path, "%s/%s", cluster, name);
    return api_arn(ctx, "service", path);
}

int service_name_from_param(const model_ctx_t *ctx, const char *field, const char *value, const char *cluster,
                            char name[API_NAME_MAX + 1], ecs_error_t *err)
{
    const char *p = value ? value : "";
    size_t len = strlen(p);
    int foreign = 0;
    if (arn_is_arn(p)) {
        arn_parts_t a;
        if (arn_parse(p, &a) < 0 || !arn_part_eq(a.type, a.type_len, "service"))
            return ecs_invalid_param(err, "%s: '%.300s' is not a service ARN.", field, p);
        /* Another region's or account's service is nothing this caller
         * can see; it is reported as not found, not as a bad request. */
        foreign = !arn_part_eq(a.region, a.region_len, ctx->region) ||
                  !arn_part_eq(a.account, a.account_len, ctx->account);
        p = a.path;
        len = a.path_len;
        const char *slash = memchr(p, '/', len);
        if (slash != NULL) { /* long form: service/<cluster>/<name> */
            size_t clen = (size_t)(slash - p);
            if (clen != strlen(cluster) || memcmp(p, cluster, clen) != 0)
                foreign = 1; /* another cluster's service: not found in this one */
            len -= clen + 1;
            p = slash + 1;
        }
    }
    if (len == 0 || len > API_NAME_MAX)
        return ecs_invalid_param(err, "%s: '%.300s' is not a service name or ARN.", field, value ? value : "");
    memcpy(name, p, len);
    name[len] = '\0';
    return foreign;
}

int service_count_tasks(const model_ctx_t *ctx, const char *cluster, const char *name, const char *started_by,
                        const char *status, int64_t *n, ecs_error_t *err)
{
    store_query_t q = {.kind = STORE_TASK, .account = ctx->scope, .cluster = cluster, .service = name,
                       .started_by = started_by, .status = status};
    return store_count(ctx->txn, &q, n, err);
}

json_t *service_view(const model_ctx_t *ctx, const store_record_t *rec, ecs_error_t *err)
{
    json_t *v = json_deep_copy(rec->doc);
    json_object_del(v, "_ecsd");
    tags_hide(v, TAGS_HIDDEN_ABSENT); /* shown where asked for: tags_show */
    const char *name = json_string_value(json_object_get(v, "serviceName"));
    int64_t running = 0, pending = 0;
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(v, "deployments"), i, d) {
        const char *id = json_string_value(json_object_get(d, "id"));
        int64_t r = 0, p = 0;
        if (service_count_tasks(ctx, rec->cluster, name, id, "RUNNING", &r, err) < 0 ||
            service_count_tasks(ctx, rec->cluster, name, id, "PENDING", &p, err) < 0) {
            json_decref(v);
            return NULL;
        }
        json_object_set_new(d, "runningCount", json_integer(r));
        json_object_set_new(d, "pendingCount", json_integer(p));
        running += r;
        pending += p;
    }
    if (taskset_fill_service(ctx, rec, v, &running, &pending, err) < 0) { /* EXTERNAL: its task sets' */
        json_decref(v);
        return NULL;
    }
    json_object_set_new(v, "runningCount", json_integer(running));
    json_object_set_new(v, "pendingCount", json_integer(pending));
    /* today's members: the current service deployment and the revisions that run */
    const json_t *hist = json_object_get(json_object_get(rec->doc, "_ecsd"), "history");
    const json_t *current = json_object_get(json_array_get(hist, 0), "serviceDeploymentArn");
    if (current != NULL)
        json_object_set(v, "currentServiceDeployment", (json_t *)current);
    const char *svc_arn = json_string_value(json_object_get(v, "serviceArn"));
    const char *colon = svc_arn ? strstr(svc_arn, ":service/") : NULL;
    if (colon != NULL) {
        json_t *revs = json_array();
        json_array_foreach(json_object_get(v, "deployments"), i, d) {
            const char *id = json_string_value(json_object_get(d, "id"));
            json_array_append_new(revs, json_pack("{s:o, s:O, s:O, s:O}", "arn",
                                                  json_sprintf("%.*s:service-revision/%s/%s/%s", (int)(colon - svc_arn),
                                                               svc_arn, rec->cluster, name ? name : "",
                                                               id && strlen(id) > 8 ? id + 8 : ""),
                                                  "requestedTaskCount", json_object_get(d, "desiredCount"),
                                                  "runningTaskCount", json_object_get(d, "runningCount"),
                                                  "pendingTaskCount", json_object_get(d, "pendingCount")));
        }
        json_object_set_new(v, "currentServiceRevisions", revs);
    }
    return v;
}

int service_put(model_ctx_t *ctx, store_record_t *rec, ecs_error_t *err)
{
    rec->num = ctx->now_ms;
    return store_put(ctx->txn, STORE_SERVICE, ctx->scope, rec, err);
}

void service_set_status(store_record_t *rec, const char *status)
{
    char *copy = strdup(status);
    if (copy == NULL)
        abort();
    free(rec->status);
    rec->status = copy;
    json_object_set_new(rec->doc, "status", json_string(status));
}

json_t *service_private(json_t *doc)
{
    json_t *p = json_object_get(doc, "_ecsd");
    if (!json_is_object(p)) {
        p = json_object();
        json_object_set_new(doc, "_ecsd", p);
    }
    return p;
}

void service_event(const model_ctx_t *ctx, json_t *doc, const char *message)
{
    json_t *events = json_object_get(doc, "events");
    if (!json_is_array(events)) {
        events = json_array();
        json_object_set_new(doc, "events", events);
    }
    char id[IDS_UUID_LEN + 1];
    ids_uuid4(id);
    json_array_insert_new(events, 0,
                          json_pack("{s:s, s:o, s:s}", "id", id, "createdAt", json_timestamp(ctx->now_ms),
                                    "message", message));
    while (json_array_size(events) > SERVICE_EVENTS_MAX)
        json_array_remove(events, json_array_size(events) - 1);
}

bool service_say(const model_ctx_t *ctx, json_t *doc, const char *topic, const char *message)
{
    json_t *said = json_object_get(service_private(doc), "said");
    if (!json_is_object(said)) {
        said = json_object();
        json_object_set_new(service_private(doc), "said", said);
    }
    json_t *last = json_object_get(said, topic);
    const char *m = json_string_value(json_object_get(last, "m"));
    if (m != NULL && strcmp(m, message) == 0 &&
        ctx->now_ms - json_integer_value(json_object_get(last, "at")) < SAY_AGAIN_MS)
        return false;
    json_object_set_new(said, topic, json_pack("{s:s, s:I}", "m", message, "at", (json_int_t)ctx->now_ms));
    service_event(ctx, doc, message);
    return true;
}

void service_unsay(json_t *doc, const char *topic)
{
    json_t *said = json_object_get(json_object_get(doc, "_ecsd"), "said");
    if (json_object_get(said, topic) != NULL)
        json_object_del(said, topic);
}

static bool deployment_exists(const json_t *doc, const char *id)
{
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(doc, "deployments"), i, d) {
        const char *x = json_string_value(json_object_get(d, "id"));
        if (x != NULL && strcmp(x, id) == 0)
            return true;
    }
    return false;
}

void service_deployment_id(const json_t *doc, int64_t now_ms, char out[SERVICE_DEPLOY_ID_MAX])
{
    int64_t n = INT64_MAX - now_ms;
    for (;;) {
        snprintf(out, SERVICE_DEPLOY_ID_MAX, "ecs-svc/%019" PRId64, n);
        if (!deployment_exists(doc, out))
            return;
        n--; /* two deployments in one millisecond: the later one sorts first still */
    }
}

json_t *service_deployment_new(const json_t *doc, const char *id, const char *status, const json_t *taskdef_arn,
                               int desired, int64_t now_ms)
{
    json_t *d = json_pack("{s:s, s:s, s:O, s:i, s:i, s:i, s:i, s:o, s:o, s:s, s:s++}", "id", id, "status", status,
                          "taskDefinition", taskdef_arn, "desiredCount", desired, "pendingCount", 0, "runningCount", 0,
                          "failedTasks", 0, "createdAt", json_timestamp(now_ms), "updatedAt", json_timestamp(now_ms),
                          "rolloutState", "IN_PROGRESS", "rolloutStateReason", "ECS deployment ", id, " in progress.");
    service_config_to_deployment(doc, d); /* launchType, networkConfiguration, ... as the service has them now */
    return d;
}

int service_drop_token(model_ctx_t *ctx, json_t *doc, ecs_error_t *err)
{
    json_t *priv = service_private(doc);
    const char *token = json_string_value(json_object_get(priv, "token"));
    if (token == NULL)
        return 0;
    char key[128];
    snprintf(key, sizeof key, SERVICE_TOKEN_PREFIX "%s", token);
    if (store_delete(ctx->txn, STORE_TOKEN, ctx->scope, key, err) < 0)
        return -1;
    json_object_del(priv, "token");
    return 0;
}
