#include "agent/agent_map.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

#define MIN_MEMORY_BYTES (6LL * 1024 * 1024) /* Docker >= 20.10 refuses less */
#define NAME_PART_MAX 100

/* Appends the characters of s that Docker allows in a name (at most max). */
static size_t put_name_part(char *out, size_t size, size_t at, const char *s, size_t max)
{
    size_t taken = 0;
    for (; *s != '\0' && taken < max && at + 1 < size; s++) {
        char c = *s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
            out[at++] = c;
            taken++;
        }
    }
    out[at] = '\0';
    return at;
}

void agent_map_docker_name(const char *family, long long revision, const char *container, const char *task_arn,
                           char out[AGENT_DOCKER_NAME_MAX])
{
    const char *slash = strrchr(task_arn, '/');
    const char *id = slash ? slash + 1 : task_arn;
    char hex[21];
    size_t n = 0;
    for (; *id != '\0' && n < 20; id++)
        if ((*id >= '0' && *id <= '9') || (*id >= 'a' && *id <= 'f') || (*id >= 'A' && *id <= 'F'))
            hex[n++] = *id;
    hex[n] = '\0';
    size_t at = (size_t)snprintf(out, AGENT_DOCKER_NAME_MAX, "ecs-");
    at = put_name_part(out, AGENT_DOCKER_NAME_MAX, at, family, NAME_PART_MAX);
    at += (size_t)snprintf(out + at, AGENT_DOCKER_NAME_MAX - at, "-%lld-", revision);
    at = put_name_part(out, AGENT_DOCKER_NAME_MAX, at, container, NAME_PART_MAX);
    snprintf(out + at, AGENT_DOCKER_NAME_MAX - at, "-%s", hex);
}

int agent_map_find(const json_t *defs, const char *name, size_t len)
{
    size_t i;
    json_t *c;
    json_array_foreach(defs, i, c) {
        const char *n = json_string_value(json_object_get(c, "name"));
        if (n != NULL && strlen(n) == len && memcmp(n, name, len) == 0)
            return (int)i;
    }
    return -1;
}

/* The containerOverrides entry for a container, or NULL. */
static const json_t *override_of(const json_t *overrides, const char *name)
{
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(overrides, "containerOverrides"), i, o) {
        const char *n = json_string_value(json_object_get(o, "name"));
        if (n != NULL && strcmp(n, name) == 0)
            return o;
    }
    return NULL;
}

static void append_env(json_t *env, const char *name, const char *value)
{
    size_t len = strlen(name) + strlen(value ? value : "") + 2;
    cleanup_free char *s = malloc(len);
    if (s != NULL) {
        snprintf(s, len, "%s=%s", name, value ? value : "");
        json_array_append_new(env, json_string(s));
    }
}

static bool named_in(const json_t *list, const char *name)
{
    size_t i;
    const json_t *o;
    json_array_foreach(list, i, o) {
        const char *on = json_string_value(json_object_get(o, "name"));
        if (on != NULL && strcmp(on, name) == 0)
            return true;
    }
    return false;
}

/* Appends "NAME=value" for each {name, value} of list whose name is not
 * replaced by an entry of later or by a secret. */
static void add_env(json_t *env, const json_t *list, const json_t *later, const json_t *secrets)
{
    size_t i, j;
    json_t *kv, *o;
    json_array_foreach(list, i, kv) {
        const char *name = json_string_value(json_object_get(kv, "name"));
        const char *value = json_string_value(json_object_get(kv, "value"));
        if (name == NULL)
            continue;
        bool replaced = false;
        json_array_foreach(later, j, o) {
            const char *on = json_string_value(json_object_get(o, "name"));
            if (on != NULL && strcmp(on, name) == 0)
                replaced = true;
        }
        if (replaced || json_object_get(secrets, name) != NULL)
            continue;
        append_env(env, name, value);
    }
}

