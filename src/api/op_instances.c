/* op_instances.c - RegisterContainerInstance, DeregisterContainerInstance,
 * DescribeContainerInstances, ListContainerInstances (ecs-behavior.md
 * §4.10-4.13, §5.5). See instance_model.h for what is stored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/attributes.h"
#include "model/cql.h"
#include "model/instance.h"
#include "model/instance_state.h"
#include "api/ops.h"
#include "api/paging.h"
#include "model/params.h"
#include "model/tags.h"
#include "model/settings.h"
#include "model/task.h"
#include "common/arn.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/ids.h"

#define DESCRIBE_MAX 100
#define STATE_INSTANCES_MAX 10 /* UpdateContainerInstancesState */

/* ec2InstanceId: the identity document's instanceId, else a made-up one. */
static json_t *ec2_instance_id(const json_t *in, const char *instance_id)
{
    const char *docstr = param_str(in, "instanceIdentityDocument");
    if (docstr != NULL && docstr[0] != '\0') {
        cleanup_json json_t *doc = json_loads(docstr, 0, NULL);
        const char *id = json_string_value(json_object_get(doc, "instanceId"));
        if (id != NULL && id[0] != '\0' && strlen(id) <= 64)
            return json_string(id);
    }
    char made[24];
    snprintf(made, sizeof made, "i-%.8s%.9s", instance_id, instance_id + 9);
    return json_string(made);
}

/* Re-attach: new totals; avail = totals less what its unstopped tasks hold. */
static int reattach(model_ctx_t *ctx, store_record_t *rec, const res_t *total, json_t *in, ecs_error_t *err)
{
    res_t avail = *total;
    store_query_t q = {.kind = STORE_TASK, .account = ctx->scope, .instance = rec->key, .status_not = "STOPPED"};
    store_record_t *tasks = NULL;
    size_t n = 0;
    if (store_query(ctx->txn, &q, &tasks, &n, err) < 0)
        return -1;
    json_t *ecsd = json_object_get(rec->doc, "_ecsd");
    json_object_set_new(ecsd, "groups", json_object()); /* counted again from the tasks (instance.h) */
    for (size_t i = 0; i < n; i++) {
        res_t need;
        res_from_json(json_object_get(json_object_get(tasks[i].doc, "_ecsd"), "need"), &need);
        res_reserve(&avail, &need);
        instance_groups_add(rec, json_string_value(json_object_get(tasks[i].doc, "group")), +1);
    }
    store_records_free(tasks, n);
    json_object_set_new(ecsd, "total", res_to_json(total));
    instance_set_avail(rec, &avail);
    json_object_del(rec->doc, "registeredResources"); /* kept by records of an older ecsd */
    json_t *vi = json_object_get(in, "versionInfo");
    if (json_is_object(vi))
        json_object_set(rec->doc, "versionInfo", vi);
    return 0;
}

/* RegisterContainerInstance's tags (the agent's ECS_CONTAINER_INSTANCE_TAGS):
 * a re-registration adds them to the instance's, as TagResource would. */
static int instance_take_tags(const json_t *in, json_t *doc, ecs_error_t *err)
{
    const json_t *tags = json_object_get(in, "tags");
    json_t *merged = NULL;
    if (!json_is_array(tags))
        return tags_check(tags, "tags", err);
    if (tags_check(tags, "tags", err) < 0 || tags_merge(tags_get(doc), tags, &merged, err) < 0)
        return -1;
    tags_put(doc, merged);
    return 0;
}

