/* taskdef_check.c - RegisterTaskDefinition: the checks of today's members
 * that taskdef_validate.c does not make (model/taskdef_validate.h): health
 * checks, container dependencies, start and stop timeouts, port mapping
 * names and ranges, port mappings against the network mode, volumes'
 * configurations, ulimits, Linux parameters, ephemeral storage.
 *
 * Runs after the 2015 checks, so names are valid and unique, and every
 * mountPoints / volumesFrom reference names a volume / another container.
 * The model checker (api/validate.c) has checked JSON types, enums and
 * required members; these checks still look at types, as the request may
 * come from elsewhere (unit tests, fuzzers). Every fault is a
 * ClientException whose message names the member, in the words ECS uses
 * where they are known ("When networkMode=awsvpc, the host ports and
 * container ports in port mappings must match.").
 */
#include "model/taskdef_validate.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RANGES 100 /* containerPortRange entries per container */

typedef struct chk {
    const json_t *in;
    const json_t *defs;
    const char *mode;  /* networkMode, default bridge */
    bool fargate;      /* requiresCompatibilities has FARGATE */
} chk_t;

__attribute__((format(printf, 4, 5))) static int bad(ecs_error_t *err, const char *field, const char *cname,
                                                     const char *fmt, ...)
{
    char detail[ECS_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return ecs_client_err(err, "Invalid '%s' setting for container '%s'. %s", field, cname, detail);
}

static const json_t *member(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(member(obj, key));
}

/* An optional integer member within lo..hi: 0 fine or absent, -1 (err
 * filled) otherwise. */
static int int_range(const json_t *obj, const char *key, long long lo, long long hi, const char *field,
                     const char *cname, const char *unit, ecs_error_t *err)
{
    const json_t *v = member(obj, key);
    if (v == NULL)
        return 0;
    if (!json_is_integer(v))
        return bad(err, field, cname, "%s must be an integer from %lld to %lld%s.", key, lo, hi, unit);
    long long n = json_integer_value(v);
    if (n < lo || n > hi)
        return bad(err, field, cname, "%s must be from %lld to %lld%s (got %lld).", key, lo, hi, unit, n);
    return 0;
}

static const json_t *container_named(const chk_t *k, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(k->defs, i, c)
        if (name != NULL && json_is_string(json_object_get(c, "name")) &&
            strcmp(json_string_value(json_object_get(c, "name")), name) == 0)
            return c;
    return NULL;
}

static bool essential(const json_t *c)
{
    const json_t *e = member(c, "essential");
    return e == NULL || json_is_true(e);
}

/* ---- healthCheck ---------------------------------------------------------- */

static int check_health(const json_t *c, const char *cname, ecs_error_t *err)
{
    const json_t *hc = member(c, "healthCheck");
    if (hc == NULL)
        return 0;
    if (!json_is_object(hc))
        return bad(err, "healthCheck", cname, "It must be an object.");
    const json_t *cmd = member(hc, "command");
    if (!json_is_array(cmd) || json_array_size(cmd) == 0)
        return bad(err, "healthCheck", cname, "command must be a non-empty list of strings.");
    size_t i;
    json_t *v;
    json_array_foreach(cmd, i, v)
        if (!json_is_string(v))
            return bad(err, "healthCheck", cname, "command must be a list of strings.");
    const char *first = json_string_value(json_array_get(cmd, 0));
    if (strcmp(first, "CMD") != 0 && strcmp(first, "CMD-SHELL") != 0 && strcmp(first, "NONE") != 0)
        return bad(err, "healthCheck", cname,
                   "command must start with CMD, CMD-SHELL or NONE (got '%.64s').", first);
    if ((strcmp(first, "CMD") == 0 || strcmp(first, "CMD-SHELL") == 0) && json_array_size(cmd) < 2)
        return bad(err, "healthCheck", cname, "command %s needs the command to run after it.", first);
    if (int_range(hc, "interval", 5, 300, "healthCheck", cname, " seconds", err) < 0 ||
        int_range(hc, "timeout", 2, 60, "healthCheck", cname, " seconds", err) < 0 ||
        int_range(hc, "retries", 1, 10, "healthCheck", cname, "", err) < 0 ||
        int_range(hc, "startPeriod", 0, 300, "healthCheck", cname, " seconds", err) < 0)
        return -1;
    return 0;
}

/* ---- dependsOn, startTimeout, stopTimeout ---------------------------------- */

static int check_depends(const chk_t *k, const json_t *c, const char *cname, ecs_error_t *err)
{
    const json_t *deps = member(c, "dependsOn");
    if (deps != NULL && !json_is_array(deps))
        return bad(err, "dependsOn", cname, "It must be a list of container dependencies.");
    size_t i;
    json_t *d;
    json_array_foreach(deps, i, d) {
        const char *target = str(d, "containerName"), *cond = str(d, "condition");
        if (target == NULL || target[0] == '\0')
            return bad(err, "dependsOn", cname, "containerName should not be null or empty.");
        const json_t *t = container_named(k, target);
        if (t == NULL)
            return bad(err, "dependsOn", cname, "containerName '%.255s' is not a container of this task definition.",
                       target);
        if (t == c)
            return bad(err, "dependsOn", cname, "A container cannot depend on itself.");
        if (cond == NULL)
            return bad(err, "dependsOn", cname, "condition is required (START, COMPLETE, SUCCESS or HEALTHY).");
        if (strcmp(cond, "START") != 0 && strcmp(cond, "COMPLETE") != 0 && strcmp(cond, "SUCCESS") != 0 &&
            strcmp(cond, "HEALTHY") != 0)
            return bad(err, "dependsOn", cname, "condition must be START, COMPLETE, SUCCESS or HEALTHY (got '%.40s').",
                       cond);
        if (strcmp(cond, "HEALTHY") == 0 && member(t, "healthCheck") == NULL)
            return bad(err, "dependsOn", cname,
                       "condition HEALTHY needs a healthCheck in container '%.255s', which has none.", target);
        if ((strcmp(cond, "COMPLETE") == 0 || strcmp(cond, "SUCCESS") == 0) && essential(t))
            return bad(err, "dependsOn", cname,
                       "condition %s cannot be set on an essential container ('%.255s' is essential).", cond, target);
        for (size_t m = 0; m < i; m++)
            if (json_equal(member(json_array_get(deps, m), "containerName"), member(d, "containerName")))
                return bad(err, "dependsOn", cname, "containerName '%.255s' is listed more than once.", target);
    }
    long long hi = k->fargate ? 120 : 86400;
    long long lo = k->fargate ? 2 : 0;
    if (int_range(c, "startTimeout", lo, hi, "startTimeout", cname, " seconds", err) < 0 ||
        int_range(c, "stopTimeout", lo, hi, "stopTimeout", cname, " seconds", err) < 0)
        return -1;
    return 0;
}

/* dependsOn must not form a cycle (the containers would wait forever). */
enum { UNSEEN, ON_PATH, DONE };

static int dep_visit(const chk_t *k, size_t i, unsigned char *state, ecs_error_t *err)
{
    const json_t *c = json_array_get(k->defs, i);
    state[i] = ON_PATH;
    size_t j;
    json_t *d;
    json_array_foreach(member(c, "dependsOn"), j, d) {
        const json_t *t = container_named(k, str(d, "containerName"));
        size_t ti;
        for (ti = 0; ti < json_array_size(k->defs) && json_array_get(k->defs, ti) != t; ti++)
            ;
        if (ti == json_array_size(k->defs))
            continue;
        if (state[ti] == ON_PATH)
            return bad(err, "dependsOn", str(c, "name"),
                       "containerName '%.255s' makes the containers depend on each other in a cycle.",
                       str(d, "containerName"));
        if (state[ti] == UNSEEN && dep_visit(k, ti, state, err) < 0)
            return -1;
    }
    state[i] = DONE;
    return 0;
}

/* ---- portMappings ----------------------------------------------------------- */

/* "A-B" with 1 <= A < B <= 65535. */
static bool parse_range(const char *s, long *a, long *b)
{
    char *end;
    if (s == NULL || s[0] < '0' || s[0] > '9')
        return false;
    *a = strtol(s, &end, 10);
    if (*end != '-' || end[1] < '0' || end[1] > '9')
        return false;
    *b = strtol(end + 1, &end, 10);
    return *end == '\0' && *a >= 1 && *b <= 65535 && *a < *b;
}

/* A port mapping name: up to 64 of [a-z0-9_-], not starting with a hyphen. */
static bool port_name_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 64 && s[0] != '-' && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static int check_ports(const chk_t *k, const json_t *c, const char *cname, ecs_error_t *err)
{
    const json_t *pms = member(c, "portMappings");
    long lo[MAX_RANGES], hi[MAX_RANGES];
    int nr = 0;
    bool strict = strcmp(k->mode, "awsvpc") == 0 || strcmp(k->mode, "host") == 0;
    size_t i;
    json_t *pm;
    json_array_foreach(pms, i, pm) {
        const json_t *range = member(pm, "containerPortRange");
        const json_t *cport = member(pm, "containerPort"), *hport = member(pm, "hostPort");
        if (range != NULL) {
            long a, b;
            if (!parse_range(json_string_value(range), &a, &b))
                return bad(err, "portMappings", cname,
                           "containerPortRange '%.40s' must be two ports from 1 to 65535, the first less than the "
                           "last (e.g. \"8000-8010\").",
                           json_is_string(range) ? json_string_value(range) : "(not a string)");
            if (cport != NULL)
                return bad(err, "portMappings", cname,
                           "containerPort and containerPortRange cannot both be given in one port mapping.");
            if (hport != NULL)
                return bad(err, "portMappings", cname,
                           "hostPort cannot be given with containerPortRange (the host ports are chosen).");
            if (strcmp(k->mode, "bridge") != 0 && strcmp(k->mode, "awsvpc") != 0)
                return bad(err, "portMappings", cname,
                           "containerPortRange needs networkMode bridge or awsvpc (the task has %s).", k->mode);
            if (nr == MAX_RANGES)
                return bad(err, "portMappings", cname, "At most %d containerPortRange entries are allowed.",
                           MAX_RANGES);
            for (int r = 0; r < nr; r++)
                if (a <= hi[r] && lo[r] <= b)
                    return bad(err, "portMappings", cname,
                               "containerPortRange %ld-%ld overlaps %ld-%ld.", a, b, lo[r], hi[r]);
            lo[nr] = a;
            hi[nr++] = b;
        } else if (strict && cport != NULL && hport != NULL && json_integer_value(hport) != 0 &&
                   !json_equal(cport, hport)) {
            return ecs_client_err(err, "When networkMode=%s, the host ports and container ports in port mappings "
                                       "must match.",
                                  k->mode);
        }
        const json_t *name = member(pm, "name");
        if (name != NULL) {
            if (!json_is_string(name) || !port_name_ok(json_string_value(name)))
                return bad(err, "portMappings", cname,
                           "name '%.64s' must be 1 to 64 lowercase letters, numbers, underscores and hyphens, not "
                           "starting with a hyphen.",
                           json_is_string(name) ? json_string_value(name) : "(not a string)");
            /* unique across the task definition */
            size_t ci, pi;
            json_t *oc, *op;
            json_array_foreach(k->defs, ci, oc) json_array_foreach(member(oc, "portMappings"), pi, op) {
                if (op == pm)
                    goto next;
                if (json_equal(member(op, "name"), name))
                    return bad(err, "portMappings", cname,
                               "name '%s' is used by more than one port mapping of the task definition.",
                               json_string_value(name));
            }
        }
    next:;
    }
    /* each single port once per container, and not inside a range */
    json_array_foreach(pms, i, pm) {
        const json_t *cport = member(pm, "containerPort");
        if (!json_is_integer(cport))
            continue;
        json_int_t p = json_integer_value(cport);
        for (int r = 0; r < nr; r++)
            if (p >= lo[r] && p <= hi[r])
                return bad(err, "portMappings", cname,
                           "containerPort %" JSON_INTEGER_FORMAT " is also in containerPortRange %ld-%ld.", p, lo[r],
                           hi[r]);
    }
    return 0;
}

/* ---- ulimits, linuxParameters, memoryReservation ----------------------------- */

static int check_ulimits(const json_t *c, const char *cname, ecs_error_t *err)
{
    const json_t *list = member(c, "ulimits");
    size_t i;
    json_t *u;
    json_array_foreach(list, i, u) {
        const char *name = str(u, "name");
        const json_t *soft = member(u, "softLimit"), *hard = member(u, "hardLimit");
        if (name == NULL)
            return bad(err, "ulimits", cname, "name is required.");
        if (!json_is_integer(soft) || !json_is_integer(hard))
            return bad(err, "ulimits", cname, "%s needs an integer softLimit and hardLimit.", name);
        if (json_integer_value(soft) < 0 || json_integer_value(hard) < 0)
            return bad(err, "ulimits", cname, "%s: softLimit and hardLimit cannot be negative.", name);
        if (json_integer_value(soft) > json_integer_value(hard))
            return bad(err, "ulimits", cname, "%s: softLimit %" JSON_INTEGER_FORMAT
                                              " is more than hardLimit %" JSON_INTEGER_FORMAT ".",
                       name, json_integer_value(soft), json_integer_value(hard));
        for (size_t m = 0; m < i; m++)
            if (json_equal(member(json_array_get(list, m), "name"), member(u, "name")))
                return bad(err, "ulimits", cname, "%s is given more than once.", name);
    }
    return 0;
}

static int check_linux(const chk_t *k, const json_t *c, const char *cname, ecs_error_t *err)
{
    const json_t *lp = member(c, "linuxParameters");
    if (lp == NULL)
        return 0;
    if (k->fargate) {
        static const char *const not_on_fargate[] = {"devices", "maxSwap", "swappiness", "tmpfs", "sharedMemorySize"};
        for (size_t i = 0; i < sizeof not_on_fargate / sizeof not_on_fargate[0]; i++)
            if (member(lp, not_on_fargate[i]) != NULL)
                return bad(err, "linuxParameters", cname, "%s is not supported on Fargate.", not_on_fargate[i]);
    }
    if (int_range(lp, "maxSwap", 0, INT32_MAX, "linuxParameters", cname, " MiB", err) < 0 ||
        int_range(lp, "swappiness", 0, 100, "linuxParameters", cname, "", err) < 0 ||
        int_range(lp, "sharedMemorySize", 1, INT32_MAX, "linuxParameters", cname, " MiB", err) < 0)
        return -1;
    if (member(lp, "swappiness") != NULL && member(lp, "maxSwap") == NULL)
        return bad(err, "linuxParameters", cname, "swappiness needs maxSwap.");
    size_t i;
    json_t *t;
    json_array_foreach(member(lp, "tmpfs"), i, t) {
        const char *path = str(t, "containerPath");
        if (path == NULL || path[0] != '/')
            return bad(err, "linuxParameters", cname, "tmpfs containerPath must be an absolute path.");
        if (int_range(t, "size", 1, INT32_MAX, "linuxParameters", cname, " MiB (tmpfs size)", err) < 0)
            return -1;
        if (member(t, "size") == NULL)
            return bad(err, "linuxParameters", cname, "tmpfs size is required.");
    }
    json_array_foreach(member(lp, "devices"), i, t) {
        const char *path = str(t, "hostPath");
        if (path == NULL || path[0] != '/')
            return bad(err, "linuxParameters", cname, "devices hostPath must be an absolute path.");
    }
    return 0;
}

static int check_memory(const json_t *c, const char *cname, ecs_error_t *err)
{
    const json_t *mem = member(c, "memory"), *res = member(c, "memoryReservation");
    if (res == NULL)
        return 0;
    if (!json_is_integer(res) || json_integer_value(res) < 1)
        return bad(err, "memoryReservation", cname, "It must be a positive integer number of MiB.");
    if (json_is_integer(mem) && json_integer_value(res) > json_integer_value(mem))
        return bad(err, "memoryReservation", cname,
                   "memoryReservation %" JSON_INTEGER_FORMAT " MiB must not be more than memory %" JSON_INTEGER_FORMAT
                   " MiB.",
                   json_integer_value(res), json_integer_value(mem));
    return 0;
}

static int check_network(const chk_t *k, const json_t *c, const char *cname, ecs_error_t *err)
{
    const json_t *links = member(c, "links");
    if (json_array_size(links) > 0 && (strcmp(k->mode, "awsvpc") == 0 || strcmp(k->mode, "host") == 0))
        return ecs_client_err(err, "Links are not supported when networkMode=%s. Container '%s' has links.", k->mode,
                              cname);
    return 0;
}

/* ---- volumes and ephemeralStorage ------------------------------------------ */

static int check_volume(const json_t *v, ecs_error_t *err)
{
    const char *name = str(v, "name");
    name = name ? name : "?";
    static const char *const kinds[] = {"host", "dockerVolumeConfiguration", "efsVolumeConfiguration",
                                        "fsxWindowsFileServerVolumeConfiguration", "s3filesVolumeConfiguration"};
    const char *have = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (member(v, kinds[i]) == NULL)
            continue;
        if (have != NULL)
            return ecs_client_err(err, "Invalid 'volumes' setting for volume '%s'. Only one of %s and %s can be given.",
                                  name, have, kinds[i]);
        have = kinds[i];
    }
    if (have != NULL && json_is_true(member(v, "configuredAtLaunch")))
        return ecs_client_err(err, "Invalid 'volumes' setting for volume '%s'. configuredAtLaunch cannot be true "
                                   "with %s.",
                              name, have);
    const json_t *dvc = member(v, "dockerVolumeConfiguration");
    if (dvc != NULL) {
        const char *scope = str(dvc, "scope");
        if (json_is_true(member(dvc, "autoprovision")) && (scope == NULL || strcmp(scope, "shared") != 0))
            return ecs_client_err(err, "Invalid 'dockerVolumeConfiguration' setting for volume '%s'. autoprovision can "
                                       "only be true when scope is shared.",
                                  name);
    }
    const json_t *efs = member(v, "efsVolumeConfiguration");
    if (efs != NULL) {
        const char *fs = str(efs, "fileSystemId"), *te = str(efs, "transitEncryption");
        bool encrypted = te != NULL && strcmp(te, "ENABLED") == 0;
        const json_t *auth = member(efs, "authorizationConfig");
        const char *iam = str(auth, "iam");
        if (fs == NULL || fs[0] == '\0')
            return ecs_client_err(err, "Invalid 'efsVolumeConfiguration' setting for volume '%s'. fileSystemId is "
                                       "required.",
                                  name);
        if (member(efs, "transitEncryptionPort") != NULL && !encrypted)
            return ecs_client_err(err, "Invalid 'efsVolumeConfiguration' setting for volume '%s'. "
                                       "transitEncryptionPort needs transitEncryption ENABLED.",
                                  name);
        if (((iam != NULL && strcmp(iam, "ENABLED") == 0) || member(auth, "accessPointId") != NULL) && !encrypted)
            return ecs_client_err(err, "Invalid 'efsVolumeConfiguration' setting for volume '%s'. authorizationConfig "
                                       "(iam or accessPointId) needs transitEncryption ENABLED.",
                                  name);
        const char *root = str(efs, "rootDirectory");
        if (member(auth, "accessPointId") != NULL && root != NULL && strcmp(root, "/") != 0 && root[0] != '\0')
            return ecs_client_err(err, "Invalid 'efsVolumeConfiguration' setting for volume '%s'. rootDirectory must "
                                       "be omitted or \"/\" with an accessPointId.",
                                  name);
    }
    return 0;
}

