/* op_services.c - CreateService, UpdateService, DeleteService,
 * DescribeServices, ListServices (ecs-behavior.md §4.19-4.23, §5.8, §7.7).
 *
 * The operations only record what the user wants (desiredCount, the
 * PRIMARY deployment, DRAINING); the scheduler (sched/scheduler.c) starts
 * and stops the tasks. Every change rings it (fx.sched_wake), so it acts
 * within a moment of the commit. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ops.h"
#include "api/paging.h"
#include "model/params.h"
#include "model/service.h"
#include "model/service_config.h"
#include "model/service_deployment.h"
#include "model/service_taskset.h"
#include "model/tags.h"
#include "model/settings.h"
#include "model/taskdef.h"
#include "common/arn.h"
#include "common/cleanup.h"
#include "common/clock.h"

#define DESCRIBE_MAX 10
#define TOKEN_MAX 36 /* ASCII 33..126 (the current model's rule) */
#define LOAD_BALANCERS_MAX 1 /* Classic Load Balancers */
#define TARGET_GROUPS_MAX 5

static bool str_eq(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

/* The request without its clientToken, hashed: "the same parameters". */
static void request_digest(const json_t *in, char hex[65])
{
    cleanup_json json_t *copy = json_copy((json_t *)in);
    json_object_del(copy, "clientToken");
    cleanup_free char *text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(text ? text : "", text ? strlen(text) : 0, md, &len, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static int check_token(const char *token, ecs_error_t *err)
{
    size_t n = token ? strlen(token) : 0;
    if (token == NULL)
        return 0;
    bool ok = n >= 1 && n <= TOKEN_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = (unsigned char)token[i] >= 33 && (unsigned char)token[i] <= 126;
    return ok ? 0 : ecs_invalid_param(err, "clientToken: up to 36 ASCII characters from 33 to 126 are allowed.");
}

static bool container_has_port(const json_t *taskdef, const char *name, json_int_t port, bool *found)
{
    size_t i, j;
    json_t *c, *pm;
    json_array_foreach(json_object_get(taskdef, "containerDefinitions"), i, c) {
        const char *n = json_string_value(json_object_get(c, "name"));
        if (n == NULL || strcmp(n, name) != 0)
            continue;
        *found = true;
        json_array_foreach(json_object_get(c, "portMappings"), j, pm)
            if (json_integer_value(json_object_get(pm, "containerPort")) == port)
                return true;
    }
    return false;
}

/* loadBalancers (classic ELB: name, container, port) need a role and a
 * container port of the task definition; kept and shown, not attached. */
static int check_load_balancers(const json_t *lbs, const char *role, const json_t *taskdef, ecs_error_t *err)
{
    size_t i, classic = 0;
    json_t *lb;
    json_array_foreach(lbs, i, lb)
        classic += json_object_get(lb, "targetGroupArn") == NULL;
    /* a Classic Load Balancer alone; target groups (ALB/NLB) up to 5 */
    if (json_array_size(lbs) > (classic > 0 ? LOAD_BALANCERS_MAX : TARGET_GROUPS_MAX))
        return ecs_invalid_param(err, "load balancers can have at most %d items.",
                                 classic > 0 ? LOAD_BALANCERS_MAX : TARGET_GROUPS_MAX);
    json_array_foreach(lbs, i, lb) {
        const char *lbname = json_string_value(json_object_get(lb, "loadBalancerName"));
        const char *cname = json_string_value(json_object_get(lb, "containerName"));
        json_t *port = json_object_get(lb, "containerPort");
        bool target_group = json_object_get(lb, "targetGroupArn") != NULL;
        if (!target_group && (lbname == NULL || lbname[0] == '\0'))
            return ecs_invalid_param(err, "Load Balancer Name can not be blank.");
        if (cname == NULL || cname[0] == '\0')
            return ecs_invalid_param(err, "Container Name can not be blank.");
        if (!json_is_integer(port))
            return ecs_invalid_param(err, "Container Port can not be blank.");
        /* a target group is used through ECS's service-linked role when no role is given */
        if (!target_group && (role == NULL || role[0] == '\0'))
            return ecs_invalid_param(err, "A role must be specified when the service uses a load balancer.");
        bool found = false;
        if (!container_has_port(taskdef, cname, json_integer_value(port), &found))
            return found ? ecs_invalid_param(err, "The container %.255s did not have a container port %" JSON_INTEGER_FORMAT
                                                  " defined.", cname, json_integer_value(port))
                         : ecs_invalid_param(err, "The container %.255s does not exist in the task definition.",
                                             cname);
    }
    return 0;
}

/* `role` is a role name or ARN; ECS shows its ARN. */
static json_t *role_arn(const model_ctx_t *ctx, const char *role)
{
    if (strncmp(role, "arn:", 4) == 0)
        return json_string(role);
    return json_sprintf("arn:aws:iam::%s:role/%s", ctx->account, role);
}

static int answer(const model_ctx_t *ctx, const store_record_t *rec, json_t **out, ecs_error_t *err)
{
    json_t *view = service_view(ctx, rec, err);
    if (view == NULL)
        return -1;
    *out = json_pack("{s:o}", "service", view);
    return 0;
}

/* A CreateService that repeats an earlier one (by clientToken, or by name
 * and parameters) answers that service. 1 answered, 0 go on, -1 error. */
static int create_replay(model_ctx_t *ctx, const char *token, const char *digest, const store_record_t *existing,
                         json_t **out, ecs_error_t *err)
{
    if (token != NULL) {
        char key[sizeof SERVICE_TOKEN_PREFIX + TOKEN_MAX];
        snprintf(key, sizeof key, SERVICE_TOKEN_PREFIX "%s", token);
        store_record_t tok = {0};
        int found = store_get(ctx->txn, STORE_TOKEN, ctx->scope, key, &tok, err);
        if (found < 0)
            return -1;
        bool same = found && strcmp(json_string_value(json_object_get(tok.doc, "digest")), digest) == 0;
        store_record_clear(&tok);
        if (found && !same)
            return ecs_invalid_param(err, "Creation of service was not idempotent.");
    }
    if (existing->key == NULL)
        return 0;
    if (strcmp(existing->status, "DRAINING") == 0)
        return ecs_invalid_param(err, "Unable to Start a service that is still Draining.");
    if (strcmp(existing->status, "ACTIVE") != 0)
        return 0; /* INACTIVE: the name is free again */
    const char *was = json_string_value(json_object_get(json_object_get(existing->doc, "_ecsd"), "digest"));
    if (was == NULL || strcmp(was, digest) != 0)
        return ecs_invalid_param(err, "Creation of service was not idempotent.");
    return answer(ctx, existing, out, err) < 0 ? -1 : 1;
}

/* The service's document as CreateService makes it: its configuration
 * (model/service_config.h) checked and kept, then its first deployment,
 * which carries part of it. NULL with err on a refused member. */
static json_t *new_service_doc(model_ctx_t *ctx, const json_t *in, const store_record_t *cluster, const char *name,
                               const json_t *taskdef, int desired, const char *digest, ecs_error_t *err)
{
    cleanup_free char *arn = service_arn(ctx, cluster->key, name);
    cleanup_free char *cluster_arn = api_arn(ctx, "cluster", cluster->key);
    const json_t *taskdef_arn = json_object_get(taskdef, "taskDefinitionArn");
    const json_t *lbs = json_object_get(in, "loadBalancers");
    json_t *doc = json_pack("{s:s, s:s, s:s, s:o, s:s, s:i, s:O?, s:[], s:[], s:o}", "serviceArn", arn, "serviceName",
                            name, "clusterArn", cluster_arn, "loadBalancers",
                            json_is_array(lbs) ? json_deep_copy(lbs) : json_array(), "status", "ACTIVE",
                            "desiredCount", desired, "taskDefinition", taskdef_arn, "deployments", "events",
                            "createdAt", json_timestamp(ctx->now_ms));
    if (service_config_apply(ctx, in, doc, taskdef, cluster->doc, true, NULL, err) < 0 ||
        tags_service_take(in, doc, true, err) < 0) { /* tags, propagateTags, enableECSManagedTags */
        json_decref(doc);
        return NULL;
    }
    if (service_is_external(doc)) { /* no deployments: task sets, made by CreateTaskSet */
        json_object_set_new(doc, "taskSets", json_array());
        if (taskdef_arn == NULL)
            json_object_del(doc, "taskDefinition");
    } else {
        char dep_id[SERVICE_DEPLOY_ID_MAX];
        service_deployment_id(NULL, ctx->now_ms, dep_id);
        json_t *dep = service_deployment_new(doc, dep_id, "PRIMARY", taskdef_arn, desired, ctx->now_ms);
        json_array_append_new(json_object_get(doc, "deployments"), dep);
        service_deployment_started(ctx, doc, dep);
    }
    const char *role = param_str(in, "role");
    if (role != NULL && role[0] != '\0')
        json_object_set_new(doc, "roleArn", role_arn(ctx, role));
    json_t *priv = service_private(doc);
    json_object_set_new(priv, "digest", json_string(digest));
    /* Stopped tasks of an earlier service of this name are not its launch failures. */
    json_object_set_new(priv, "seen", json_pack("{s:I, s:s}", "num", (json_int_t)ctx->now_ms, "key", ""));
    return doc;
}

int op_create_service(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *name = param_str(in, "serviceName"), *token = param_str(in, "clientToken");
    const char *td = param_str(in, "taskDefinition"), *strategy = param_str(in, "schedulingStrategy");
    json_t *jdesired = json_object_get(in, "desiredCount");
    bool daemon = strategy != NULL && strcmp(strategy, "DAEMON") == 0;
    if (name == NULL || !api_name_valid(name))
        return ecs_invalid_param(err, "Invalid service name. Up to 255 letters (uppercase and lowercase), "
                                      "numbers, underscores, and hyphens are allowed.");
    if (check_token(token, err) < 0)
        return -1;
    bool external = str_eq(json_object_get(json_object_get(in, "deploymentController"), "type"), "EXTERNAL");
    if ((td == NULL || td[0] == '\0') && !external) /* EXTERNAL: the task sets name theirs */
        return ecs_invalid_param(err, "A task definition must be specified.");
    if (daemon && jdesired != NULL)
        return ecs_invalid_param(err, "The daemon scheduling strategy does not support a desired count for services.");
    if (!daemon && !json_is_integer(jdesired))
        return ecs_invalid_param(err, "desiredCount must be specified.");
    if (json_integer_value(jdesired) < 0 || json_integer_value(jdesired) > INT32_MAX)
        return ecs_invalid_param(err, "desiredCount must be greater than or equal to 0.");
    store_record_t cluster = {0}, taskdef = {0}, existing = {0};
    int rc = -1;
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0 ||
        (td != NULL && td[0] != '\0' && taskdef_load_for_run(ctx, td, &taskdef, err) < 0) ||
        check_load_balancers(json_object_get(in, "loadBalancers"), param_str(in, "role"), taskdef.doc, err) < 0)
        goto done;
    char key[SERVICE_KEY_MAX + 1], digest[65];
    service_key(key, cluster.key, name);
    request_digest(in, digest);
    if (store_get(ctx->txn, STORE_SERVICE, ctx->scope, key, &existing, err) < 0 ||
        settings_load_arn_formats(ctx, err) < 0)
        goto done;
    int replay = create_replay(ctx, token, digest, &existing, out, err);
    if (replay != 0) {
        rc = replay < 0 ? -1 : 0;
        goto done;
    }
    /* A DAEMON service's desiredCount is the count of instances it runs on: the scheduler sets it. */
    json_t *doc = new_service_doc(ctx, in, &cluster, name, taskdef.doc, daemon ? 0 : (int)json_integer_value(jdesired),
                                  digest, err);
    if (doc == NULL)
        goto done;
    if (token != NULL)
        json_object_set_new(service_private(doc), "token", json_string(token));
    store_record_t rec = {.key = key, .cluster = cluster.key, .status = "ACTIVE", .doc = doc};
    rc = service_put(ctx, &rec, err);
    if (rc == 0 && token != NULL) {
        char tkey[sizeof SERVICE_TOKEN_PREFIX + TOKEN_MAX];
        snprintf(tkey, sizeof tkey, SERVICE_TOKEN_PREFIX "%s", token);
        store_record_t tok = {.key = tkey, .status = "SERVICE", .num = ctx->now_ms,
                              .doc = json_pack("{s:s, s:s}", "digest", digest, "service", key)};
        rc = store_put(ctx->txn, STORE_TOKEN, ctx->scope, &tok, err);
        json_decref(tok.doc);
    }
    if (rc == 0 && (rc = answer(ctx, &rec, out, err)) == 0)
        tags_show(json_object_get(*out, "service"), doc, TAGS_HIDDEN_ABSENT);
    json_decref(doc);
    ctx->fx.sched_wake = true;
done:
    store_record_clear(&cluster);
    store_record_clear(&taskdef);
    store_record_clear(&existing);
    return rc;
}

/* The service a request's `service` names, in its ACTIVE cluster:
 * ServiceNotFoundException when there is none. */
static int load_service(model_ctx_t *ctx, const json_t *in, store_record_t *cluster, store_record_t *rec,
                        ecs_error_t *err)
{
    char name[API_NAME_MAX + 1], key[SERVICE_KEY_MAX + 1];
    if (api_load_active_cluster(ctx, in, cluster, err) < 0)
        return -1;
    int foreign = service_name_from_param(ctx, "service", param_str(in, "service"), cluster->key, name, err);
    if (foreign < 0)
        return -1;
    service_key(key, cluster->key, name);
    int found = foreign ? 0 : store_get(ctx->txn, STORE_SERVICE, ctx->scope, key, rec, err);
    if (found < 0)
        return -1;
    return found ? 0 : ecs_err(err, 400, "ServiceNotFoundException", "Service not found.");
}

/* UpdateService with a task definition other than the PRIMARY's, with
 * forceNewDeployment, or changing a member a deployment carries: a new
 * PRIMARY that starts at desiredCount 0 (the scheduler raises it); the
 * previous one turns ACTIVE and is drained. */
static void new_deployment(model_ctx_t *ctx, json_t *doc, const json_t *taskdef_arn)
{
    json_t *deps = json_object_get(doc, "deployments");
    size_t i;
    json_t *d;
    json_array_foreach(deps, i, d)
        json_object_set_new(d, "status", json_string("ACTIVE"));
    char id[SERVICE_DEPLOY_ID_MAX];
    service_deployment_id(doc, ctx->now_ms, id);
    json_t *dep = service_deployment_new(doc, id, "PRIMARY", taskdef_arn, 0, ctx->now_ms);
    json_array_insert_new(deps, 0, dep);
    service_deployment_started(ctx, doc, dep);
    json_object_set(doc, "taskDefinition", (json_t *)taskdef_arn);
    /* A new revision gets a fresh start: no launch throttle, no old news. */
    json_t *priv = service_private(doc);
    json_object_set_new(priv, "fails", json_integer(0));
    json_object_set_new(priv, "next", json_integer(0));
    service_unsay(doc, "steady");
    service_unsay(doc, "throttle");
}

int op_update_service(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t cluster = {0}, rec = {0}, taskdef = {0};
    int rc = -1;
    const char *td = param_str(in, "taskDefinition");
    json_t *jdesired = json_object_get(in, "desiredCount");
    if (jdesired != NULL && !json_is_null(jdesired) &&
        (json_integer_value(jdesired) < 0 || json_integer_value(jdesired) > INT32_MAX))
        return ecs_invalid_param(err, "desiredCount must be greater than or equal to 0.");
    if (load_service(ctx, in, &cluster, &rec, err) < 0)
        goto done;
    if (strcmp(rec.status, "ACTIVE") != 0) {
        ecs_err(err, 400, "ServiceNotActiveException", "Service was not ACTIVE.");
        goto done;
    }
    json_t *doc = rec.doc;
    const json_t *lbs = json_object_get(in, "loadBalancers");
    /* the task definition to run: the one named, else the current one (its
     * networkMode and volumes decide which members are allowed) */
    const char *current = json_string_value(json_object_get(doc, "taskDefinition"));
    bool external = service_is_external(doc);
    if (external && (td != NULL || json_is_true(json_object_get(in, "forceNewDeployment")))) {
        ecs_invalid_param(err, "%s: a service of the EXTERNAL deployment controller deploys through its task sets "
                               "(CreateTaskSet).", td != NULL ? "taskDefinition" : "forceNewDeployment");
        goto done;
    }
    if (td != NULL ? taskdef_load_for_run(ctx, td, &taskdef, err) < 0
                   : (current != NULL || !external) && taskdef_load(ctx, current ? current : "", &taskdef, err) < 0)
        goto done;
    bool redeploy = false;
    if (service_config_apply(ctx, in, doc, taskdef.doc, cluster.doc, false, &redeploy, err) < 0 ||
        (lbs != NULL && check_load_balancers(lbs, json_string_value(json_object_get(doc, "roleArn")), taskdef.doc,
                                             err) < 0) ||
        tags_service_take(in, doc, false, err) < 0) /* propagateTags, enableECSManagedTags: for tasks started next */
        goto done;
    if (lbs != NULL && !json_equal((json_t *)lbs, json_object_get(doc, "loadBalancers"))) {
        json_object_set_new(doc, "loadBalancers", json_deep_copy(lbs));
        redeploy = true;
    }
    json_t *td_arn = json_object_get(taskdef.doc, "taskDefinitionArn");
    if (td_arn == NULL)
        td_arn = json_object_get(doc, "taskDefinition");
    if (!external && (!json_equal(td_arn, json_object_get(doc, "taskDefinition")) || redeploy ||
                      json_is_true(json_object_get(in, "forceNewDeployment"))))
        new_deployment(ctx, doc, td_arn);
    if (json_is_integer(jdesired)) {
        json_object_set(doc, "desiredCount", jdesired);
        json_t *deps = json_object_get(doc, "deployments");
        if (json_array_size(deps) == 1) { /* no rollout: the PRIMARY's target is the service's */
            json_t *d = json_array_get(deps, 0);
            json_object_set(d, "desiredCount", jdesired);
            json_object_set_new(d, "updatedAt", json_timestamp(ctx->now_ms));
        }
        service_unsay(doc, "place");
    }
    if (service_put(ctx, &rec, err) < 0 || answer(ctx, &rec, out, err) < 0)
        goto done;
    ctx->fx.sched_wake = true;
    rc = 0;
done:
    store_record_clear(&cluster);
    store_record_clear(&rec);
    store_record_clear(&taskdef);
    return rc;
}

int op_delete_service(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t cluster = {0}, rec = {0};
    int rc = -1;
    if (load_service(ctx, in, &cluster, &rec, err) < 0)
        goto done;
    if (strcmp(rec.status, "ACTIVE") != 0) { /* already deleted or being deleted: as it is */
        rc = answer(ctx, &rec, out, err);
        goto done;
    }
    json_t *force = json_object_get(in, "force");
    if (json_integer_value(json_object_get(rec.doc, "desiredCount")) > 0 && !json_is_true(force)) {
        ecs_invalid_param(err, "The service cannot be stopped while it is scaled above 0.");
        goto done;
    }
    json_object_set_new(rec.doc, "desiredCount", json_integer(0));
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(rec.doc, "deployments"), i, d)
        json_object_set_new(d, "desiredCount", json_integer(0));
    json_array_foreach(json_object_get(rec.doc, "taskSets"), i, d) /* EXTERNAL: its task sets go too */
        json_object_set_new(d, "status", json_string("DRAINING"));
    /* DRAINING while any of its tasks has not stopped (the scheduler stops
     * them and ends it); INACTIVE at once when there is none. */
    int64_t live = 0, stopped = 0;
    const char *name = json_string_value(json_object_get(rec.doc, "serviceName"));
    if (service_count_tasks(ctx, cluster.key, name, NULL, NULL, &live, err) < 0 ||
        service_count_tasks(ctx, cluster.key, name, NULL, "STOPPED", &stopped, err) < 0)
        goto done;
    service_set_status(&rec, live > stopped ? "DRAINING" : "INACTIVE");
    if (live == stopped && service_drop_token(ctx, rec.doc, err) < 0)
        goto done;
    if (service_put(ctx, &rec, err) < 0 || answer(ctx, &rec, out, err) < 0)
        goto done;
    ctx->fx.sched_wake = true;
    rc = 0;
done:
    store_record_clear(&cluster);
    store_record_clear(&rec);
    return rc;
}

int op_describe_services(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    json_t *items = json_object_get(in, "services");
    size_t n = json_array_size(items);
    if (n == 0)
        return ecs_invalid_param(err, "Services cannot be empty.");
    if (n > DESCRIBE_MAX)
        return ecs_invalid_param(err, "services can have at most 10 items.");
    store_record_t cluster = {0};
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0)
        return -1;
    cleanup_json json_t *services = json_array();
    cleanup_json json_t *failures = json_array();
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *item = json_string_value(json_array_get(items, i));
        char name[API_NAME_MAX + 1], key[SERVICE_KEY_MAX + 1];
        int foreign = service_name_from_param(ctx, "services", item, cluster.key, name, err);
        if (foreign < 0) {
            rc = -1;
            break;
        }
        service_key(key, cluster.key, name);
        store_record_t rec = {0};
        int found = foreign ? 0 : store_get(ctx->txn, STORE_SERVICE, ctx->scope, key, &rec, err);
        if (found < 0) {
            rc = -1;
        } else if (found == 0 && !arn_is_arn(item) && settings_load_arn_formats(ctx, err) < 0) {
            rc = -1; /* for the ARN a missing service of that name would have */
        } else if (found == 0) {
            /* an ARN is named as given; a name as the ARN it would have */
            cleanup_free char *arn = arn_is_arn(item) ? strdup(item) : service_arn(ctx, cluster.key, name);
            json_array_append_new(failures, json_pack("{s:s, s:s}", "arn", arn, "reason", "MISSING"));
        } else {
            json_t *view = service_view(ctx, &rec, err);
            if (view != NULL)
                tags_view(view, rec.doc, tags_included(in), TAGS_HIDDEN_ABSENT);
            rc = view ? json_array_append_new(services, view) : -1;
        }
        store_record_clear(&rec);
    }
    store_record_clear(&cluster);
    if (rc == 0)
        *out = json_pack("{s:O, s:O}", "services", services, "failures", failures);
    return rc;
}

