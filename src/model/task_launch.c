/* task_launch.c - see task_launch.h. The order of the checks follows
 * what a request names first: the launch target, then what the task
 * definition must allow for it, then networking and volumes. */
#include "model/task_launch.h"

#include <stdio.h>
#include <string.h>

#include "model/cluster.h"

static const json_t *member(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

static bool has_string(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return true;
    return false;
}

static const char *network_mode(const json_t *taskdef)
{
    const char *m = json_string_value(json_object_get(taskdef, "networkMode"));
    return m ? m : "bridge";
}

/* What the definition is compatible with: its compatibilities, or for a
 * record of an older ecsd (none stored) EC2 and, but in awsvpc, EXTERNAL. */
static bool supports(const json_t *taskdef, const char *launch_type)
{
    const json_t *compat = json_object_get(taskdef, "compatibilities");
    if (json_is_array(compat))
        return has_string(compat, launch_type);
    return strcmp(launch_type, "EC2") == 0 ||
           (strcmp(launch_type, "EXTERNAL") == 0 && strcmp(network_mode(taskdef), "awsvpc") != 0);
}

/* True when every provider of the strategy is one of AWS's Fargate ones
 * (today the only providers a cluster can have: model/cluster.c). */
static bool strategy_is_fargate(const json_t *strategy)
{
    size_t i;
    json_t *item;
    json_array_foreach(strategy, i, item) {
        const char *cp = json_string_value(json_object_get(item, "capacityProvider"));
        if (cp == NULL || (strcmp(cp, "FARGATE") != 0 && strcmp(cp, "FARGATE_SPOT") != 0))
            return false;
    }
    return json_array_size(strategy) > 0;
}

static int read_target(const json_t *in, const json_t *cluster_doc, task_launch_t *out, bool *from_default,
                       ecs_error_t *err)
{
    const char *lt = json_string_value(member(in, "launchType"));
    const json_t *strategy = member(in, "capacityProviderStrategy");
    if (lt != NULL && json_array_size(strategy) > 0)
        return ecs_invalid_param(err, "Specifying both a launch type and capacity provider strategy is not "
                                      "supported. Remove one and try again.");
    *from_default = false;
    if (json_array_size(strategy) > 0) {
        if (cluster_strategy_read(strategy, json_object_get(cluster_doc, "capacityProviders"),
                                  "capacityProviderStrategy", &out->strategy, err) < 0)
            return -1;
    } else if (lt == NULL && json_array_size(json_object_get(cluster_doc, "defaultCapacityProviderStrategy")) > 0) {
        /* ECS's rule: neither given, the cluster's default strategy is used */
        out->strategy = json_deep_copy(json_object_get(cluster_doc, "defaultCapacityProviderStrategy"));
        *from_default = true;
    }
    if (out->strategy != NULL)
        out->launch_type = strategy_is_fargate(out->strategy) ? "FARGATE" : "EC2";
    else if (lt != NULL && strcmp(lt, "FARGATE") == 0)
        out->launch_type = "FARGATE";
    else if (lt != NULL && strcmp(lt, "EXTERNAL") == 0)
        out->launch_type = "EXTERNAL";
    else if (lt == NULL || strcmp(lt, "EC2") == 0)
        out->launch_type = "EC2";
    else /* MANAGED_INSTANCES and whatever the model adds later */
        return ecs_invalid_param(err, "launchType %.40s is not supported by ecsd: use EC2, EXTERNAL or FARGATE.", lt);
    return 0;
}

static int check_platform_version(const json_t *in, const char *launch_type, const char **out, ecs_error_t *err)
{
    const char *pv = json_string_value(member(in, "platformVersion"));
    *out = pv;
    if (pv == NULL)
        return 0;
    if (strcmp(launch_type, "FARGATE") != 0)
        return ecs_invalid_param(err, "The platform version must be null when specifying an %s launch type.",
                                 launch_type);
    static const char *const known[] = {"LATEST", "1.4.0", "1.3.0"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(pv, known[i]) == 0)
            return 0;
    return ecs_invalid_param(err, "platformVersion '%.40s' does not exist: Fargate's Linux platform versions are "
                                  "LATEST, 1.4.0 and 1.3.0.", pv);
}

static int check_network(const json_t *in, const json_t *taskdef, const char *launch_type, ecs_error_t *err)
{
    const json_t *nc = member(in, "networkConfiguration");
    const json_t *vpc = member(nc, "awsvpcConfiguration");
    if (strcmp(network_mode(taskdef), "awsvpc") != 0) {
        if (vpc != NULL)
            return ecs_invalid_param(err, "Network Configuration is not valid for the given networkMode of this "
                                          "task definition.");
        return 0;
    }
    if (vpc == NULL)
        return ecs_invalid_param(err, "Network Configuration must be provided when networkMode 'awsvpc' is "
                                      "specified.");
    size_t subnets = json_array_size(json_object_get(vpc, "subnets"));
    if (subnets == 0)
        return ecs_invalid_param(err, "subnets can not be empty.");
    if (subnets > 16)
        return ecs_invalid_param(err, "subnets can have at most 16 items.");
    if (json_array_size(json_object_get(vpc, "securityGroups")) > 5)
        return ecs_invalid_param(err, "securityGroups can have at most 5 items.");
    const char *pub = json_string_value(member(vpc, "assignPublicIp"));
    if (pub != NULL && strcmp(pub, "ENABLED") == 0 && strcmp(launch_type, "FARGATE") != 0)
        return ecs_invalid_param(err, "Assign public IP is not supported for this launch type.");
    return 0;
}

/* volumeConfigurations: each names a volume of the definition that is
 * configuredAtLaunch. Returns the first name, or NULL when there is none. */
static int check_volumes(const json_t *in, const json_t *taskdef, const char **first, ecs_error_t *err)
{
    *first = NULL;
    size_t i;
    json_t *vc;
    json_array_foreach(member(in, "volumeConfigurations"), i, vc) {
        const char *name = json_string_value(json_object_get(vc, "name"));
        bool found = false;
        size_t j;
        json_t *v;
        json_array_foreach(json_object_get(taskdef, "volumes"), j, v) {
            const char *vn = json_string_value(json_object_get(v, "name"));
            if (name != NULL && vn != NULL && strcmp(vn, name) == 0 &&
                json_is_true(json_object_get(v, "configuredAtLaunch")))
                found = true;
        }
        if (!found)
            return ecs_invalid_param(err, "Volume configuration provided but no matching configuredAtLaunch volume "
                                          "found in task definition.");
        if (*first == NULL)
            *first = name;
    }
    return 0;
}

int task_launch_read(const json_t *in, bool run_task, const json_t *cluster_doc, const json_t *taskdef,
                     task_launch_t *out, ecs_error_t *err)
{
    *out = (task_launch_t){.launch_type = "EC2"};
    bool from_default = false;
    if (run_task && read_target(in, cluster_doc, out, &from_default, err) < 0)
        return -1;
    if (!supports(taskdef, out->launch_type))
        return ecs_invalid_param(err, "Task definition does not support launch_type %s.", out->launch_type);
    if (run_task && check_platform_version(in, out->launch_type, &out->platform_version, err) < 0)
        return -1;
    if (check_network(in, taskdef, out->launch_type, err) < 0)
        return -1;
    const char *ebs = NULL;
    if (check_volumes(in, taskdef, &ebs, err) < 0)
        return -1;
    out->group = json_string_value(member(in, "group"));
    if (out->group != NULL && (strlen(out->group) == 0 || strlen(out->group) > TASK_GROUP_MAX))
        return ecs_invalid_param(err, "group: from 1 to %d characters.", TASK_GROUP_MAX);
    out->reference_id = json_string_value(member(in, "referenceId"));
    if (out->reference_id != NULL && strlen(out->reference_id) > TASK_REFERENCE_ID_MAX)
        return ecs_invalid_param(err, "referenceId: at most %d characters.", TASK_REFERENCE_ID_MAX);
    out->network = member(in, "networkConfiguration");
    out->execute_command = json_is_true(member(in, "enableExecuteCommand"));

    /* FARGATE (by launchType or the FARGATE providers) runs on the
     * cluster's instances that offer Fargate capacity (model/fargate.h) */
    (void)from_default;
    if (ebs != NULL) {
        out->fail_reason = "VOLUME_CONFIGURATION";
        snprintf(out->fail_detail, sizeof out->fail_detail,
                 "volumeConfigurations: volume %.255s asks for an Amazon EBS volume configured at launch, which "
                 "ecsd cannot make (there is no EBS here).",
                 ebs);
    }
    return 0;
}

void task_launch_clear(task_launch_t *l)
{
    json_decref(l->strategy);
    l->strategy = NULL;
}
