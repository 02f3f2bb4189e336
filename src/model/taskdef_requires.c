/* taskdef_requires.c - the requiresAttributes ECS adds to a task definition
 * at registration: one attribute per capability the members used need of a
 * container instance (model/taskdef_validate.h). Placement checks them
 * against the attributes agents register (model/attributes.h; the ecsd
 * agent names them in src/agent/agent_caps.c), failing with reason
 * ATTRIBUTE when an instance lacks one.
 *
 * The names and which member needs which are ECS's, read from what ECS
 * answers for such task definitions and from the API reference's notes
 * ("This parameter requires version 1.18 of the Docker Remote API"):
 *
 *   dockerLabels, ulimits, logConfiguration           docker-remote-api.1.18
 *   logConfiguration.options                          docker-remote-api.1.19
 *   logConfiguration.options.mode                     docker-remote-api.1.28
 *   memoryReservation                                 docker-remote-api.1.21
 *   healthCheck                                       docker-remote-api.1.24, container-health-check
 *   healthCheck.startPeriod                           docker-remote-api.1.29
 *   linuxParameters.initProcessEnabled                docker-remote-api.1.25
 *   dockerVolumeConfiguration                         docker-remote-api.1.25 (+ docker-plugin.DRIVER
 *                                                     for a driver other than local)
 *   logConfiguration.logDriver D                      logging-driver.D
 *   dependsOn, startTimeout, stopTimeout              container-ordering
 *   privileged                                        privileged-container
 *   taskRoleArn                                       task-iam-role (+ task-iam-role-network-host in host mode)
 *   executionRoleArn with awslogs / an ECR image      execution-role-awslogs / execution-role-ecr-pull
 *   an ECR image                                      ecr-auth
 *   secrets, secretOptions                            secrets.ssm|asm.environment-variables|bootstrap.log-driver
 *   environmentFiles                                  env-files.s3
 *   repositoryCredentials                             private-registry-authentication.secretsmanager
 *   firelensConfiguration                             firelens.fluentbit|fluentd
 *   networkMode awsvpc                                task-eni
 *   pidMode, ipcMode                                  pid-ipc-namespace-sharing
 *   proxyConfiguration                                aws-appmesh
 *   efs volumes (IAM authorisation)                   efs (efsAuth)
 *   restartPolicy enabled                             container-restart-policy
 *   portMappings containerPortRange                   network.container-port-range
 *   dockerSecurityOptions label: / apparmor:          selinux / apparmor
 *
 * ECS lists them in no particular order; ecsd keeps the order above, each
 * name once. */
#include "model/taskdef_validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define CAP "com.amazonaws.ecs.capability."
#define ATTR "ecs.capability."

static void need(json_t *list, const char *prefix, const char *name)
{
    char full[192];
    snprintf(full, sizeof full, "%s%s", prefix, name);
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a)
        if (strcmp(json_string_value(json_object_get(a, "name")), full) == 0)
            return;
    json_array_append_new(list, json_pack("{s:s}", "name", full));
}

static bool given(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return v != NULL && !json_is_null(v) && !(json_is_array(v) && json_array_size(v) == 0) &&
           !(json_is_object(v) && json_object_size(v) == 0);
}

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* An image of a private ECR registry: ACCOUNT.dkr.ecr.REGION.amazonaws.com/... */
static bool ecr_image(const char *image)
{
    if (image == NULL)
        return false;
    size_t digits = 0;
    while (isdigit((unsigned char)image[digits]))
        digits++;
    const char *slash = strchr(image, '/');
    const char *host_end = slash ? slash : image + strlen(image);
    const char *amazon = strstr(image, ".amazonaws.com");
    return digits == 12 && strncmp(image + 12, ".dkr.ecr.", 9) == 0 && amazon != NULL && amazon < host_end;
}

/* A secret's source: Secrets Manager when its ARN says so, else Parameter Store. */
static const char *secret_store(const json_t *secret)
{
    const char *from = str(secret, "valueFrom");
    return from != NULL && strstr(from, ":secretsmanager:") != NULL ? "asm" : "ssm";
}

static void secrets_need(json_t *list, const json_t *secrets, const char *what)
{
    size_t i;
    json_t *s;
    json_array_foreach(secrets, i, s) {
        char name[96];
        snprintf(name, sizeof name, "secrets.%s.%s", secret_store(s), what);
        need(list, ATTR, name);
    }
}

