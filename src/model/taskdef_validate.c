/* taskdef_validate.c - RegisterTaskDefinition: validate the request and
 * build the normalised echo (docs/ecs-behavior.md §3.3, §4.5, Appendix A/B).
 *
 * Order of the checks (the first fault wins): request size, family, the
 * container list, volumes, every container's name, then each container in
 * order, then "at least one essential", then dependency cycles.
 *
 * A member that is absent or JSON null counts as not given. A member of the
 * wrong JSON type is a ClientException naming the field (the generic model
 * checker normally refuses those first).
 */
#include "model/taskdef_validate.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

#define NAME_RULE                                                                  \
    "Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores " \
    "are allowed."

/* What the checks of one request share. */
typedef struct td {
    const json_t *containers;                  /* the request's containerDefinitions */
    size_t n;                                  /* containers whose name is checked */
    const char *names[TASKDEF_MAX_CONTAINERS]; /* their names (point into the request) */
    const json_t *volumes;                     /* the request's volumes, or NULL */
    unsigned char host_ports[2][65536 / 8];    /* non-zero host ports in use: [tcp|udp] */
    bool task_memory;                          /* the task has a memory size of its own */
} td_t;

/* ---- small helpers ------------------------------------------------------ */

static int oom(ecs_error_t *err)
{
    return ecs_server_err(err, "Out of memory while registering the task definition.");
}

