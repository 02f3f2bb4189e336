/* service_config.c - see service_config.h. The checks and messages are
 * ECS's where it has one (the texts deploy tools grep for); where ecsd
 * refuses what ECS would do (another deployment strategy or controller),
 * the message says that ecsd does not do it, naming the member. */
#include "model/service_config.h"

#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "model/fargate.h"
#include "model/params.h"
#include "model/placement.h"
#include "model/settings.h"

#define CONSTRAINTS_MAX 10
#define STRATEGIES_MAX 5
#define SUBNETS_MAX 16
#define SECURITY_GROUPS_MAX 5
#define REGISTRIES_MAX 1
#define PROVIDERS_MAX 20
#define WEIGHT_MAX 1000
#define BASE_MAX 100000
#define EXPRESSION_MAX 2000
#define BAKE_MAX 1440

static bool str_is(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

static json_t *priv_deploy(json_t *doc)
{
    json_t *priv = json_object_get(doc, "_ecsd");
    if (!json_is_object(priv)) {
        priv = json_object();
        json_object_set_new(doc, "_ecsd", priv);
    }
    json_t *d = json_object_get(priv, "deploy");
    if (!json_is_object(d)) {
        d = json_object();
        json_object_set_new(priv, "deploy", d);
    }
    return d;
}

/* Sets member name of obj to a copy of v; true when it changed. */
static bool set_changed(json_t *obj, const char *name, const json_t *v)
{
    json_t *was = json_object_get(obj, name);
    if (was != NULL && json_equal(was, (json_t *)v))
        return false;
    json_object_set_new(obj, name, json_deep_copy(v));
    return true;
}

bool service_is_daemon(const json_t *doc)
{
    return str_is(json_object_get(doc, "schedulingStrategy"), "DAEMON");
}

bool service_breaker(const json_t *doc, bool *rollback)
{
    const json_t *cb = json_object_get(json_object_get(doc, "deploymentConfiguration"), "deploymentCircuitBreaker");
    if (rollback != NULL)
        *rollback = json_is_true(json_object_get(cb, "rollback"));
    return json_is_true(json_object_get(cb, "enable"));
}

/* deploymentConfiguration over the current one (or the defaults: 100/200,
 * a DAEMON's 0/100, the circuit breaker off, ROLLING). */
static int read_deploy_configuration(const json_t *in, json_t *doc, bool daemon, ecs_error_t *err)
{
    const json_t *dc = json_object_get(in, "deploymentConfiguration");
    json_t *cur = json_object_get(doc, "deploymentConfiguration");
    long long lo = param_int(cur, "minimumHealthyPercent", daemon ? 0 : 100);
    long long hi = param_int(cur, "maximumPercent", daemon ? 100 : 200);
    lo = param_int(dc, "minimumHealthyPercent", lo);
    hi = param_int(dc, "maximumPercent", hi);
    if (lo < 0 || lo > 100)
        return ecs_invalid_param(err, "minimumHealthyPercent must be between 0 and 100.");
    if (hi < 100 || hi > 100000)
        return ecs_invalid_param(err, "maximumPercent must be at least 100.");
    if (daemon && hi > 100)
        return ecs_invalid_param(err, "The daemon scheduling strategy does not support values above 100 for "
                                      "maximumPercent.");
    const json_t *strategy = json_object_get(dc, "strategy");
    if (strategy != NULL && !str_is(strategy, "ROLLING"))
        return ecs_invalid_param(err, "deploymentConfiguration.strategy: ecsd does rolling updates only (ROLLING); "
                                      "%s deployments are not supported.", json_string_value(strategy));
    static const char *const blue_green_only[] = {"lifecycleHooks", "linearConfiguration", "canaryConfiguration"};
    for (size_t i = 0; i < sizeof blue_green_only / sizeof blue_green_only[0]; i++) {
        const json_t *v = json_object_get(dc, blue_green_only[i]);
        if (v != NULL && !(json_is_array(v) && json_array_size(v) == 0))
            return ecs_invalid_param(err, "deploymentConfiguration.%s: only BLUE_GREEN, LINEAR and CANARY deployments "
                                          "have it, and ecsd does ROLLING deployments only.", blue_green_only[i]);
    }
    long long bake = param_int(dc, "bakeTimeInMinutes", param_int(cur, "bakeTimeInMinutes", 0));
    if (bake < 0 || bake > BAKE_MAX)
        return ecs_invalid_param(err, "bakeTimeInMinutes must be between 0 and 1440.");
    json_t *cb = json_object_get(dc, "deploymentCircuitBreaker");
    if (cb == NULL)
        cb = json_object_get(cur, "deploymentCircuitBreaker");
    json_t *out = json_pack("{s:{s:b, s:b}, s:I, s:I, s:s, s:I}", "deploymentCircuitBreaker", "enable",
                            json_is_true(json_object_get(cb, "enable")), "rollback",
                            json_is_true(json_object_get(cb, "rollback")), "maximumPercent", (json_int_t)hi,
                            "minimumHealthyPercent", (json_int_t)lo, "strategy", "ROLLING", "bakeTimeInMinutes",
                            (json_int_t)bake);
    const json_t *alarms = json_object_get(dc, "alarms");
    if (alarms == NULL)
        alarms = json_object_get(cur, "alarms");
    if (alarms != NULL) /* kept and shown; ecsd has no CloudWatch alarms to watch */
        json_object_set_new(out, "alarms", json_pack("{s:O, s:b, s:b}", "alarmNames",
                                                     json_object_get(alarms, "alarmNames"), "enable",
                                                     json_is_true(json_object_get(alarms, "enable")), "rollback",
                                                     json_is_true(json_object_get(alarms, "rollback"))));
    json_object_set_new(doc, "deploymentConfiguration", out);
    return 0;
}

static int read_controller(const json_t *in, json_t *doc, bool create, ecs_error_t *err)
{
    const json_t *type = json_object_get(json_object_get(in, "deploymentController"), "type");
    if (str_is(type, "CODE_DEPLOY"))
        return ecs_invalid_param(err, "deploymentController.type: CODE_DEPLOY is not supported: ecsd has no "
                                      "CodeDeploy; use ECS (rolling updates).");
    const json_t *now = json_object_get(json_object_get(doc, "deploymentController"), "type");
    if (!create && type != NULL && now != NULL && !json_equal((json_t *)type, (json_t *)now))
        return ecs_invalid_param(err, "deploymentController.type: a service's deployment controller cannot be "
                                      "changed from %s to %s.", json_string_value(now), json_string_value(type));
    if (str_is(type, "EXTERNAL") && service_is_daemon(doc))
        return ecs_invalid_param(err, "The EXTERNAL deployment controller type does not support the DAEMON "
                                      "scheduling strategy.");
    if (create || now == NULL) /* EXTERNAL: task sets (model/service_taskset.h) */
        json_object_set_new(doc, "deploymentController", json_pack("{s:s}", "type", type ? json_string_value(type)
                                                                                          : "ECS"));
    return 0;
}

static bool has_provider(const json_t *cluster, const char *name)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(cluster, "capacityProviders"), i, p)
        if (str_is(p, name))
            return true;
    return false;
}