int op_register_container_instance(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t cluster = {0}, rec = {0};
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0)
        return -1;
    int rc = -1;
    res_t total;
    if (res_from_resources(json_object_get(in, "totalResources"), "totalResources", &total, err) < 0 ||
        attr_check_list(json_object_get(in, "attributes"), "attributes", err) < 0)
        goto done;
    const char *arn = param_str(in, "containerInstanceArn");
    if (arn != NULL) {
        char id[INSTANCE_ID_MAX + 1];
        if (instance_id_from_param(ctx, "containerInstanceArn", arn, cluster.key, id, err) < 0)
            goto done;
        int found = store_get(ctx->txn, STORE_INSTANCE, ctx->scope, id, &rec, err);
        if (found < 0)
            goto done;
        if (found == 0 || strcmp(rec.cluster, cluster.key) != 0) {
            ecs_client_err(err, "Container instance %.300s is not registered in cluster %s.", arn, cluster.key);
            goto done;
        }
        if (strcmp(rec.status, "INACTIVE") == 0) {
            ecs_client_err(err, "Container instance %.300s was deregistered; register a new one.", arn);
            goto done;
        }
        if (reattach(ctx, &rec, &total, in, err) < 0)
            goto done;
    } else {
        /* long format (the default): a 32-hex-digit id, the cluster in the ARN */
        char id[IDS_UUID_LEN + 1];
        if (settings_load_arn_formats(ctx, err) < 0)
            goto done;
        if (settings_long_arn(ctx, SETTINGS_ARN_INSTANCE))
            ids_hex32(id);
        else
            ids_uuid4(id);
        cleanup_free char *iarn = api_id_arn(ctx, "container-instance", cluster.key, id);
        json_t *vi = json_object_get(in, "versionInfo");
        rec = (store_record_t){.key = strdup(id), .cluster = strdup(cluster.key), .status = strdup("ACTIVE")};
        rec.doc = json_pack("{s:s, s:o, s:o, s:s, s:o, s:I, s:{s:o, s:o, s:i}}", "containerInstanceArn", iarn,
                            "ec2InstanceId", ec2_instance_id(in, id), "versionInfo",
                            json_is_object(vi) ? json_incref(vi) : json_object(), "status", "ACTIVE", "registeredAt",
                            json_timestamp(ctx->now_ms), "version", (json_int_t)1, "_ecsd", "total",
                            res_to_json(&total), "avail", res_to_json(&total), "index", 1);
        json_object_set_new(json_object_get(rec.doc, "_ecsd"), "groups", json_object()); /* instance.h */
    }
    if (instance_take_tags(in, rec.doc, err) < 0)
        goto done;
    json_object_set_new(rec.doc, "attributes",
                        attr_after_register(json_object_get(rec.doc, "attributes"), json_object_get(in, "attributes")));
    rec.num = ctx->now_ms; /* registering counts as being heard from */
    instance_touch(ctx, &rec);
    ctx->fx.sched_wake = true; /* new capacity: services may place what did not fit */
    if (instance_put(ctx, &rec, err) < 0)
        goto done;
    json_t *view = instance_view(ctx, &rec, err);
    if (view != NULL) {
        tags_show(view, rec.doc, TAGS_HIDDEN_ABSENT);
        *out = json_pack("{s:o}", "containerInstance", view);
        rc = 0;
    }
done:
    store_record_clear(&cluster);
    store_record_clear(&rec);
    return rc;
}

int op_deregister_container_instance(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t cluster = {0}, rec = {0};
    store_record_t *tasks = NULL;
    size_t n = 0;
    int rc = -1;
    char id[INSTANCE_ID_MAX + 1];
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0)
        return -1;
    if (instance_id_from_param(ctx, "containerInstance", param_str(in, "containerInstance"), cluster.key, id, err) < 0)
        goto done;
    int found = store_get(ctx->txn, STORE_INSTANCE, ctx->scope, id, &rec, err);
    if (found < 0)
        goto done;
    if (found == 0 || strcmp(rec.cluster, cluster.key) != 0) {
        ecs_client_err(err, "Container instance not found.");
        goto done;
    }
    if (strcmp(rec.status, "INACTIVE") != 0) {
        store_query_t q = {.kind = STORE_TASK, .account = ctx->scope, .instance = id, .status_not = "STOPPED"};
        if (store_query(ctx->txn, &q, &tasks, &n, err) < 0)
            goto done;
        json_t *force = json_object_get(in, "force");
        if (n > 0 && !json_is_true(force)) {
            ecs_invalid_param(err, "Found running tasks on the instance.");
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            task_set_stop_code(&tasks[i], TASK_STOP_USER);
            if (task_mark_stopped(ctx, &tasks[i], "Container instance deregistration forced by user", err) < 0)
                goto done;
        }
        /* the tasks' release changed the stored instance: read it again */
        store_record_clear(&rec);
        if (store_get(ctx->txn, STORE_INSTANCE, ctx->scope, id, &rec, err) <= 0)
            goto done;
        free(rec.status);
        rec.status = strdup("INACTIVE");
        json_object_set_new(rec.doc, "status", json_string("INACTIVE"));
        instance_touch(ctx, &rec);
        if (instance_put(ctx, &rec, err) < 0)
            goto done;
    }
    json_t *view = instance_view(ctx, &rec, err);
    if (view != NULL) {
        *out = json_pack("{s:o}", "containerInstance", view);
        rc = 0;
    }