/* A member; absent and JSON null both give NULL. */
static const json_t *member(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

/* The text of a string without embedded NUL; NULL for anything else. */
static const char *plain_str(const json_t *v)
{
    if (!json_is_string(v))
        return NULL;
    const char *s = json_string_value(v);
    return strlen(s) == json_string_length(v) ? s : NULL;
}

/* For messages: the text of a string (up to a NUL), or a placeholder. */
static const char *shown(const json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : "(not a string)";
}

/* Absent, JSON null, or "". */
static bool blank(const json_t *v)
{
    return v == NULL || (json_is_string(v) && json_string_length(v) == 0);
}

/* ^[A-Za-z0-9_-]{1,255}$ */
static bool is_name(const char *s)
{
    if (s == NULL)
        return false;
    size_t len = strlen(s);
    if (len < 1 || len > TASKDEF_MAX_NAME)
        return false;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

/* An absolute path of at most TASKDEF_MAX_PATH bytes. */
static bool is_abs_path(const char *s)
{
    return s != NULL && s[0] == '/' && strlen(s) <= TASKDEF_MAX_PATH;
}

/* Optional integer member: 0 if not given (*v untouched), 1 if given, -1 if
 * given but not an integer. */
static int opt_int(const json_t *obj, const char *key, json_int_t *v)
{
    const json_t *j = member(obj, key);
    if (j == NULL)
        return 0;
    if (!json_is_integer(j))
        return -1;
    *v = json_integer_value(j);
    return 1;
}

/* Optional boolean member, same convention as opt_int. */
static int opt_bool(const json_t *obj, const char *key, int *v)
{
    const json_t *j = member(obj, key);
    if (j == NULL)
        return 0;
    if (!json_is_boolean(j))
        return -1;
    *v = json_is_true(j);
    return 1;
}

/* Appends v (stolen) to arr; a NULL v or arr means an allocation failed. */
static int append(json_t *arr, json_t *v, ecs_error_t *err)
{
    if (arr == NULL || v == NULL || json_array_append_new(arr, v) != 0)
        return oom(err);
    return 0;
}

/* ClientException "Invalid '<field>' setting for container '<c>'. <detail>". */
__attribute__((format(printf, 4, 5))) static int bad(ecs_error_t *err, const char *field,
                                                     const char *cname, const char *fmt, ...)
{
    char detail[ECS_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return ecs_client_err(err, "Invalid '%s' setting for container '%s'. %s", field, cname, detail);
}

/* Index of the container called name[0..len), or -1. */
static int find_container(const td_t *td, const char *name, size_t len)
{
    for (size_t i = 0; i < td->n; i++)
        if (strlen(td->names[i]) == len && memcmp(td->names[i], name, len) == 0)
            return (int)i;
    return -1;
}

/* The container a link ("name" or "name:alias") points at, or -1 if the link
 * is malformed, names no container, or names container `self`. */
static int link_target(const td_t *td, size_t self, const json_t *link)
{
    const char *s = plain_str(link);
    if (s == NULL)
        return -1;
    const char *colon = strchr(s, ':');
    if (colon != NULL && !is_name(colon + 1))
        return -1;
    int t = find_container(td, s, colon != NULL ? (size_t)(colon - s) : strlen(s));
    return t == (int)self ? -1 : t;
}

/* The container a volumesFrom entry mounts from, or -1 (unknown or self). */
static int volumes_from_target(const td_t *td, size_t self, const json_t *vf)
{
    const char *s = plain_str(member(vf, "sourceContainer"));
    if (s == NULL)
        return -1;
    int t = find_container(td, s, strlen(s));
    return t == (int)self ? -1 : t;
}

/* ---- volumes ------------------------------------------------------------ */

static int check_volume(const json_t *vols, size_t i, json_t *out, ecs_error_t *err)
{
    const json_t *v = json_array_get(vols, i);
    if (!json_is_object(v))
        return ecs_client_err(err, "Invalid 'volumes' setting. Volume %zu is not an object.",
                              i + 1);

    const json_t *jname = member(v, "name");
    if (blank(jname))
        return ecs_client_err(err, "Volume.name should not be null or empty.");
    const char *name = plain_str(jname);
    if (!is_name(name))
        return ecs_client_err(err, "Invalid volume name '%s'. " NAME_RULE, shown(jname));
    for (size_t k = 0; k < i; k++)
        if (json_equal(jname, member(json_array_get(vols, k), "name")))
            return ecs_client_err(err, "Duplicate volume name: %s", name);

    const json_t *host = member(v, "host");
    json_t *host_echo = NULL;
    if (host != NULL) {
        if (!json_is_object(host))
            return ecs_client_err(err,
                                  "Invalid 'host' setting for volume '%s'. It must be an object.",
                                  name);
        const json_t *sp = member(host, "sourcePath");
        /* "" is the same as no sourcePath: Docker picks the host path. */
        if (sp != NULL && !blank(sp) && !is_abs_path(plain_str(sp)))
            return ecs_client_err(err,
                                  "Invalid 'host' setting for volume '%s'. sourcePath '%s' must be "
                                  "an absolute path of at most %d characters.",
                                  name, shown(sp), TASKDEF_MAX_PATH);
        host_echo = json_pack("{s:o*}", "sourcePath", json_deep_copy(sp));
        if (host_echo == NULL)
            return oom(err);
    }
    return append(out, json_pack("{s:s, s:o*}", "name", name, "host", host_echo), err);
}

static int check_volumes(td_t *td, const json_t *in, json_t *out, ecs_error_t *err)
{
    const json_t *vols = member(in, "volumes");
    if (vols == NULL)
        return 0;
    if (!json_is_array(vols))
        return ecs_client_err(err, "Invalid 'volumes' setting. It must be a list of volumes.");
    td->volumes = vols;
    for (size_t i = 0; i < json_array_size(vols); i++)
        if (check_volume(vols, i, out, err) != 0)
            return -1;
    return 0;
}

static bool volume_declared(const td_t *td, const json_t *name)
{
    for (size_t i = 0; i < json_array_size(td->volumes); i++)
        if (json_equal(name, member(json_array_get(td->volumes, i), "name")))
            return true;
    return false;
}

/* ---- the members of one container ----------------------------------------- */

static int check_image(const json_t *c, const char *cname, const char **image, ecs_error_t *err)
{
    static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789-_:./#@";
    const json_t *j = member(c, "image");
    if (blank(j))
        return ecs_client_err(err, "Container.image should not be null or empty.");
    if (json_is_string(j) && json_string_length(j) > TASKDEF_MAX_IMAGE)
        return bad(err, "image", cname, "The image name must be at most %d characters.",
                   TASKDEF_MAX_IMAGE);
    const char *s = plain_str(j);
    if (s == NULL || strspn(s, allowed) != strlen(s))
        return bad(err, "image", cname,
                   "Image '%s' contains invalid characters: letters, numbers, hyphens, "
                   "underscores, colons, periods, forward slashes, number signs and at signs "
                   "are allowed.",
                   shown(j));
    *image = s;
    return 0;
}

static int check_resources(const json_t *c, const char *cname, bool task_memory, json_int_t *cpu,
                           json_int_t *mem, ecs_error_t *err)
{
    int r = opt_int(c, "memory", mem);
    if (r == 0 && (task_memory || member(c, "memoryReservation") != NULL)) {
        *mem = -1; /* none of its own: the task's size or the reservation bounds it */
        r = 1;
    } else if (r == 0)
        return ecs_client_err(err,
                              "Invalid setting for container '%s'. At least one of 'memory' or "
                              "'memoryReservation' must be specified.",
                              cname);
    if (r < 0)
        return bad(err, "memory", cname, "It must be an integer number of MiB.");
    if (*mem != -1 && *mem < TASKDEF_MIN_MEMORY)
        return bad(err, "memory", cname,
                   "It must be at least %d MiB, Docker's minimum (got %" JSON_INTEGER_FORMAT ").",
                   TASKDEF_MIN_MEMORY, *mem);
    if (*mem > INT32_MAX)
        return bad(err, "memory", cname,
                   "It must be at most %d MiB (got %" JSON_INTEGER_FORMAT ").", INT32_MAX, *mem);

    *cpu = 0;
    r = opt_int(c, "cpu", cpu);
    if (r < 0)
        return bad(err, "cpu", cname, "It must be an integer from 0 to %d.", TASKDEF_MAX_CPU);
    if (*cpu < 0 || *cpu > TASKDEF_MAX_CPU)
        return bad(err, "cpu", cname,
                   "It must be an integer from 0 to %d (got %" JSON_INTEGER_FORMAT ").",
                   TASKDEF_MAX_CPU, *cpu);
    return 0;
}

/* Checks entry k of a container's list member, appending its echo to out. */
typedef int (*entry_fn)(td_t *td, size_t self, const json_t *list, size_t k, json_t *out,
                        ecs_error_t *err);

static int check_port_mapping(td_t *td, size_t self, const json_t *list, size_t k, json_t *out,
                              ecs_error_t *err)
{
    const char *cname = td->names[self];
    const json_t *pm = json_array_get(list, k);
    if (!json_is_object(pm))
        return bad(err, "portMappings", cname, "It must be a list of port mappings.");

    json_int_t cport = 0, hport = 0;
    int r = opt_int(pm, "containerPort", &cport);
    /* a containerPortRange stands for containerPort (taskdef_check.c checks it) */
    bool ranged = member(pm, "containerPortRange") != NULL;
    if (r == 0 && !ranged)
        return bad(err, "portMappings", cname, "containerPort is required.");
    if (r < 0)
        return bad(err, "portMappings", cname, "containerPort must be an integer.");
    if (r > 0 && (cport < 1 || cport > 65535))
        return bad(err, "portMappings", cname,
                   "containerPort must be from 1 to 65535 (got %" JSON_INTEGER_FORMAT ").", cport);

    int has_hport = opt_int(pm, "hostPort", &hport);
    if (has_hport < 0)
        return bad(err, "portMappings", cname, "hostPort must be an integer.");
    if (hport < 0 || hport > 65535)
        return bad(err, "portMappings", cname,
                   "hostPort must be from 0 to 65535 (got %" JSON_INTEGER_FORMAT ").", hport);

    const char *proto = "tcp";
    const json_t *jproto = member(pm, "protocol");
    if (jproto != NULL) {
        proto = plain_str(jproto);
        if (proto == NULL || (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0))
            return bad(err, "portMappings", cname, "protocol must be tcp or udp (got '%s').",
                       shown(jproto));
    }

    if (hport != 0) { /* 0 asks for a dynamic port: never a clash */
        unsigned char *used = td->host_ports[proto[0] == 'u'];
        unsigned char bit = (unsigned char)(1u << (hport % 8));
        if (used[hport / 8] & bit)
            return bad(err, "portMappings", cname,
                       "Host port %" JSON_INTEGER_FORMAT "/%s is mapped more than once in the "
                       "task definition.",
                       hport, proto);
        used[hport / 8] |= bit;
    }

    json_t *jhport = NULL, *jcport = NULL;
    if ((has_hport && (jhport = json_integer(hport)) == NULL) || (r > 0 && (jcport = json_integer(cport)) == NULL)) {
        json_decref(jhport);
        return oom(err);
    }
    return append(out,
                  json_pack("{s:o*, s:o*, s:s}", "containerPort", jcport, "hostPort", jhport,
                            "protocol", proto),
                  err);
}

static int check_environment(td_t *td, size_t self, const json_t *env, size_t k, json_t *out,
                             ecs_error_t *err)
{
    const char *cname = td->names[self];
    const json_t *kv = json_array_get(env, k);
    if (!json_is_object(kv))
        return bad(err, "environment", cname, "It must be a list of name/value pairs.");
    const json_t *name = member(kv, "name"), *value = member(kv, "value");
    if (blank(name))
        return bad(err, "environment", cname, "name should not be null or empty.");
    if (!json_is_string(name))
        return bad(err, "environment", cname, "name must be a string.");
    if (value != NULL && !json_is_string(value))
        return bad(err, "environment", cname, "The value of '%s' must be a string.", shown(name));
    for (size_t m = 0; m < k; m++)
        if (json_equal(name, member(json_array_get(env, m), "name")))
            return bad(err, "environment", cname, "Duplicate environment variable name: %s",
                       shown(name));
    return append(out,
                  json_pack("{s:o, s:o*}", "name", json_deep_copy(name), "value",
                            json_deep_copy(value)),
                  err);
}

static int check_mount_point(td_t *td, size_t self, const json_t *list, size_t k, json_t *out,
                             ecs_error_t *err)
{
    const char *cname = td->names[self];
    const json_t *mp = json_array_get(list, k);
    if (!json_is_object(mp))
        return bad(err, "mountPoints", cname, "It must be a list of mount points.");
    const json_t *vol = member(mp, "sourceVolume"), *path = member(mp, "containerPath");
    if (blank(vol))
        return bad(err, "mountPoints", cname, "sourceVolume should not be null or empty.");
    if (!json_is_string(vol) || !volume_declared(td, vol))
        return ecs_client_err(err, "Unknown volume '%s' referenced by container '%s'.", shown(vol),
                              cname);
    if (blank(path))
        return bad(err, "mountPoints", cname, "containerPath should not be null or empty.");
    if (!is_abs_path(plain_str(path)))
        return bad(err, "mountPoints", cname,
                   "containerPath '%s' must be an absolute path of at most %d characters.",
                   shown(path), TASKDEF_MAX_PATH);
    int ro = 0;
    if (opt_bool(mp, "readOnly", &ro) < 0)
        return bad(err, "mountPoints", cname, "readOnly must be true or false.");
    return append(out,
                  json_pack("{s:o, s:o, s:b}", "sourceVolume", json_deep_copy(vol),
                            "containerPath", json_deep_copy(path), "readOnly", ro),
                  err);
}

static int check_volumes_from(td_t *td, size_t self, const json_t *list, size_t k, json_t *out,
                              ecs_error_t *err)
{
    const char *cname = td->names[self];
    const json_t *vf = json_array_get(list, k);
    if (!json_is_object(vf))
        return bad(err, "volumesFrom", cname, "It must be a list of objects.");
    const json_t *src = member(vf, "sourceContainer");
    if (blank(src))
        return bad(err, "volumesFrom", cname, "sourceContainer should not be null or empty.");
    if (volumes_from_target(td, self, vf) < 0)
        return bad(err, "volumesFrom", cname,
                   "sourceContainer '%s' is not another container of this task definition.",
                   shown(src));
    int ro = 0;
    if (opt_bool(vf, "readOnly", &ro) < 0)
        return bad(err, "volumesFrom", cname, "readOnly must be true or false.");
    return append(out,
                  json_pack("{s:o, s:b}", "sourceContainer", json_deep_copy(src), "readOnly", ro),
                  err);
}

/* Checks an optional list member of container `self` entry by entry; *out
 * gets the echo (an empty list when not given). */
static int check_list(td_t *td, size_t self, const json_t *c, const char *field, entry_fn check,
                      json_t **out, ecs_error_t *err)
{
    cleanup_json json_t *arr = json_array();
    if (arr == NULL)
        return oom(err);
    const json_t *list = member(c, field);
    if (list != NULL && !json_is_array(list))
        return bad(err, field, td->names[self], "It must be a list.");
    for (size_t k = 0; k < json_array_size(list); k++)
        if (check(td, self, list, k, arr, err) != 0)
            return -1;
    *out = steal_pointer(&arr);
    return 0;
}

/* entryPoint, command, links: optional lists of strings. */
static int check_strings(const json_t *c, const char *field, const char *cname, ecs_error_t *err)
{
    const json_t *list = member(c, field);
    if (list == NULL)
        return 0;
    if (!json_is_array(list))
        return bad(err, field, cname, "It must be a list of strings.");
    for (size_t k = 0; k < json_array_size(list); k++)
        if (!json_is_string(json_array_get(list, k)))
            return bad(err, field, cname, "It must be a list of strings.");
    return 0;
}

static int check_links(const td_t *td, size_t self, const json_t *c, ecs_error_t *err)
{
    if (check_strings(c, "links", td->names[self], err) != 0)
        return -1;
    const json_t *links = member(c, "links");
    for (size_t k = 0; k < json_array_size(links); k++) {
        const json_t *l = json_array_get(links, k);
        if (link_target(td, self, l) < 0)
            return ecs_client_err(err, "Invalid link '%s' in container '%s'.", shown(l),
                                  td->names[self]);
    }
    return 0;
}

/* ---- one container -------------------------------------------------------- */

static int check_container(td_t *td, size_t i, json_t *out, int *essential_count,
                           ecs_error_t *err)
{
    const json_t *c = json_array_get(td->containers, i);
    const char *cname = td->names[i];
    const char *image = NULL;
    json_int_t cpu = 0, mem = 0;
    int essential = 1;
    cleanup_json json_t *ports = NULL;
    cleanup_json json_t *env = NULL;
    cleanup_json json_t *mounts = NULL;
    cleanup_json json_t *vfrom = NULL;

    if (check_image(c, cname, &image, err) != 0 || check_resources(c, cname, td->task_memory, &cpu, &mem, err) != 0)
        return -1;
    if (opt_bool(c, "essential", &essential) < 0)
        return bad(err, "essential", cname, "It must be true or false.");
    if (check_list(td, i, c, "portMappings", check_port_mapping, &ports, err) != 0 ||
        check_links(td, i, c, err) != 0 ||
        check_list(td, i, c, "mountPoints", check_mount_point, &mounts, err) != 0 ||
        check_list(td, i, c, "volumesFrom", check_volumes_from, &vfrom, err) != 0 ||
        check_list(td, i, c, "environment", check_environment, &env, err) != 0 ||
        check_strings(c, "entryPoint", cname, err) != 0 ||
        check_strings(c, "command", cname, err) != 0)
        return -1;
    *essential_count += essential;

    return append(out,
                  json_pack("{s:s, s:s, s:I, s:o*, s:b, s:o, s:o, s:o, s:o, s:o*, s:o*, s:o*}",
                            "name", cname, "image", image, "cpu", cpu, "memory",
                            mem >= 0 ? json_integer(mem) : NULL,
                            "essential", essential, "portMappings", steal_pointer(&ports),
                            "environment", steal_pointer(&env), "mountPoints",
                            steal_pointer(&mounts), "volumesFrom", steal_pointer(&vfrom),
                            "links", json_deep_copy(member(c, "links")), "entryPoint",
                            json_deep_copy(member(c, "entryPoint")), "command",
                            json_deep_copy(member(c, "command"))),
                  err);
}

/* Pass 1: every container is an object with a valid, unique name. */
static int check_names(td_t *td, ecs_error_t *err)
{
    for (size_t i = 0; i < json_array_size(td->containers); i++) {
        const json_t *c = json_array_get(td->containers, i);
        if (!json_is_object(c))
            return ecs_client_err(err,
                                  "Invalid 'containerDefinitions' setting. Container definition "
                                  "%zu is not an object.",
                                  i + 1);
        const json_t *jname = member(c, "name");
        if (blank(jname))
            return ecs_client_err(err, "Container.name should not be null or empty.");
        const char *name = plain_str(jname);
        if (!is_name(name))
            return ecs_client_err(err, "Container.name contains invalid characters.");
        if (find_container(td, name, strlen(name)) >= 0)
            return ecs_client_err(err, "Duplicate container name: %s", name);
        td->names[td->n++] = name;
    }
    return 0;
}

/* ---- start order: links and volumesFrom must not form a cycle ------------- */

enum { UNSEEN, ON_PATH, DONE };

static int visit(const td_t *td, size_t i, unsigned char *state, ecs_error_t *err)
{
    const json_t *c = json_array_get(td->containers, i);
    const json_t *links = member(c, "links"), *vfrom = member(c, "volumesFrom");
    state[i] = ON_PATH;
    for (size_t k = 0; k < json_array_size(links); k++) {
        const json_t *l = json_array_get(links, k);
        int t = link_target(td, i, l); /* checked: a valid index */
        if (state[t] == ON_PATH)
            return ecs_client_err(err, "Invalid link '%s' in container '%s'.", shown(l),
                                  td->names[i]);
        if (state[t] == UNSEEN && visit(td, (size_t)t, state, err) != 0)
            return -1;
    }
    for (size_t k = 0; k < json_array_size(vfrom); k++) {
        const json_t *vf = json_array_get(vfrom, k);
        int t = volumes_from_target(td, i, vf); /* checked: a valid index */
        if (state[t] == ON_PATH)
            return bad(err, "volumesFrom", td->names[i],
                       "sourceContainer '%s' makes the containers depend on each other in a "
                       "cycle.",
                       shown(member(vf, "sourceContainer")));
        if (state[t] == UNSEEN && visit(td, (size_t)t, state, err) != 0)
            return -1;
    }
    state[i] = DONE;
    return 0;
}

static int check_start_order(const td_t *td, ecs_error_t *err)
{
    unsigned char state[TASKDEF_MAX_CONTAINERS] = {0};
    for (size_t i = 0; i < td->n; i++)
        if (state[i] == UNSEEN && visit(td, i, state, err) != 0)
            return -1;
    return 0;
}

/* ---- the request ---------------------------------------------------------- */

int taskdef_normalize(const json_t *in, json_t **out, ecs_error_t *err)
{
    size_t size = json_dumpb(in, NULL, 0, JSON_COMPACT);
    if (size > TASKDEF_MAX_SIZE)
        return ecs_client_err(err,
                              "Task definition size of %zu bytes exceeds the limit of %d bytes.",
                              size, TASKDEF_MAX_SIZE);

    const json_t *family = member(in, "family");
    if (blank(family))
        return ecs_client_err(err, "Family can not be blank.");
    if (!is_name(plain_str(family)))
        return ecs_client_err(err, "Family contains invalid characters.");

    const json_t *defs = member(in, "containerDefinitions");
    if (defs != NULL && !json_is_array(defs))
        return ecs_client_err(err, "Invalid 'containerDefinitions' setting. It must be a list.");
    if (json_array_size(defs) == 0)
        return ecs_client_err(err, "Container definitions can not be empty.");
    if (json_array_size(defs) > TASKDEF_MAX_CONTAINERS)
        return ecs_client_err(err, "Too many containers (max %d).", TASKDEF_MAX_CONTAINERS);

    cleanup_free td_t *td = calloc(1, sizeof *td);
    cleanup_json json_t *volumes = json_array();
    cleanup_json json_t *containers = json_array();
    if (td == NULL || volumes == NULL || containers == NULL)
        return oom(err);
    td->containers = defs;

    cleanup_json json_t *task = json_object();
    if (task == NULL)
        return oom(err);
    if (taskdef_task_level(in, task, &td->task_memory, err) != 0 ||
        check_volumes(td, in, volumes, err) != 0 || check_names(td, err) != 0)
        return -1;
    int essential_count = 0;
    for (size_t i = 0; i < td->n; i++)
        if (check_container(td, i, containers, &essential_count, err) != 0)
            return -1;
    if (essential_count == 0)
        return ecs_client_err(err, "Task definition must have at least one essential container.");
    if (check_start_order(td, err) != 0 || taskdef_check_modern(in, err) != 0)
        return -1;

    json_t *body = json_pack("{s:s, s:o, s:o}", "family", json_string_value(family),
                             "containerDefinitions", steal_pointer(&containers), "volumes",
                             steal_pointer(&volumes));
    if (body == NULL || json_object_update(body, task) < 0) {
        json_decref(body);
        return oom(err);
    }
    taskdef_keep_members(in, body);
    json_t *requires = taskdef_requires_attributes(body);
    if (requires == NULL || json_object_set_new(body, "requiresAttributes", requires) < 0) {
        json_decref(body);
        return oom(err);
    }
    *out = body;
    return 0;
}