/* capacityProviderStrategy: providers of the cluster, once each, weight
 * 0..1000, base 0..100000 on one item at most. *out: weight and base filled. */
static int read_provider_strategy(const json_t *list, const json_t *cluster, json_t **out, ecs_error_t *err)
{
    if (json_array_size(list) > PROVIDERS_MAX)
        return ecs_invalid_param(err, "capacityProviderStrategy can have at most %d items.", PROVIDERS_MAX);
    cleanup_json json_t *strategy = json_array();
    size_t i, bases = 0;
    json_t *item;
    json_array_foreach(list, i, item) {
        const char *cp = json_string_value(json_object_get(item, "capacityProvider"));
        json_int_t weight = json_integer_value(json_object_get(item, "weight"));
        json_int_t base = json_integer_value(json_object_get(item, "base"));
        if (cp == NULL || !has_provider(cluster, cp))
            return ecs_invalid_param(err, "The specified capacity provider strategy cannot contain a capacity "
                                          "provider that is not associated with the cluster. Associate the capacity "
                                          "provider with the cluster or specify a valid capacity provider and try "
                                          "again.");
        for (size_t j = 0; j < i; j++)
            if (str_is(json_object_get(json_array_get(strategy, j), "capacityProvider"), cp))
                return ecs_invalid_param(err, "capacityProviderStrategy[%zu]: a capacity provider can appear only "
                                              "once in a capacity provider strategy.", i);
        if (weight < 0 || weight > WEIGHT_MAX)
            return ecs_invalid_param(err, "capacityProviderStrategy[%zu]: weight must be between 0 and 1000.", i);
        if (base < 0 || base > BASE_MAX)
            return ecs_invalid_param(err, "capacityProviderStrategy[%zu]: base must be between 0 and 100000.", i);
        if (base > 0 && bases++ > 0)
            return ecs_invalid_param(err, "capacityProviderStrategy[%zu]: only one capacity provider in a capacity "
                                          "provider strategy can have a base.", i);
        json_array_append_new(strategy, json_pack("{s:s, s:I, s:I}", "capacityProvider", cp, "weight", weight,
                                                  "base", base));
    }
    *out = json_incref(strategy);
    return 0;
}