static void container_needs(json_t *list, const json_t *td, const json_t *c)
{
    bool exec_role = given(td, "executionRoleArn");
    if (given(c, "dockerLabels") || given(c, "ulimits"))
        need(list, CAP, "docker-remote-api.1.18");
    if (given(c, "memoryReservation"))
        need(list, CAP, "docker-remote-api.1.21");
    if (json_is_true(json_object_get(c, "privileged")))
        need(list, CAP, "privileged-container");
    const json_t *lc = json_object_get(c, "logConfiguration");
    const char *driver = str(lc, "logDriver");
    if (driver != NULL) {
        char name[96];
        snprintf(name, sizeof name, "logging-driver.%s", driver);
        need(list, CAP, "docker-remote-api.1.18");
        need(list, CAP, name);
        if (given(lc, "options"))
            need(list, CAP, "docker-remote-api.1.19");
        if (json_object_get(json_object_get(lc, "options"), "mode") != NULL)
            need(list, CAP, "docker-remote-api.1.28");
        if (strcmp(driver, "awslogs") == 0 && exec_role)
            need(list, ATTR, "execution-role-awslogs");
        secrets_need(list, json_object_get(lc, "secretOptions"), "bootstrap.log-driver");
    }
    const json_t *hc = json_object_get(c, "healthCheck");
    if (json_is_object(hc)) {
        need(list, CAP, "docker-remote-api.1.24");
        need(list, ATTR, "container-health-check");
        if (json_object_get(hc, "startPeriod") != NULL)
            need(list, CAP, "docker-remote-api.1.29");
    }
    if (json_is_true(json_object_get(json_object_get(c, "linuxParameters"), "initProcessEnabled")))
        need(list, CAP, "docker-remote-api.1.25");
    if (given(c, "dependsOn") || given(c, "startTimeout") || given(c, "stopTimeout"))
        need(list, ATTR, "container-ordering");
    if (ecr_image(str(c, "image"))) {
        need(list, CAP, "ecr-auth");
        if (exec_role)
            need(list, ATTR, "execution-role-ecr-pull");
    }
    secrets_need(list, json_object_get(c, "secrets"), "environment-variables");
    if (given(c, "environmentFiles"))
        need(list, ATTR, "env-files.s3");
    if (given(c, "repositoryCredentials"))
        need(list, CAP, "private-registry-authentication.secretsmanager");
    const char *firelens = str(json_object_get(c, "firelensConfiguration"), "type");
    if (firelens != NULL) {
        char name[64];
        snprintf(name, sizeof name, "firelens.%s", firelens);
        need(list, ATTR, name);
    }
    if (json_is_true(json_object_get(json_object_get(c, "restartPolicy"), "enabled")))
        need(list, ATTR, "container-restart-policy");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(c, "portMappings"), i, v)
        if (given(v, "containerPortRange"))
            need(list, ATTR, "network.container-port-range");
    json_array_foreach(json_object_get(c, "dockerSecurityOptions"), i, v) {
        const char *opt = json_string_value(v);
        if (opt != NULL && strncmp(opt, "label", 5) == 0)
            need(list, CAP, "selinux");
        else if (opt != NULL && strncmp(opt, "apparmor", 8) == 0)
            need(list, CAP, "apparmor");
    }
}

static void volume_needs(json_t *list, const json_t *vol)
{
    const json_t *dvc = json_object_get(vol, "dockerVolumeConfiguration");
    if (json_is_object(dvc)) {
        need(list, CAP, "docker-remote-api.1.25");
        const char *driver = str(dvc, "driver");
        if (driver != NULL && driver[0] != '\0' && strcmp(driver, "local") != 0) {
            char name[128];
            snprintf(name, sizeof name, "docker-plugin.%s", driver);
            need(list, ATTR, name);
        }
    }
    const json_t *efs = json_object_get(vol, "efsVolumeConfiguration");
    if (json_is_object(efs)) {
        need(list, ATTR, "efs");
        const char *iam = str(json_object_get(efs, "authorizationConfig"), "iam");
        if (iam != NULL && strcmp(iam, "ENABLED") == 0)
            need(list, ATTR, "efsAuth");
    }
    if (json_is_object(json_object_get(vol, "fsxWindowsFileServerVolumeConfiguration")))
        need(list, ATTR, "fsxWindowsFileServer");
}

json_t *taskdef_requires_attributes(const json_t *td)
{
    json_t *list = json_array();
    if (list == NULL)
        return NULL;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(td, "containerDefinitions"), i, v)
        container_needs(list, td, v);
    json_array_foreach(json_object_get(td, "volumes"), i, v)
        volume_needs(list, v);
    const char *mode = str(td, "networkMode");
    if (given(td, "taskRoleArn")) {
        need(list, CAP, "task-iam-role");
        if (mode != NULL && strcmp(mode, "host") == 0)
            need(list, CAP, "task-iam-role-network-host");
    }
    if (mode != NULL && strcmp(mode, "awsvpc") == 0)
        need(list, ATTR, "task-eni");
    if (given(td, "pidMode") || given(td, "ipcMode"))
        need(list, ATTR, "pid-ipc-namespace-sharing");
    if (given(td, "proxyConfiguration"))
        need(list, ATTR, "aws-appmesh");
    return list;
}