int op_list_services(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t cluster = {0};
    api_page_t page = {0};
    store_record_t *rows = NULL;
    size_t n = 0;
    cleanup_free char *next = NULL;
    int rc = -1;
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0 || api_page_read(in, 100, &page, err) < 0)
        goto done;
    if (json_object_get(in, "launchType") || json_object_get(in, "schedulingStrategy") ||
        json_object_get(in, "resourceManagementType")) {
        rc = service_list_filtered(ctx, in, cluster.key, out, err); /* op_service_revisions.c */
        goto done;
    }
    /* ACTIVE only: DRAINING and INACTIVE services are no longer listed. */
    store_query_t q = {.kind = STORE_SERVICE, .account = ctx->scope, .cluster = cluster.key, .status = "ACTIVE",
                       .order = STORE_ORDER_KEY};
    if (api_page_query(ctx->txn, &q, &page, &rows, &n, &next, err) < 0)
        goto done;
    json_t *arns = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append(arns, json_object_get(rows[i].doc, "serviceArn"));
    *out = json_pack("{s:o}", "serviceArns", arns);
    if (next != NULL)
        json_object_set_new(*out, "nextToken", json_string(next));
    rc = 0;
done:
    api_page_clear(&page);
    store_records_free(rows, n);
    store_record_clear(&cluster);
    return rc;
}