static bool uses_fargate(const json_t *doc)
{
    return str_is(json_object_get(doc, "launchType"), "FARGATE") ||
           json_array_size(json_object_get(doc, "capacityProviderStrategy")) > 0;
}

/* launchType (CreateService only), capacityProviderStrategy, platformVersion. */
static int read_launch(const json_t *in, json_t *doc, const json_t *cluster, bool create, bool *redeploy,
                       ecs_error_t *err)
{
    const json_t *lt = json_object_get(in, "launchType"), *cps = json_object_get(in, "capacityProviderStrategy");
    if (create && lt != NULL && json_array_size(cps) > 0)
        return ecs_invalid_param(err, "Specifying both a launch type and capacity provider strategy is not "
                                      "supported. Remove one and try again.");
    if (create) {
        const json_t *dflt = json_object_get(cluster, "defaultCapacityProviderStrategy");
        if (lt == NULL && cps == NULL && json_array_size(dflt) > 0)
            cps = dflt; /* ECS: no launch type nor strategy: the cluster's default strategy */
        if (json_array_size(cps) == 0)
            json_object_set_new(doc, "launchType", lt ? json_deep_copy(lt) : json_string("EC2"));
    }
    if (cps != NULL && json_array_size(cps) > 0) {
        json_t *strategy = NULL;
        if (read_provider_strategy(cps, cluster, &strategy, err) < 0)
            return -1;
        *redeploy |= set_changed(doc, "capacityProviderStrategy", strategy);
        json_decref(strategy);
        json_object_del(doc, "launchType");
    } else if (cps != NULL && !create && json_object_get(doc, "capacityProviderStrategy") != NULL) {
        return ecs_invalid_param(err, "capacityProviderStrategy: an empty strategy cannot replace the service's "
                                      "capacity provider strategy.");
    }
    const json_t *pv = json_object_get(in, "platformVersion");
    if (pv != NULL && !uses_fargate(doc))
        return ecs_invalid_param(err, "The platform version must be null when specifying an %s launch type.",
                                 json_string_value(json_object_get(doc, "launchType")));
    if (pv != NULL)
        *redeploy |= set_changed(doc, "platformVersion", pv);
    else if (create && uses_fargate(doc))
        json_object_set_new(doc, "platformVersion", json_string("LATEST"));
    if (uses_fargate(doc) && json_object_get(doc, "platformFamily") == NULL)
        json_object_set_new(doc, "platformFamily", json_string("Linux"));
    return 0;
}

static int check_list_max(const json_t *list, const char *field, size_t max, ecs_error_t *err)
{
    if (json_array_size(list) > max)
        return ecs_invalid_param(err, "%s can have at most %zu items.", field, max);
    return 0;
}

