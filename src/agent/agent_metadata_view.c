/* agent_metadata_view.c - the task metadata endpoint's answers (v3 and v4
 * in the ECS agent's shapes), the task role credentials, and the
 * variables that tell a container where they are (agent_metadata.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "agent/agent_engine_int.h"
#include "agent/agent_metadata.h"
#include "common/cleanup.h"
#include "common/log.h"

void agent_engine_set_tmds(agent_engine_t *e, const agent_tmds_cfg_t *cfg)
{
    pthread_mutex_lock(&e->lock);
    free(e->tmds_url);
    free(e->tmds_region);
    free(e->tmds_az);
    e->tmds_url = strdup(cfg->url ? cfg->url : "");
    e->tmds_region = strdup(cfg->region ? cfg->region : "");
    e->tmds_az = strdup(cfg->az ? cfg->az : "");
    e->tmds = *cfg;
    e->tmds.url = e->tmds_url ? e->tmds_url : "";
    e->tmds.region = e->tmds_region ? e->tmds_region : "";
    e->tmds.az = e->tmds_az ? e->tmds_az : "";
    pthread_mutex_unlock(&e->lock);
}

void agent_meta_id(const unsigned char key[AGENT_ID_KEY_SIZE], const char *kind, const char *task_arn,
                   const char *name, char out[40])
{
    char msg[2048];
    int n = snprintf(msg, sizeof msg, "%s|%s|%s", kind, task_arn, name);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (n < 0 || (size_t)n >= sizeof msg ||
        HMAC(EVP_sha256(), key, AGENT_ID_KEY_SIZE, (unsigned char *)msg, (size_t)n, mac, &len) == NULL) {
        out[0] = '\0';
        return;
    }
    mac[6] = (unsigned char)((mac[6] & 0x0f) | 0x40); /* a version-4 UUID's form */
    mac[8] = (unsigned char)((mac[8] & 0x3f) | 0x80);
    snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", mac[0], mac[1],
             mac[2], mac[3], mac[4], mac[5], mac[6], mac[7], mac[8], mac[9], mac[10], mac[11], mac[12], mac[13],
             mac[14], mac[15]);
}

static bool has_role(const agent_task_t *t, const char *member)
{
    const char *arn = json_string_value(json_object_get(t->taskdef, member));
    return arn != NULL && arn[0] != '\0';
}

/* What the poll says of the task that the views show. */
static json_t *info_of(const json_t *entry)
{
    json_t *info = json_object();
    static const char *const keep[] = {"clusterArn", "launchType", "availabilityZone", "group", "tags",
                                       "containers"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        json_t *v = json_object_get(entry, keep[i]);
        if (v != NULL)
            json_object_set_new(info, keep[i], json_deep_copy(v));
    }
    return info;
}

void agent_meta_take(agent_engine_t *e, agent_task_t *t, const json_t *entry, bool is_new)
{
    if (is_new) {
        json_decref(t->info);
        t->info = info_of(entry);
        if (has_role(t, "taskRoleArn"))
            agent_meta_id(e->tmds.key, "role", t->arn, "", t->creds_id);
        for (size_t i = 0; i < t->n; i++) {
            agent_meta_id(e->tmds.key, "v4", t->arn, t->c[i].name, t->c[i].endpoint_id);
            size_t k;
            json_t *c;
            json_array_foreach(json_object_get(entry, "containers"), k, c) {
                const char *name = json_string_value(json_object_get(c, "name"));
                const char *arn = json_string_value(json_object_get(c, "containerArn"));
                if (name != NULL && arn != NULL && strcmp(name, t->c[i].name) == 0 && t->c[i].arn == NULL)
                    t->c[i].arn = strdup(arn);
            }
        }
    }
    json_t *rc = json_object_get(entry, "roleCredentials"), *xc = json_object_get(entry, "executionRoleCredentials");
    if (json_is_object(rc)) {
        json_decref(t->role_creds);
        t->role_creds = json_incref(rc);
    }
    if (json_is_object(xc)) {
        json_decref(t->exec_creds);
        t->exec_creds = json_incref(xc);
    }
    const char *why = json_string_value(json_object_get(entry, "credentialsError"));
    if (why != NULL && is_new && t->n > 0 && !t->desired_stopped && !t->running_sent) {
        log_warn("task %s: %s", t->arn, why);
        agent_task_fail(t, why);
    }
}

static void env_add(json_t *env, const char *name, const char *value)
{
    json_array_append_new(env, json_pack("{s:s, s:s}", "name", name, "value", value));
}