static int check_task(const chk_t *k, ecs_error_t *err)
{
    const json_t *es = member(k->in, "ephemeralStorage");
    if (es != NULL) {
        const json_t *size = member(es, "sizeInGiB");
        if (!json_is_integer(size) || json_integer_value(size) < 21 || json_integer_value(size) > 200)
            return ecs_client_err(err, "Invalid 'ephemeralStorage' setting. sizeInGiB must be from 21 to 200 GiB.");
    }
    size_t i;
    json_t *v;
    json_array_foreach(member(k->in, "volumes"), i, v)
        if (check_volume(v, err) < 0)
            return -1;
    return 0;
}

int taskdef_check_modern(const json_t *in, ecs_error_t *err)
{
    chk_t k = {.in = in, .defs = member(in, "containerDefinitions"), .mode = str(in, "networkMode")};
    if (k.mode == NULL)
        k.mode = "bridge";
    size_t i;
    json_t *v;
    json_array_foreach(member(in, "requiresCompatibilities"), i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), "FARGATE") == 0)
            k.fargate = true;
    if (check_task(&k, err) < 0)
        return -1;
    json_array_foreach(k.defs, i, v) {
        const char *cname = str(v, "name");
        if (check_memory(v, cname, err) < 0 || check_health(v, cname, err) < 0 ||
            check_depends(&k, v, cname, err) < 0 || check_ports(&k, v, cname, err) < 0 ||
            check_ulimits(v, cname, err) < 0 || check_linux(&k, v, cname, err) < 0 ||
            check_network(&k, v, cname, err) < 0)
            return -1;
    }
    unsigned char state[TASKDEF_MAX_CONTAINERS] = {0};
    for (i = 0; i < json_array_size(k.defs) && i < TASKDEF_MAX_CONTAINERS; i++)
        if (state[i] == UNSEEN && dep_visit(&k, i, state, err) < 0)
            return -1;
    return 0;
}