/* The agent's own variables first (ECS_CONTAINER_METADATA_URI_V4, ...:
 * any name the task gives itself wins), then environment files (an
 * explicit environment entry of the same name wins, as in ECS), then
 * environment and its overrides, then the secrets, which replace any of
 * them. */
static json_t *environment(const json_t *def, const json_t *ov, const json_t *agent_env, const json_t *inj)
{
    json_t *env = json_array();
    const json_t *ov_env = json_object_get(ov, "environment"), *def_env = json_object_get(def, "environment");
    const json_t *secrets = json_object_get(inj, "secrets");
    size_t i;
    const json_t *p;
    json_array_foreach(agent_env, i, p) {
        const char *name = json_string_value(json_object_get(p, "name"));
        bool in_files = false;
        size_t k;
        const json_t *f;
        json_array_foreach(json_object_get(inj, "files"), k, f)
            {
            const char *fn = json_string_value(json_array_get(f, 0));
            in_files = in_files || (name != NULL && fn != NULL && strcmp(fn, name) == 0);
        }
        if (name != NULL && !named_in(def_env, name) && !named_in(ov_env, name) && !in_files &&
            json_object_get(secrets, name) == NULL)
            append_env(env, name, json_string_value(json_object_get(p, "value")));
    }
    json_array_foreach(json_object_get(inj, "files"), i, p) {
        const char *name = json_string_value(json_array_get(p, 0));
        if (name != NULL && !named_in(def_env, name) && !named_in(ov_env, name) &&
            json_object_get(secrets, name) == NULL)
            append_env(env, name, json_string_value(json_array_get(p, 1)));
    }
    add_env(env, def_env, ov_env, secrets);
    add_env(env, ov_env, NULL, secrets);
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)secrets, key, v) append_env(env, key, json_string_value(v));
    return env;
}

#define PORT_RANGE_MAX 10000

/* One exposed port and its binding ("" for a port Docker chooses). */
static void port_add(json_t *exposed, json_t *bindings, long long cport, const char *proto, long long hport)
{
    char key[48], hp[24] = "";
    snprintf(key, sizeof key, "%lld/%s", cport, proto ? proto : "tcp");
    if (hport > 0)
        snprintf(hp, sizeof hp, "%lld", hport);
    json_object_set_new(exposed, key, json_object());
    if (bindings == NULL)
        return;
    json_t *list = json_object_get(bindings, key);
    if (list == NULL) {
        list = json_array();
        json_object_set_new(bindings, key, list);
    }
    json_array_append_new(list, json_pack("{s:s}", "HostPort", hp));
}

/* ExposedPorts and PortBindings (bridge mode only: in host mode the ports
 * are the host's, in mode none there are none). A containerPortRange
 * "8000-8009" exposes each port, with host ports Docker chooses. */
static int ports(const json_t *def, bool publish, json_t *config, json_t *host, ecs_error_t *err)
{
    json_t *exposed = json_object(), *bindings = publish ? json_object() : NULL;
    size_t i;
    json_t *pm;
    json_array_foreach(json_object_get(def, "portMappings"), i, pm) {
        json_int_t cport = json_integer_value(json_object_get(pm, "containerPort"));
        json_int_t hport = json_integer_value(json_object_get(pm, "hostPort"));
        const char *proto = json_string_value(json_object_get(pm, "protocol"));
        const char *range = json_string_value(json_object_get(pm, "containerPortRange"));
        long long lo = 0, hi = 0;
        if (cport <= 0 && range != NULL) {
            if (sscanf(range, "%lld-%lld", &lo, &hi) != 2 || lo < 1 || hi > 65535 || hi < lo ||
                hi - lo >= PORT_RANGE_MAX) {
                json_decref(exposed);
                json_decref(bindings);
                return ecs_client_err(err, "portMappings[%zu].containerPortRange '%.40s' is not a port range", i,
                                      range);
            }
            for (long long p = lo; p <= hi; p++)
                port_add(exposed, bindings, p, proto, 0);
            continue;
        }
        if (cport > 0)
            port_add(exposed, bindings, cport, proto, hport);
    }
    json_object_set_new(config, "ExposedPorts", exposed);
    if (bindings != NULL)
        json_object_set_new(host, "PortBindings", bindings);
    return 0;
}