json_t *agent_meta_env(agent_engine_t *e, const agent_task_t *t, size_t i)
{
    json_t *env = json_array();
    const char *url = e->tmds.url;
    char v[600];
    if (url != NULL && url[0] != '\0') {
        snprintf(v, sizeof v, "%s/v3/%s", url, t->c[i].endpoint_id);
        env_add(env, "ECS_CONTAINER_METADATA_URI", v);
        snprintf(v, sizeof v, "%s/v4/%s", url, t->c[i].endpoint_id);
        env_add(env, "ECS_CONTAINER_METADATA_URI_V4", v);
        env_add(env, "ECS_AGENT_URI", v);
        if (t->creds_id[0] != '\0') {
            snprintf(v, sizeof v, "/v2/credentials/%s", t->creds_id);
            env_add(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", v);
        }
    }
    if (e->tmds.region != NULL && e->tmds.region[0] != '\0') {
        env_add(env, "AWS_REGION", e->tmds.region);
        env_add(env, "AWS_DEFAULT_REGION", e->tmds.region);
    }
    const char *lt = json_string_value(json_object_get(t->info, "launchType"));
    env_add(env, "AWS_EXECUTION_ENV", lt && strcmp(lt, "FARGATE") == 0 ? "AWS_ECS_FARGATE" : "AWS_ECS_EC2");
    return env;
}

/* ---- views ---- */

static const char *known_name(agent_cstatus_t s)
{
    static const char *const names[] = {"NONE", "PULLED", "CREATED", "RUNNING", "STOPPED"};
    return names[s <= AGENT_STOPPED ? s : 0];
}

/* RFC 3339 in UTC with milliseconds, as Go writes a time. */
static json_t *time_of(int64_t ms)
{
    char buf[40];
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof buf - n, ".%03dZ", (int)(ms % 1000));
    return json_string(buf);
}

/* A Docker time unless it is Go's zero time. */
static void set_docker_time(json_t *view, const char *key, const json_t *v)
{
    const char *s = json_string_value(v);
    if (s != NULL && s[0] != '\0' && strncmp(s, "0001-", 5) != 0)
        json_object_set_new(view, key, json_string(s));
}

static json_t *networks_of(const agent_container_t *c)
{
    const json_t *ins = c->inspect;
    const char *mode = json_string_value(json_object_get(json_object_get(ins, "HostConfig"), "NetworkMode"));
    if (mode == NULL || strcmp(mode, "default") == 0)
        mode = "bridge";
    json_t *addrs = json_array();
    const char *key;
    json_t *net;
    json_object_foreach(json_object_get(json_object_get(ins, "NetworkSettings"), "Networks"), key, net) {
        const char *ip = json_string_value(json_object_get(net, "IPAddress"));
        if (ip != NULL && ip[0] != '\0')
            json_array_append_new(addrs, json_string(ip));
    }
    json_t *n = json_pack("{s:s}", "NetworkMode", mode);
    if (json_array_size(addrs) > 0)
        json_object_set(n, "IPv4Addresses", addrs);
    json_decref(addrs);
    return json_pack("[o]", n);
}

static json_t *ports_of(const agent_container_t *c)
{
    json_t *ports = json_array();
    size_t i;
    json_t *b;
    json_array_foreach(c->bindings, i, b) {
        json_t *p = json_pack("{s:O, s:O}", "ContainerPort", json_object_get(b, "containerPort"), "HostPort",
                              json_object_get(b, "hostPort"));
        const char *proto = json_string_value(json_object_get(b, "protocol"));
        const char *ip = json_string_value(json_object_get(b, "bindIP"));
        if (p == NULL)
            continue;
        json_object_set_new(p, "Protocol", json_string(proto ? proto : "tcp"));
        if (ip != NULL)
            json_object_set_new(p, "HostIp", json_string(ip));
        json_array_append_new(ports, p);
    }
    return ports;
}