done:
    store_records_free(tasks, n);
    store_record_clear(&cluster);
    store_record_clear(&rec);
    return rc;
}

int op_describe_container_instances(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    json_t *items = json_object_get(in, "containerInstances");
    size_t n = json_array_size(items);
    if (n == 0)
        return ecs_client_err(err, "Container Instances cannot be empty.");
    if (n > DESCRIBE_MAX)
        return ecs_invalid_param(err, "instanceIds can have at most 100 items.");
    store_record_t cluster = {0};
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0)
        return -1;
    cleanup_json json_t *list = json_array();
    cleanup_json json_t *failures = json_array();
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *item = json_string_value(json_array_get(items, i));
        char id[INSTANCE_ID_MAX + 1];
        store_record_t rec = {0};
        if (instance_id_from_param(ctx, "containerInstances", item, cluster.key, id, err) < 0) {
            rc = -1;
            break;
        }
        int found = store_get(ctx->txn, STORE_INSTANCE, ctx->scope, id, &rec, err);
        if (found < 0) {
            rc = -1;
        } else if (found == 0 || strcmp(rec.cluster, cluster.key) != 0) {
            /* an ARN is named as given (it may be of another cluster or region) */
            cleanup_free char *arn = arn_is_arn(item) ? strdup(item)
                                                      : api_id_arn(ctx, "container-instance", cluster.key, id);
            json_array_append_new(failures, json_pack("{s:s, s:s}", "arn", arn, "reason", "MISSING"));
        } else {
            json_t *view = instance_view(ctx, &rec, err);
            if (view == NULL) {
                rc = -1;
            } else {
                tags_view(view, rec.doc, tags_included(in), TAGS_HIDDEN_ABSENT);
                json_array_append_new(list, view);
            }
        }
        store_record_clear(&rec);
    }
    store_record_clear(&cluster);
    if (rc == 0)
        *out = json_pack("{s:O, s:O}", "containerInstances", list, "failures", failures);
    return rc;
}

/* ListContainerInstances' filter, evaluated on each row. */
typedef struct filter_arg {
    model_ctx_t *ctx;
    const cql_t *q;
    ecs_error_t *err;
    bool failed; /* a store error while evaluating: the listing fails */
} filter_arg_t;

static bool filter_keep(const store_record_t *row, const void *arg)
{
    filter_arg_t *f = (filter_arg_t *)arg;
    cql_instance_t ci = {
        .attrs = json_object_get(row->doc, "attributes"),
        .agent_connected = instance_agent_connected(f->ctx, row),
        .agent_version = json_string_value(json_object_get(json_object_get(row->doc, "versionInfo"), "agentVersion")),
        .ec2_instance_id = json_string_value(json_object_get(row->doc, "ec2InstanceId")),
        .registered_at_ms = (int64_t)(json_number_value(json_object_get(row->doc, "registeredAt")) * 1000.0 + 0.5)};
    store_record_t *tasks = NULL;
    size_t n = 0;
    const char **groups = NULL;
    if (f->failed)
        return false;
    if (cql_needs(f->q) & CQL_NEEDS_TASKS) {
        store_query_t q = {.kind = STORE_TASK, .account = f->ctx->scope, .instance = row->key, .status_not = "STOPPED"};
        if (store_query(f->ctx->txn, &q, &tasks, &n, f->err) < 0 ||
            (n > 0 && (groups = calloc(n, sizeof *groups)) == NULL)) {
            f->failed = true;
            store_records_free(tasks, n);
            return false;
        }
        for (size_t i = 0; i < n; i++) {
            const char *g = json_string_value(json_object_get(tasks[i].doc, "group"));
            if (g != NULL)
                groups[ci.n_groups++] = g;
            ci.running_tasks += strcmp(tasks[i].status, "RUNNING") == 0;
        }
        ci.groups = groups;
    }
    bool keep = cql_eval(f->q, &ci);
    free(groups);
    store_records_free(tasks, n);
    return keep;
}

