#include "agent/agent_opts.h"

#include "agent/agent_awsvpc.h"
#include "agent/agent_pause.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_client.h"

int agent_parse_duration(const char *s, int64_t *ms)
{
    if (s == NULL || !isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || v < 0)
        return -1;
    int64_t unit;
    if (*end == '\0' || strcmp(end, "s") == 0)
        unit = 1000;
    else if (strcmp(end, "ms") == 0)
        unit = 1;
    else if (strcmp(end, "m") == 0)
        unit = 60 * 1000;
    else if (strcmp(end, "h") == 0)
        unit = 3600 * 1000;
    else
        return -1;
    if (v > INT64_MAX / unit / 1000) /* keeps later arithmetic far from overflow */
        return -1;
    *ms = v * unit;
    return 0;
}

int agent_parse_ports(const char *s, uint16_t *ports, size_t max, size_t *n)
{
    *n = 0;
    const char *p = s;
    for (;;) {
        while (*p == ',' || *p == ' ')
            p++;
        if (*p == '\0')
            return 0;
        if (!isdigit((unsigned char)*p))
            return -1;
        errno = 0;
        char *end;
        long v = strtol(p, &end, 10);
        if (errno != 0 || v < 1 || v > 65535 || (*end != '\0' && *end != ',' && *end != ' ') || *n >= max)
            return -1;
        ports[(*n)++] = (uint16_t)v;
        p = end;
    }
}

/* The option's value, else the first set environment variable, else def. */
static const char *first_set(const char *value, const char *env, const char *def)
{
    if (value != NULL && value[0] != '\0')
        return value;
    const char *e = env ? getenv(env) : NULL;
    return e != NULL && e[0] != '\0' ? e : def;
}

/* ECS_INSTANCE_ATTRIBUTES' form: {"name": "value", ...}. The server
 * checks names and values as ECS does when the agent registers. */
static int check_custom(const char *text, ecs_error_t *err)
{
    if (text[0] == '\0')
        return 0;
    json_error_t jerr;
    json_t *obj = json_loads(text, 0, &jerr);
    const char *key;
    json_t *v;
    int rc = 0;
    if (!json_is_object(obj))
        rc = ecs_invalid_param(err, "--instance-attributes must be a JSON object of names and string values, "
                                    "such as {\"stack\": \"prod\"}");
    else if (json_object_size(obj) > AGENT_CUSTOM_ATTRS_MAX)
        rc = ecs_invalid_param(err, "--instance-attributes: at most %d attributes", AGENT_CUSTOM_ATTRS_MAX);
    else
        json_object_foreach(obj, key, v) if (rc == 0 && (!json_is_string(v) || strncmp(key, "ecs.", 4) == 0))
            rc = ecs_invalid_param(err, "--instance-attributes: '%.100s' must have a string value and a name "
                                        "not starting with ecs.", key);
    json_decref(obj);
    return rc;
}

void agent_opts_attributes(const agent_opts_t *o, json_t *list)
{
    if (agent_pause_supported()) /* awsvpc needs the pause container */
        json_array_append_new(list, json_pack("{s:s}", "name", "ecs.capability.task-eni"));
    if (o->fargate != NULL && strcmp(o->fargate, "no") != 0)
        json_array_append_new(list, json_pack("{s:s}", "name", "ecs.capability.fargate"));
    if (o->fargate != NULL && strcmp(o->fargate, "only") == 0)
        json_array_append_new(list, json_pack("{s:s}", "name", "ecs.capability.fargate-only"));
    if (o->availability_zone != NULL && o->availability_zone[0] != '\0')
        json_array_append_new(list, json_pack("{s:s, s:s}", "name", "ecs.availability-zone", "value",
                                              o->availability_zone));
    if (o->instance_type != NULL && o->instance_type[0] != '\0')
        json_array_append_new(list, json_pack("{s:s, s:s}", "name", "ecs.instance-type", "value", o->instance_type));
    /* the server reads it as the instance's capacityProviderName
     * (model/capacity_provider.h CP_ATTR) */
    if (o->capacity_provider != NULL && o->capacity_provider[0] != '\0')
        json_array_append_new(list, json_pack("{s:s, s:s}", "name", "ecs.capacity-provider", "value",
                                              o->capacity_provider));
    if (o->instance_attributes == NULL || o->instance_attributes[0] == '\0')
        return;
    json_t *obj = json_loads(o->instance_attributes, 0, NULL);
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) if (json_is_string(v))
        json_array_append_new(list, json_pack("{s:s, s:O}", "name", key, "value", v));
    json_decref(obj);
}

/* --endpoint: one http(s) URL, or several separated by commas (the
 * servers of one control plane, tried in turn: agent_client.h). */
static int check_endpoints(const char *list, ecs_error_t *err)
{
    int n = 0;
    for (const char *p = list;; p++) {
        size_t len = strcspn(p, ",");
        bool http = (len > 7 && strncmp(p, "http://", 7) == 0) || (len > 8 && strncmp(p, "https://", 8) == 0);
        if (!http)
            return ecs_invalid_param(err, "--endpoint must be an http:// or https:// URL, or several separated by "
                                          "commas, not '%.200s'", list);
        if (++n > AGENT_CLIENT_ENDPOINTS_MAX)
            return ecs_invalid_param(err, "--endpoint: at most %d URLs", AGENT_CLIENT_ENDPOINTS_MAX);
        p += len;
        if (*p == '\0')
            return 0;
    }
}