static json_t *links(const agent_map_task_t *t, const json_t *def, ecs_error_t *err)
{
    const json_t *defs = json_object_get(t->taskdef, "containerDefinitions");
    json_t *out = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(def, "links"), i, l) {
        const char *s = json_string_value(l);
        const char *colon = s ? strchr(s, ':') : NULL;
        int target = s ? agent_map_find(defs, s, colon ? (size_t)(colon - s) : strlen(s)) : -1;
        if (target < 0) {
            json_decref(out);
            ecs_client_err(err, "link '%.200s' names no container of the task", s ? s : "");
            return NULL;
        }
        char link[2 * AGENT_DOCKER_NAME_MAX + 2];
        snprintf(link, sizeof link, "%s:%s", t->docker_names[target], colon ? colon + 1 : s);
        json_array_append_new(out, json_string(link));
    }
    return out;
}

static const json_t *find_volume(const json_t *taskdef, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(taskdef, "volumes"), i, v) {
        const char *n = json_string_value(json_object_get(v, "name"));
        if (n != NULL && strcmp(n, name) == 0)
            return v;
    }
    return NULL;
}

static json_t *binds(const agent_map_task_t *t, const json_t *def, ecs_error_t *err)
{
    json_t *out = json_array();
    size_t i;
    json_t *mp;
    json_array_foreach(json_object_get(def, "mountPoints"), i, mp) {
        const char *vol = json_string_value(json_object_get(mp, "sourceVolume"));
        const char *path = json_string_value(json_object_get(mp, "containerPath"));
        const json_t *v = vol ? find_volume(t->taskdef, vol) : NULL;
        if (v == NULL || path == NULL) {
            json_decref(out);
            ecs_client_err(err, "mount point of volume '%.200s' names no volume of the task", vol ? vol : "");
            return NULL;
        }
        const char *src = json_string_value(json_object_get(json_object_get(v, "host"), "sourcePath"));
        char host[4096], bind[8300];
        if (json_is_object(json_object_get(v, "dockerVolumeConfiguration")))
            agent_map_volume_name(t->taskdef, v, t->task_arn, host); /* a named Docker volume */
        else if (src != NULL && src[0] != '\0')
            snprintf(host, sizeof host, "%s", src);
        else
            snprintf(host, sizeof host, "%s/%s", t->volumes_dir, vol);
        snprintf(bind, sizeof bind, "%s:%s%s", host, path,
                 json_is_true(json_object_get(mp, "readOnly")) ? ":ro" : "");
        json_array_append_new(out, json_string(bind));
    }
    return out;
}

static json_t *volumes_from(const agent_map_task_t *t, const json_t *def, ecs_error_t *err)
{
    const json_t *defs = json_object_get(t->taskdef, "containerDefinitions");
    json_t *out = json_array();
    size_t i;
    json_t *vf;
    json_array_foreach(json_object_get(def, "volumesFrom"), i, vf) {
        const char *src = json_string_value(json_object_get(vf, "sourceContainer"));
        int target = src ? agent_map_find(defs, src, strlen(src)) : -1;
        if (target < 0) {
            json_decref(out);
            ecs_client_err(err, "volumesFrom '%.200s' names no container of the task", src ? src : "");
            return NULL;
        }
        char s[AGENT_DOCKER_NAME_MAX + 4];
        snprintf(s, sizeof s, "%s%s", t->docker_names[target],
                 json_is_true(json_object_get(vf, "readOnly")) ? ":ro" : "");
        json_array_append_new(out, json_string(s));
    }
    return out;
}

/* The labels the ECS agent sets, then the definition's dockerLabels
 * (which cannot replace the agent's own: it finds its containers by them). */