int op_list_container_instances(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t cluster = {0};
    /* the filter is checked before the cluster, as the model is */
    const char *filter = param_str(in, "filter");
    cql_t *query = NULL;
    if (filter != NULL && filter[0] != '\0' && cql_parse(filter, "filter", &query, err) < 0)
        return -1;
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0) {
        cql_free(query);
        return -1;
    }
    /* status (ACTIVE, DRAINING, REGISTERING, DEREGISTERING, REGISTRATION_FAILED,
     * checked by the model's enum): only those; without it every status
     * but INACTIVE, as ECS lists */
    const char *status = param_str(in, "status");
    store_query_t q = {.kind = STORE_INSTANCE, .account = ctx->scope, .cluster = cluster.key,
                       .status = status, .status_not = status ? NULL : "INACTIVE", .order = STORE_ORDER_KEY};
    int rc;
    if (query == NULL) {
        rc = api_page_list(ctx, in, &q, "containerInstanceArns", "container-instance", out, err);
    } else {
        filter_arg_t f = {.ctx = ctx, .q = query, .err = err};
        rc = api_page_list_where(ctx, in, &q, "containerInstanceArns", "container-instance", filter_keep, &f, out,
                                 err);
        if (rc == 0 && f.failed) {
            json_decref(*out);
            *out = NULL;
            rc = -1;
        }
    }
    cql_free(query);
    store_record_clear(&cluster);
    return rc;
}

/* UpdateContainerInstancesState (ecs-behavior.md §5.5): ACTIVE or
 * DRAINING, at most 10 instances; unknown ones are failures (MISSING), as
 * are deregistered ones (INACTIVE). */
int op_update_container_instances_state(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    json_t *items = json_object_get(in, "containerInstances");
    size_t n = json_array_size(items);
    const char *status = param_str(in, "status");
    if (status == NULL || (strcmp(status, "ACTIVE") != 0 && strcmp(status, "DRAINING") != 0))
        return ecs_invalid_param(err, "status: '%.40s' cannot be set; a container instance can be set to ACTIVE or "
                                      "DRAINING.",
                                 status ? status : "");
    if (n == 0)
        return ecs_client_err(err, "Container Instances cannot be empty.");
    if (n > STATE_INSTANCES_MAX)
        return ecs_invalid_param(err, "containerInstances can have at most %d items.", STATE_INSTANCES_MAX);
    store_record_t cluster = {0};
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0)
        return -1;
    cleanup_json json_t *list = json_array();
    cleanup_json json_t *failures = json_array();
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *item = json_string_value(json_array_get(items, i));
        char id[INSTANCE_ID_MAX + 1];
        store_record_t rec = {0};
        if (instance_id_from_param(ctx, "containerInstances", item, cluster.key, id, err) < 0) {
            rc = -1;
            break;
        }
        int found = store_get(ctx->txn, STORE_INSTANCE, ctx->scope, id, &rec, err);
        const char *fail = found == 0 || (found > 0 && strcmp(rec.cluster, cluster.key) != 0) ? "MISSING"
                           : found > 0 && strcmp(rec.status, "INACTIVE") == 0               ? "INACTIVE"
                                                                                            : NULL;
        if (found < 0) {
            rc = -1;
        } else if (fail != NULL) {
            cleanup_free char *arn = arn_is_arn(item) ? strdup(item)
                                                      : api_id_arn(ctx, "container-instance", cluster.key, id);
            json_array_append_new(failures, json_pack("{s:s, s:s}", "arn", arn, "reason", fail));
        } else {
            store_record_clear(&rec);
            rc = instance_set_state(ctx, id, status, &rec, err);
            json_t *view = rc == 0 ? instance_view(ctx, &rec, err) : NULL;
            if (view == NULL)
                rc = -1;
            else
                json_array_append_new(list, view);
        }
        store_record_clear(&rec);
    }
    store_record_clear(&cluster);
    if (rc == 0)
        *out = json_pack("{s:O, s:O}", "containerInstances", list, "failures", failures);
    return rc;
}