int agent_opts_from_config(const ecsd_config_t *cfg, agent_opts_t *o, ecs_error_t *err)
{
    *o = (agent_opts_t){.cluster = cfg->cluster, .endpoint = cfg->endpoint, .data_dir = cfg->data_dir,
                        .region = cfg->region, .introspection = cfg->introspection, .version = "",
                        .hash = ""};
    o->docker_host = first_set(cfg->docker_host, "DOCKER_HOST", AGENT_DEFAULT_DOCKER_HOST);
    o->access_key = first_set(cfg->access_key, "AWS_ACCESS_KEY_ID", "");
    o->secret_key = first_set(cfg->secret_key, "AWS_SECRET_ACCESS_KEY", "");
    if (strncmp(o->docker_host, "unix://", 7) != 0 || o->docker_host[7] != '/')
        return ecs_invalid_param(err, "--docker-host must be unix:///PATH, not '%.200s'", o->docker_host);
    if (check_endpoints(o->endpoint, err) < 0)
        return -1;
    if (o->cluster[0] == '\0' || strlen(o->cluster) > 255)
        return ecs_invalid_param(err, "--cluster must be a cluster name");
    char *end;
    long t = strtol(cfg->stop_timeout, &end, 10);
    if (*end != '\0' || end == cfg->stop_timeout || t < 0 || t > 3600)
        return ecs_invalid_param(err, "--stop-timeout must be 0..3600 seconds, not '%.100s'", cfg->stop_timeout);
    o->stop_timeout_s = (int)t;
    long long r = strtoll(cfg->reserved_memory, &end, 10);
    if (*end != '\0' || end == cfg->reserved_memory || r < 0 || r > INT32_MAX)
        return ecs_invalid_param(err, "--reserved-memory must be a number of MiB, not '%.100s'",
                                 cfg->reserved_memory);
    o->reserved_memory_mib = r;
    if (agent_parse_duration(cfg->cleanup_delay, &o->cleanup_delay_ms) < 0)
        return ecs_invalid_param(err, "--cleanup-delay must be a duration such as 3h, 10m, 30s or 500ms, not "
                                      "'%.100s'", cfg->cleanup_delay);
    o->env_files_dir = cfg->env_files_dir ? cfg->env_files_dir : "";
    if (o->env_files_dir[0] != '\0' && o->env_files_dir[0] != '/')
        return ecs_invalid_param(err, "--env-files-dir must be an absolute folder, not '%.200s'", o->env_files_dir);
    o->logs_endpoint = cfg->logs_endpoint ? cfg->logs_endpoint : "";
    if (o->logs_endpoint[0] != '\0' && strncmp(o->logs_endpoint, "http://", 7) != 0 &&
        strncmp(o->logs_endpoint, "https://", 8) != 0)
        return ecs_invalid_param(err, "--logs-endpoint must be an http:// or https:// URL, not '%.200s'",
                                 o->logs_endpoint);
    o->availability_zone = cfg->availability_zone ? cfg->availability_zone : "";
    o->instance_type = cfg->instance_type ? cfg->instance_type : "";
    o->instance_attributes = cfg->instance_attributes ? cfg->instance_attributes : "";
    o->capacity_provider = cfg->capacity_provider ? cfg->capacity_provider : "";
    size_t cp_len = strlen(o->capacity_provider);
    if (cp_len > 255 || strspn(o->capacity_provider, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
                            cp_len)
        return ecs_invalid_param(err, "--capacity-provider must be the name of a capacity provider (up to 255 letters, "
                                      "numbers, underscores and hyphens), not '%.100s'", o->capacity_provider);
    if (check_custom(o->instance_attributes, err) < 0)
        return -1;
    o->fargate = cfg->fargate && cfg->fargate[0] ? cfg->fargate : "also";
    if (strcmp(o->fargate, "also") != 0 && strcmp(o->fargate, "only") != 0 && strcmp(o->fargate, "no") != 0)
        return ecs_invalid_param(err, "--fargate must be also, only or no, not '%.40s'", o->fargate);
    o->awsvpc_subnet = cfg->awsvpc_subnet && cfg->awsvpc_subnet[0] ? cfg->awsvpc_subnet : AGENT_AWSVPC_DEFAULT_SUBNET;
    if (agent_awsvpc_check_subnet(o->awsvpc_subnet, err) < 0)
        return -1;
    o->task_endpoint = cfg->task_endpoint ? cfg->task_endpoint : "";
    const char *setup = cfg->task_endpoint_setup ? cfg->task_endpoint_setup : "auto";
    if (strcmp(setup, "auto") != 0 && strcmp(setup, "none") != 0)
        return ecs_invalid_param(err, "--task-endpoint-setup must be auto or none, not '%.40s'", setup);
    o->task_endpoint_setup = strcmp(setup, "auto") == 0;
    if (agent_parse_ports(cfg->extra_ports, o->extra_ports, AGENT_EXTRA_PORTS_MAX, &o->n_extra_ports) < 0)
        return ecs_invalid_param(err, "--extra-ports must be a list of at most %d ports (1..65535), not "
                                      "'%.200s'", AGENT_EXTRA_PORTS_MAX, cfg->extra_ports);
    return 0;
}