static json_t *labels(const agent_map_task_t *t, const json_t *def, const char *name)
{
    char rev[24];
    snprintf(rev, sizeof rev, "%lld", (long long)json_integer_value(json_object_get(t->taskdef, "revision")));
    const char *family = json_string_value(json_object_get(t->taskdef, "family"));
    json_t *l = json_pack("{s:s, s:s, s:s, s:s, s:s}", AGENT_LABEL_TASK_ARN, t->task_arn, AGENT_LABEL_CONTAINER,
                          name, AGENT_LABEL_CLUSTER, t->cluster, AGENT_LABEL_FAMILY, family ? family : "",
                          AGENT_LABEL_REVISION, rev);
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(def, "dockerLabels"), key, v)
        if (l != NULL && json_is_string(v) && json_object_get(l, key) == NULL)
            json_object_set(l, key, v);
    return l;
}

json_t *agent_map_create_body(const agent_map_task_t *t, size_t i, ecs_error_t *err)
{
    const json_t *def = json_array_get(json_object_get(t->taskdef, "containerDefinitions"), i);
    const char *name = json_string_value(json_object_get(def, "name"));
    const char *image = json_string_value(json_object_get(def, "image"));
    if (name == NULL || image == NULL) {
        ecs_client_err(err, "container definition %zu has no name or image", i);
        return NULL;
    }
    const json_t *ov = override_of(t->overrides, name);
    json_t *host = json_object();
    const json_t *inj = json_object_get(t->injected, name);
    cleanup_json json_t *config = json_pack("{s:s, s:o, s:o, s:o}", "Image", image, "Env",
                                            environment(def, ov, t->agent_env, inj),
                                            "Labels", labels(t, def, name), "HostConfig", host);
    json_t *cmd = json_object_get(ov, "command");
    if (!json_is_array(cmd))
        cmd = json_object_get(def, "command");
    if (json_is_array(cmd))
        json_object_set(config, "Cmd", cmd);
    json_t *entry = json_object_get(def, "entryPoint");
    if (json_is_array(entry))
        json_object_set(config, "Entrypoint", entry);
    json_int_t cpu = json_integer_value(json_object_get(def, "cpu"));
    if (cpu > 0)
        json_object_set_new(host, "CpuShares", json_integer(cpu < 2 ? 2 : cpu));
    json_int_t mem = json_integer_value(json_object_get(def, "memory"));
    if (mem > 0) {
        long long bytes = (long long)mem * 1024 * 1024;
        json_object_set_new(host, "Memory", json_integer(bytes < MIN_MEMORY_BYTES ? MIN_MEMORY_BYTES : bytes));
    }
    if (ports(def, strcmp(agent_map_network_mode(t->taskdef), "bridge") == 0, config, host, err) < 0 ||
        agent_map_extras(t, def, config, host, err) < 0)
        return NULL;
    json_t *l = links(t, def, err), *b = l ? binds(t, def, err) : NULL, *v = b ? volumes_from(t, def, err) : NULL;
    if (v == NULL) {
        json_decref(l);
        json_decref(b);
        return NULL;
    }
    json_object_set_new(host, "Links", l);
    json_object_set_new(host, "Binds", b);
    json_object_set_new(host, "VolumesFrom", v);
    return steal_pointer(&config);
}

/* Index of the container that dependency dep (a link "name[:alias]", a
 * volumesFrom or a dependsOn entry) names, or -1. */
static int dep_target(const json_t *defs, const json_t *dep)
{
    const char *s = json_is_string(dep) ? json_string_value(dep)
                                        : json_string_value(json_object_get(dep, "sourceContainer"));
    if (s == NULL && !json_is_string(dep))
        s = json_string_value(json_object_get(dep, "containerName"));
    if (s == NULL)
        return -1;
    const char *colon = json_is_string(dep) ? strchr(s, ':') : NULL;
    return agent_map_find(defs, s, colon ? (size_t)(colon - s) : strlen(s));
}