json_t *agent_meta_container_view(const agent_task_t *t, size_t i, int version)
{
    const agent_container_t *c = &t->c[i];
    const json_t *def = c->def, *ins = c->inspect, *state = json_object_get(ins, "State");
    const char *image = json_string_value(json_object_get(def, "image"));
    const char *image_id = json_string_value(json_object_get(ins, "Image"));
    json_t *labels = json_object_get(json_object_get(ins, "Config"), "Labels");
    json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:I, s:I}, s:s}", "DockerId", c->docker_id,
                          "Name", c->name, "DockerName", c->docker_name, "Image", image ? image : "", "ImageID",
                          image_id ? image_id : "", "DesiredStatus",
                          t->desired_stopped ? "STOPPED" : "RUNNING", "KnownStatus", known_name(c->known),
                          "Limits", "CPU", (json_int_t)json_integer_value(json_object_get(def, "cpu")), "Memory",
                          (json_int_t)json_integer_value(json_object_get(def, "memory")), "Type", "NORMAL");
    if (v == NULL)
        return NULL;
    json_object_set_new(v, "Labels", json_is_object(labels) ? json_deep_copy(labels) : json_object());
    set_docker_time(v, "CreatedAt", json_object_get(ins, "Created"));
    if (c->known >= AGENT_RUNNING)
        set_docker_time(v, "StartedAt", json_object_get(state, "StartedAt"));
    if (c->known == AGENT_STOPPED) {
        set_docker_time(v, "FinishedAt", json_object_get(state, "FinishedAt"));
        if (c->has_exit_code)
            json_object_set_new(v, "ExitCode", json_integer(c->exit_code));
    }
    if (json_array_size(c->bindings) > 0)
        json_object_set_new(v, "Ports", ports_of(c));
    if (c->health != AGENT_HEALTH_NONE)
        json_object_set_new(v, "Health", json_pack("{s:s}", "status", agent_health_name(c->health)));
    if (ins != NULL)
        json_object_set_new(v, "Networks", networks_of(c));
    if (version >= 4) {
        const json_t *lc = json_object_get(def, "logConfiguration");
        const char *driver = json_string_value(json_object_get(lc, "logDriver"));
        if (driver != NULL) {
            json_object_set_new(v, "LogDriver", json_string(driver));
            json_t *opts = json_object_get(lc, "options");
            json_object_set_new(v, "LogOptions", json_is_object(opts) ? json_deep_copy(opts) : json_object());
        }
        if (c->arn != NULL)
            json_object_set_new(v, "ContainerARN", json_string(c->arn));
        if (c->restarts > 0 || json_is_true(json_object_get(json_object_get(def, "restartPolicy"), "enabled")))
            json_object_set_new(v, "RestartCount", json_integer(c->restarts));
    }
    return v;
}

/* The task's status: the least advanced of its containers'. */
static agent_cstatus_t task_known(const agent_task_t *t)
{
    agent_cstatus_t s = AGENT_STOPPED;
    for (size_t i = 0; i < t->n; i++)
        if (t->c[i].known < s)
            s = t->c[i].known;
    return t->n ? s : AGENT_STOPPED;
}

static void task_limits(const agent_task_t *t, json_t *v)
{
    int64_t cpu = 0, mem = 0;
    char why[200];
    if (agent_map_task_limits(t->taskdef, &cpu, &mem, why, sizeof why) < 0 || (cpu == 0 && mem == 0))
        return;
    json_t *l = json_object();
    if (cpu > 0)
        json_object_set_new(l, "CPU", json_real((double)cpu / 1024.0));
    if (mem > 0)
        json_object_set_new(l, "Memory", json_integer(mem));
    json_object_set_new(v, "Limits", l);
}

json_t *agent_meta_task_view(const agent_task_t *t, const char *az, int version, bool tags)
{
    char revision[24];
    snprintf(revision, sizeof revision, "%lld", t->revision);
    const char *cluster = json_string_value(json_object_get(t->info, "clusterArn"));
    json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "Cluster", cluster ? cluster : "", "TaskARN", t->arn,
                          "Family", t->family, "Revision", revision, "DesiredStatus",
                          t->desired_stopped ? "STOPPED" : "RUNNING", "KnownStatus", known_name(task_known(t)));
    if (v == NULL)
        return NULL;
    task_limits(t, v);
    if (t->pull_started_ms > 0)
        json_object_set_new(v, "PullStartedAt", time_of(t->pull_started_ms));
    if (t->pull_stopped_ms > 0)
        json_object_set_new(v, "PullStoppedAt", time_of(t->pull_stopped_ms));
    if (t->stopped_ms > 0)
        json_object_set_new(v, "ExecutionStoppedAt", time_of(t->stopped_ms));
    const char *zone = json_string_value(json_object_get(t->info, "availabilityZone"));
    zone = zone && zone[0] ? zone : az;
    if (zone != NULL && zone[0] != '\0')
        json_object_set_new(v, "AvailabilityZone", json_string(zone));
    json_t *containers = json_array();
    for (size_t i = 0; i < t->n; i++)
        json_array_append_new(containers, agent_meta_container_view(t, i, version));
    json_object_set_new(v, "Containers", containers);
    if (version >= 4) {
        const char *lt = json_string_value(json_object_get(t->info, "launchType"));
        json_object_set_new(v, "LaunchType", json_string(lt && lt[0] ? lt : "EC2"));
        const char *group = json_string_value(json_object_get(t->info, "group"));
        if (group != NULL && strncmp(group, "service:", 8) == 0)
            json_object_set_new(v, "ServiceName", json_string(group + 8));
        json_object_set_new(v, "FaultInjectionEnabled", json_false());
    }
    if (tags) {
        json_t *m = json_object();
        size_t k;
        json_t *tag;
        json_array_foreach(json_object_get(t->info, "tags"), k, tag) {
            const char *key = json_string_value(json_object_get(tag, "key"));
            const char *val = json_string_value(json_object_get(tag, "value"));
            if (key != NULL)
                json_object_set_new(m, key, json_string(val ? val : ""));
        }
        json_object_set_new(v, "TaskTags", m);
        json_object_set_new(v, "ContainerInstanceTags", json_object());
    }
    return v;
}