/* networkConfiguration: needed by awsvpc task definitions, refused by the others. */
static int read_network(const json_t *in, json_t *doc, const json_t *taskdef, bool *redeploy, ecs_error_t *err)
{
    const json_t *nc = json_object_get(in, "networkConfiguration");
    if (nc != NULL) {
        const json_t *vpc = json_object_get(nc, "awsvpcConfiguration");
        const json_t *subnets = json_object_get(vpc, "subnets"), *groups = json_object_get(vpc, "securityGroups");
        const json_t *pub = json_object_get(vpc, "assignPublicIp");
        if (vpc != NULL && json_array_size(subnets) == 0)
            return ecs_invalid_param(err, "subnets can not be empty.");
        if (check_list_max(subnets, "subnets", SUBNETS_MAX, err) < 0 ||
            check_list_max(groups, "securityGroups", SECURITY_GROUPS_MAX, err) < 0)
            return -1;
        if (str_is(pub, "ENABLED") && !uses_fargate(doc))
            return ecs_invalid_param(err, "Assign public IP is not supported for this launch type.");
        json_t *copy = json_deep_copy(nc);
        json_t *cvpc = json_object_get(copy, "awsvpcConfiguration");
        if (cvpc != NULL && json_object_get(cvpc, "assignPublicIp") == NULL)
            json_object_set_new(cvpc, "assignPublicIp", json_string("DISABLED"));
        *redeploy |= set_changed(doc, "networkConfiguration", copy);
        json_decref(copy);
    }
    if (taskdef == NULL)
        return 0; /* an EXTERNAL service without a task definition: its task sets carry theirs */
    bool awsvpc = str_is(json_object_get(taskdef, "networkMode"), "awsvpc");
    const json_t *have = json_object_get(json_object_get(doc, "networkConfiguration"), "awsvpcConfiguration");
    if (awsvpc && have == NULL)
        return ecs_invalid_param(err, "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    if (!awsvpc && have != NULL)
        return ecs_invalid_param(err, "Network Configuration is not valid for the given networkMode of this task "
                                      "definition.");
    return 0;
}

/* placementConstraints and placementStrategy: their shape is checked
 * here, then parsed as the placement of the service's tasks will parse
 * them (with the task definition's constraints: at most 10 together), so
 * a bad expression is refused now rather than at every placement. */
static int read_placement(const json_t *in, json_t *doc, const json_t *taskdef, bool create, bool daemon,
                          ecs_error_t *err)
{
    const json_t *pc = json_object_get(in, "placementConstraints"), *ps = json_object_get(in, "placementStrategy");
    if (check_list_max(pc, "placementConstraints", CONSTRAINTS_MAX, err) < 0 ||
        check_list_max(ps, "placementStrategy", STRATEGIES_MAX, err) < 0)
        return -1;
    size_t i;
    json_t *c;
    json_array_foreach(pc, i, c) {
        const json_t *type = json_object_get(c, "type"), *expr = json_object_get(c, "expression");
        size_t len = json_string_length(expr);
        if (str_is(type, "memberOf") && len == 0)
            return ecs_invalid_param(err, "placementConstraints[%zu]: a memberOf constraint needs an expression.", i);
        if (str_is(type, "distinctInstance") && expr != NULL)
            return ecs_invalid_param(err, "placementConstraints[%zu]: a distinctInstance constraint takes no "
                                          "expression.", i);
        if (len > EXPRESSION_MAX)
            return ecs_invalid_param(err, "placementConstraints[%zu]: the expression can have at most 2000 "
                                          "characters.", i);
    }
    if (daemon && json_array_size(ps) > 0)
        return ecs_invalid_param(err, "The daemon scheduling strategy does not support placement strategies.");
    json_array_foreach(ps, i, c) {
        const json_t *type = json_object_get(c, "type"), *field = json_object_get(c, "field");
        if (str_is(type, "random") && field != NULL)
            return ecs_invalid_param(err, "placementStrategy[%zu]: the random strategy takes no field.", i);
        if (str_is(type, "binpack") && !(str_is(field, "cpu") || str_is(field, "memory") ||
                                         str_is(field, "CPU") || str_is(field, "MEMORY")))
            return ecs_invalid_param(err, "placementStrategy[%zu]: the binpack field must be cpu or memory.", i);
        if (str_is(type, "spread") && json_string_length(field) == 0)
            return ecs_invalid_param(err, "placementStrategy[%zu]: the spread strategy needs a field.", i);
    }
    if (place_rules_check(taskdef, pc ? pc : json_object_get(doc, "placementConstraints"),
                          ps ? ps : json_object_get(doc, "placementStrategy"), err) < 0)
        return -1;
    if (pc != NULL || create)
        json_object_set_new(doc, "placementConstraints", pc ? json_deep_copy(pc) : json_array());
    if (ps != NULL || create)
        json_object_set_new(doc, "placementStrategy", ps ? json_deep_copy(ps) : json_array());
    return 0;
}

static bool taskdef_launch_volume(const json_t *taskdef, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(taskdef, "volumes"), i, v)
        if (str_is(json_object_get(v, "name"), name))
            return json_is_true(json_object_get(v, "configuredAtLaunch"));
    return false;
}