/* True when every container i depends on is already placed. */
static bool deps_placed(const json_t *defs, size_t i, const bool *placed, ecs_error_t *err, bool *bad)
{
    const json_t *def = json_array_get(defs, i);
    static const char *const members[] = {"links", "volumesFrom", "dependsOn"};
    for (size_t m = 0; m < 3; m++) {
        size_t k;
        json_t *dep;
        json_array_foreach(json_object_get(def, members[m]), k, dep) {
            int t = dep_target(defs, dep);
            if (t < 0 || (size_t)t == i) {
                *bad = true;
                ecs_client_err(err, "container %s: %s names no other container of the task",
                               json_string_value(json_object_get(def, "name")), members[m]);
                return false;
            }
            if (!placed[t])
                return false;
        }
    }
    return true;
}

int agent_map_start_order(const json_t *defs, size_t *order, ecs_error_t *err)
{
    size_t n = json_array_size(defs), done = 0;
    cleanup_free bool *placed = calloc(n ? n : 1, sizeof *placed);
    if (placed == NULL)
        return ecs_server_err(err, "out of memory");
    while (done < n) {
        bool progress = false, bad = false;
        for (size_t i = 0; i < n; i++) {
            if (placed[i] || !deps_placed(defs, i, placed, err, &bad)) {
                if (bad)
                    return -1;
                continue;
            }
            placed[i] = true;
            order[done++] = i;
            progress = true;
            break; /* restart from the first: definition order where possible */
        }
        if (!progress)
            return ecs_client_err(err, "the containers' links, volumesFrom and dependsOn form a cycle");
    }
    return 0;
}

json_t *agent_map_bindings(const json_t *inspect)
{
    json_t *out = json_array();
    const char *key;
    json_t *list;
    json_object_foreach(json_object_get(json_object_get(inspect, "NetworkSettings"), "Ports"), key, list) {
        int cport = 0;
        char proto[8] = "tcp";
        if (sscanf(key, "%d/%7s", &cport, proto) < 1 || cport <= 0)
            continue;
        size_t i;
        json_t *b;
        long long seen = -1;
        json_array_foreach(list, i, b) {
            const char *ip = json_string_value(json_object_get(b, "HostIp"));
            const char *hp = json_string_value(json_object_get(b, "HostPort"));
            long long hport = hp ? atoll(hp) : 0;
            if (hport <= 0 || hport > 65535 || hport == seen)
                continue; /* the IPv6 twin of the binding just taken */
            if (ip != NULL && strchr(ip, ':') != NULL && i + 1 < json_array_size(list))
                continue; /* prefer an IPv4 binding when one follows */
            seen = hport;
            json_array_append_new(out, json_pack("{s:s, s:i, s:I, s:s}", "bindIP",
                                                 ip && ip[0] != '\0' && !strchr(ip, ':') ? ip : "0.0.0.0",
                                                 "containerPort", cport, "hostPort", (json_int_t)hport, "protocol",
                                                 proto));
        }
    }
    return out;
}

json_t *agent_map_container_bindings(const json_t *taskdef, const json_t *def, const json_t *inspect)
{
    const char *mode = agent_map_network_mode(taskdef);
    if (strcmp(mode, "host") != 0)
        return strcmp(mode, "bridge") == 0 ? agent_map_bindings(inspect) : json_array();
    json_t *out = json_array();
    size_t i;
    json_t *pm;
    json_array_foreach(json_object_get(def, "portMappings"), i, pm) {
        json_int_t cport = json_integer_value(json_object_get(pm, "containerPort"));
        const char *proto = json_string_value(json_object_get(pm, "protocol"));
        if (cport > 0 && cport <= 65535)
            json_array_append_new(out, json_pack("{s:s, s:I, s:I, s:s}", "bindIP", "0.0.0.0", "containerPort",
                                                 cport, "hostPort", cport, "protocol", proto ? proto : "tcp"));
    }
    return out;
}