/* ---- lookups ---- */

static agent_task_t *by_endpoint_id(agent_engine_t *e, const char *id, size_t *i)
{
    for (agent_task_t *t = e->tasks; t != NULL; t = t->next)
        for (size_t k = 0; k < t->n && !t->silent; k++)
            if (t->c[k].endpoint_id[0] != '\0' && strcmp(t->c[k].endpoint_id, id) == 0) {
                *i = k;
                return t;
            }
    return NULL;
}

int agent_engine_metadata(agent_engine_t *e, const char *id, int version, agent_meta_what_t what, json_t **out)
{
    size_t i = 0;
    *out = NULL;
    pthread_mutex_lock(&e->lock);
    agent_task_t *t = by_endpoint_id(e, id, &i);
    if (t != NULL) {
        switch (what) {
        case AGENT_META_CONTAINER:
            *out = agent_meta_container_view(t, i, version);
            break;
        case AGENT_META_TASK:
        case AGENT_META_TASK_TAGS:
            *out = agent_meta_task_view(t, e->tmds.az, version, what == AGENT_META_TASK_TAGS);
            break;
        case AGENT_META_STATS:
            *out = json_string(t->c[i].docker_id);
            break;
        case AGENT_META_TASK_STATS:
            *out = json_array();
            for (size_t k = 0; k < t->n; k++)
                if (t->c[k].docker_id[0] != '\0')
                    json_array_append_new(*out, json_string(t->c[k].docker_id));
            break;
        }
    }
    pthread_mutex_unlock(&e->lock);
    return t != NULL && *out != NULL;
}

/* The endpoint's form of the poll's IAMRoleCredentials. */
static json_t *creds_view(const json_t *c)
{
    json_int_t exp = json_integer_value(json_object_get(c, "expiration"));
    const char *token = json_string_value(json_object_get(c, "sessionToken"));
    return json_pack("{s:O, s:O, s:O, s:s, s:o}", "RoleArn", json_object_get(c, "roleArn"), "AccessKeyId",
                     json_object_get(c, "accessKeyId"), "SecretAccessKey", json_object_get(c, "secretAccessKey"),
                     "Token", token ? token : "", "Expiration", time_of((int64_t)exp * 1000));
}

/* Whether a running container of t has the address ip (its own
 * network's, as Docker gave it). */
static bool task_has_ip(const agent_task_t *t, const char *ip)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->c[i].known != AGENT_RUNNING)
            continue;
        const char *key;
        json_t *net;
        json_object_foreach(json_object_get(json_object_get(t->c[i].inspect, "NetworkSettings"), "Networks"), key,
                            net) {
            const char *a = json_string_value(json_object_get(net, "IPAddress"));
            if (a != NULL && strcmp(a, ip) == 0)
                return true;
        }
    }
    return false;
}

int agent_engine_credentials(agent_engine_t *e, const char *id, const char *peer, json_t **out)
{
    *out = NULL;
    if (id == NULL || strlen(id) != 36)
        return 0;
    pthread_mutex_lock(&e->lock);
    agent_task_t *owner = NULL;
    for (agent_task_t *t = e->tasks; t != NULL && owner == NULL; t = t->next)
        if (t->creds_id[0] != '\0' && CRYPTO_memcmp(t->creds_id, id, 36) == 0 && t->role_creds != NULL &&
            !t->stopped_sent) /* a stopped task's credentials are gone */
            owner = t;
    bool other = false; /* asked from a container of another task (one with an address of its own) */
    for (agent_task_t *t = e->tasks; owner != NULL && peer != NULL && t != NULL && !other; t = t->next)
        other = t != owner && task_has_ip(t, peer);
    if (owner != NULL && (!other || task_has_ip(owner, peer)))
        *out = creds_view(owner->role_creds);
    pthread_mutex_unlock(&e->lock);
    return *out != NULL;
}

int agent_engine_exec_credentials(agent_engine_t *e, const char *task_arn, json_t **out)
{
    *out = NULL;
    pthread_mutex_lock(&e->lock);
    for (agent_task_t *t = e->tasks; t != NULL && *out == NULL; t = t->next)
        if (strcmp(t->arn, task_arn) == 0 && t->exec_creds != NULL)
            *out = creds_view(t->exec_creds);
    pthread_mutex_unlock(&e->lock);
    return *out != NULL;
}