/* The members ECS shows per deployment only. */
static int read_deploy_members(const json_t *in, json_t *doc, const json_t *taskdef, const json_t *cluster,
                               bool *redeploy, ecs_error_t *err)
{
    json_t *keep = priv_deploy(doc);
    const json_t *vc = json_object_get(in, "volumeConfigurations");
    size_t i;
    json_t *v;
    json_array_foreach(vc, i, v) {
        const char *name = json_string_value(json_object_get(v, "name"));
        if (name == NULL || !taskdef_launch_volume(taskdef, name))
            return ecs_invalid_param(err, "volumeConfigurations[%zu]: the task definition has no volume named '%.255s' "
                                          "that is configured at launch.", i, name ? name : "");
    }
    const json_t *sc = json_object_get(in, "serviceConnectConfiguration");
    if (sc != NULL) {
        json_t *copy = json_deep_copy(sc);
        const char *dflt = json_string_value(json_object_get(json_object_get(cluster, "serviceConnectDefaults"),
                                                             "namespace"));
        if (json_is_true(json_object_get(copy, "enabled")) && json_object_get(copy, "namespace") == NULL && dflt)
            json_object_set_new(copy, "namespace", json_string(dflt)); /* ECS: the cluster's default namespace */
        *redeploy |= set_changed(keep, "serviceConnectConfiguration", copy);
        json_decref(copy);
    }
    static const char *const lists[] = {"volumeConfigurations", "vpcLatticeConfigurations"};
    for (size_t k = 0; k < 2; k++) {
        const json_t *l = json_object_get(in, lists[k]);
        if (l != NULL)
            *redeploy |= set_changed(keep, lists[k], l);
    }
    return 0;
}

int service_config_apply(const model_ctx_t *ctx, const json_t *in, json_t *doc, const json_t *taskdef,
                         const json_t *cluster, bool create, bool *redeploy, ecs_error_t *err)
{
    bool dummy = false;
    if (redeploy == NULL)
        redeploy = &dummy;
    if (create) {
        const json_t *ss = json_object_get(in, "schedulingStrategy");
        json_object_set_new(doc, "schedulingStrategy", ss ? json_deep_copy(ss) : json_string("REPLICA"));
    }
    bool daemon = service_is_daemon(doc);
    if (daemon && json_object_get(in, "desiredCount") != NULL)
        return ecs_invalid_param(err, "The daemon scheduling strategy does not support a desired count for services.");
    if (read_deploy_configuration(in, doc, daemon, err) < 0 || read_controller(in, doc, create, err) < 0 ||
        read_launch(in, doc, cluster, create, redeploy, err) < 0 || read_network(in, doc, taskdef, redeploy, err) < 0 ||
        read_placement(in, doc, taskdef, create, daemon, err) < 0 ||
        read_deploy_members(in, doc, taskdef, cluster, redeploy, err) < 0 ||
        fargate_check_service(doc, taskdef, err) < 0)
        return -1;
    const json_t *grace = json_object_get(in, "healthCheckGracePeriodSeconds");
    if (grace != NULL && (json_integer_value(grace) < 0 || json_integer_value(grace) > INT32_MAX))
        return ecs_invalid_param(err, "healthCheckGracePeriodSeconds must be between 0 and 2147483647.");
    if (grace != NULL)
        json_object_set(doc, "healthCheckGracePeriodSeconds", (json_t *)grace);
    const json_t *regs = json_object_get(in, "serviceRegistries");
    if (check_list_max(regs, "serviceRegistries", REGISTRIES_MAX, err) < 0)
        return -1;
    if (regs != NULL)
        *redeploy |= set_changed(doc, "serviceRegistries", regs);
    else if (create)
        json_object_set_new(doc, "serviceRegistries", json_array());
    const json_t *exec = json_object_get(in, "enableExecuteCommand");
    if (json_is_boolean(exec))
        json_object_set(doc, "enableExecuteCommand", (json_t *)exec);
    else if (create)
        json_object_set_new(doc, "enableExecuteCommand", json_false());
    const json_t *az = json_object_get(in, "availabilityZoneRebalancing");
    if (daemon && str_is(az, "ENABLED"))
        return ecs_invalid_param(err, "availabilityZoneRebalancing is not supported for services that use the DAEMON "
                                      "scheduling strategy.");
    if (az != NULL)
        json_object_set(doc, "availabilityZoneRebalancing", (json_t *)az);
    else if (create)
        json_object_set_new(doc, "availabilityZoneRebalancing", json_string(daemon ? "DISABLED" : "ENABLED"));
    if (create) {
        char root[SETTINGS_PRINCIPAL_MAX + 1];
        settings_root(ctx, root);
        json_object_set_new(doc, "createdBy", json_string(root));
        json_object_set_new(doc, "resourceManagementType", json_string("CUSTOMER"));
    }
    return 0;
}

void service_config_to_deployment(const json_t *doc, json_t *dep)
{
    static const char *const from_service[] = {"launchType", "capacityProviderStrategy", "platformVersion",
                                               "platformFamily", "networkConfiguration"};
    for (size_t i = 0; i < sizeof from_service / sizeof from_service[0]; i++) {
        const json_t *v = json_object_get(doc, from_service[i]);
        if (v != NULL)
            json_object_set_new(dep, from_service[i], json_deep_copy(v));
        else
            json_object_del(dep, from_service[i]);
    }
    const json_t *keep = json_object_get(json_object_get(doc, "_ecsd"), "deploy");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)keep, k, v)
        json_object_set_new(dep, k, json_deep_copy(v));
}

const char *service_config_unplaceable(const json_t *doc)
{
    const json_t *lt = json_object_get(doc, "launchType");
    if (str_is(lt, "MANAGED_INSTANCES"))
        return "launchType MANAGED_INSTANCES: ecsd has no managed instances; its tasks run on registered container "
               "instances (launchType EC2)";
    /* Auto Scaling group providers place on their instances (model/task_place_cp.h) */
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(doc, "capacityProviderStrategy"), i, v) {
        const char *cp = json_string_value(json_object_get(v, "capacityProvider"));
        if (cp != NULL && (strcmp(cp, "FARGATE") == 0 || strcmp(cp, "FARGATE_SPOT") == 0))
            return "capacityProviderStrategy: ecsd has no capacity of the capacity providers (FARGATE, FARGATE_SPOT); "
                   "its tasks run on registered container instances (launchType EC2)";
    }
    const json_t *keep = json_object_get(json_object_get(doc, "_ecsd"), "deploy");
    json_array_foreach(json_object_get(keep, "volumeConfigurations"), i, v)
        if (json_object_get(v, "managedEBSVolume") != NULL)
            return "volumeConfigurations: ecsd cannot create the EBS volume of managedEBSVolume";
    return NULL;
}

void service_config_placement(const json_t *doc, const json_t **constraints, const json_t **strategy)
{
    *constraints = json_object_get(doc, "placementConstraints");
    *strategy = json_object_get(doc, "placementStrategy");
}
