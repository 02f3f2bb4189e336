/* agent_awsvpc.c - see agent_awsvpc.h. */
#include "agent/agent_awsvpc.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_map.h"
#include "agent/agent_pause.h"
#include "common/cleanup.h"
#include "common/log.h"

void agent_awsvpc_pause_name(const char *task_id, char out[AGENT_AWSVPC_NAME_MAX])
{
    snprintf(out, AGENT_AWSVPC_NAME_MAX, "ecsd-pause-%.64s", task_id);
}

int agent_awsvpc_check_subnet(const char *cidr, ecs_error_t *err)
{
    char addr[32];
    const char *slash = strchr(cidr, '/');
    char *end = NULL;
    long bits = slash ? strtol(slash + 1, &end, 10) : -1;
    struct in_addr a;
    if (slash == NULL || (size_t)(slash - cidr) >= sizeof addr || end == slash + 1 || *end != '\0' || bits < 8 ||
        bits > 28)
        return ecs_invalid_param(err, "--awsvpc-subnet must be an IPv4 network such as 172.31.0.0/16 (prefix 8 to "
                                      "28), not '%.100s'", cidr);
    memcpy(addr, cidr, (size_t)(slash - cidr));
    addr[slash - cidr] = '\0';
    if (inet_pton(AF_INET, addr, &a) != 1)
        return ecs_invalid_param(err, "--awsvpc-subnet: '%.40s' is not an IPv4 address", addr);
    return 0;
}

/* The agent's network, made when missing. */
static int ensure_network(const agent_runtime_t *rt, const char *cidr, ecs_error_t *err)
{
    cleanup_json json_t *info = NULL;
    int found = rt->network_inspect(rt->impl, AGENT_AWSVPC_NETWORK, &info, err);
    if (found != 0)
        return found < 0 ? -1 : 0;
    log_info("creating the Docker network " AGENT_AWSVPC_NETWORK " (%s) for awsvpc tasks", cidr);
    cleanup_json json_t *body = json_pack("{s:s, s:s, s:b, s:{s:s, s:[{s:s}]}, s:{s:s}}", "Name", AGENT_AWSVPC_NETWORK,
                                          "Driver", "bridge", "CheckDuplicate", 1, "IPAM", "Driver", "default",
                                          "Config", "Subnet", cidr, "Labels", "com.amazonaws.ecs.managed-by",
                                          "ecsd-agent");
    if (body == NULL)
        return ecs_server_err(err, "out of memory");
    ecs_error_t cerr;
    if (rt->network_create(rt->impl, body, &cerr) == 0)
        return 0;
    /* made meanwhile by another of the agent's workers: fine */
    found = rt->network_inspect(rt->impl, AGENT_AWSVPC_NETWORK, &info, err);
    if (found == 1)
        return 0;
    *err = cerr;
    return -1;
}

static json_t *pause_body(const char *cluster, const char *task_arn, const char *cgroup_parent)
{
    json_t *body = json_pack("{s:s, s:{s:s, s:s, s:s}, s:{s:s, s:{s:s}}, s:b}", "Image", AGENT_PAUSE_IMAGE, "Labels",
                     AGENT_LABEL_CLUSTER, cluster, AGENT_LABEL_TASK_ARN, task_arn, AGENT_LABEL_CONTAINER,
                     AGENT_PAUSE_CONTAINER, "HostConfig", "NetworkMode", AGENT_AWSVPC_NETWORK, "RestartPolicy", "Name",
                     "no", "NetworkDisabled", 0);
    if (body != NULL && cgroup_parent != NULL && cgroup_parent[0] != '\0') /* as the ECS agent: held by the task */
        json_object_set_new(json_object_get(body, "HostConfig"), "CgroupParent", json_string(cgroup_parent));
    return body;
}

int agent_awsvpc_setup(const agent_runtime_t *rt, const char *cidr, const char *cluster, const char *task_arn,
                       const char *task_id, const char *cgroup_parent, agent_netns_t *ns, ecs_error_t *err)
{
    memset(ns, 0, sizeof *ns);
    if (rt->network_inspect == NULL || rt->network_create == NULL)
        return ecs_server_err(err, "this runtime has no networks");
    if (agent_pause_ensure(rt, err) < 0 || ensure_network(rt, cidr, err) < 0)
        return -1;
    char name[AGENT_AWSVPC_NAME_MAX];
    agent_awsvpc_pause_name(task_id, name);
    cleanup_json json_t *info = NULL;
    int found = rt->inspect(rt->impl, name, &info, err);
    if (found < 0)
        return -1;
    if (found == 0) { /* else made before a restart of the agent: taken */
        cleanup_json json_t *body = pause_body(cluster, task_arn, cgroup_parent);
        if (body == NULL)
            return ecs_server_err(err, "out of memory");
        if (rt->create(rt->impl, name, body, ns->pause_id, err) < 0)
            return -1;
    }
    if (rt->start(rt->impl, name, err) < 0)
        return -1;
    json_decref(info);
    info = NULL;
    if (rt->inspect(rt->impl, name, &info, err) != 1)
        return ecs_server_err(err, "the pause container %s vanished", name);
    const json_t *net = json_object_get(json_object_get(json_object_get(info, "NetworkSettings"), "Networks"),
                                        AGENT_AWSVPC_NETWORK);
    const char *ip = json_string_value(json_object_get(net, "IPAddress"));
    const char *mac = json_string_value(json_object_get(net, "MacAddress"));
    const char *id = json_string_value(json_object_get(info, "Id"));
    if (ip == NULL || ip[0] == '\0')
        return ecs_server_err(err, "the pause container %s has no address on " AGENT_AWSVPC_NETWORK, name);
    snprintf(ns->ip, sizeof ns->ip, "%s", ip);
    snprintf(ns->mac, sizeof ns->mac, "%s", mac ? mac : "");
    snprintf(ns->pause_id, sizeof ns->pause_id, "%s", id ? id : "");
    return 0;
}

void agent_awsvpc_join(json_t *body, const char *pause_name)
{
    json_t *host = json_object_get(body, "HostConfig");
    char mode[AGENT_AWSVPC_NAME_MAX + 16];
    snprintf(mode, sizeof mode, "container:%s", pause_name);
    json_object_set_new(host, "NetworkMode", json_string(mode));
    static const char *const host_keys[] = {"PortBindings", "Links", "Dns", "DnsSearch", "DnsOptions", "ExtraHosts"};
    for (size_t i = 0; i < sizeof host_keys / sizeof host_keys[0]; i++)
        json_object_del(host, host_keys[i]);
    json_object_del(body, "ExposedPorts");
    json_object_del(body, "Hostname");
}

json_t *agent_awsvpc_bindings(const json_t *def, const char *ip)
{
    json_t *out = json_array();
    size_t i;
    json_t *pm;
    json_array_foreach(json_object_get(def, "portMappings"), i, pm)
    {
        json_int_t port = json_integer_value(json_object_get(pm, "containerPort"));
        const char *proto = json_string_value(json_object_get(pm, "protocol"));
        if (port > 0 && port <= 65535)
            json_array_append_new(out, json_pack("{s:s, s:I, s:I, s:s}", "bindIP", ip, "containerPort", port,
                                                 "hostPort", port, "protocol", proto ? proto : "tcp"));
    }
    return out;
}

const char *agent_awsvpc_eni_id(const json_t *entry)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(entry, "attachments"), i, a)
    {
        const char *type = json_string_value(json_object_get(a, "type"));
        if (type != NULL && strcmp(type, "ElasticNetworkInterface") == 0)
            return json_string_value(json_object_get(a, "id"));
    }
    return NULL;
}

json_t *agent_awsvpc_report(const char *cluster, const char *task_arn, const char *eni_id, const char *region,
                            const agent_netns_t *ns)
{
    /* arn:aws:ecs:REGION:ACCOUNT:task/... -> arn:aws:ecs:REGION:ACCOUNT:attachment/ID */
    const char *task = strstr(task_arn, ":task/");
    if (task == NULL || eni_id == NULL || eni_id[0] == '\0') /* a server that made no attachment */
        return NULL;
    char arn[512], eni[32], dns[160];
    snprintf(arn, sizeof arn, "%.*s:attachment/%.40s", (int)(task - task_arn), task_arn, eni_id);
    /* an ENI id as AWS writes them, from the pause container's id */
    snprintf(eni, sizeof eni, "eni-%.17s", ns->pause_id[0] ? ns->pause_id : "00000000000000000");
    /* EC2's internal names: ec2.internal in us-east-1, REGION.compute.internal elsewhere */
    if (region == NULL || strcmp(region, "us-east-1") == 0)
        snprintf(dns, sizeof dns, "ip-%s.ec2.internal", ns->ip);
    else
        snprintf(dns, sizeof dns, "ip-%s.%.40s.compute.internal", ns->ip, region);
    for (size_t i = 3; i < 3 + strlen(ns->ip) && dns[i] != '\0'; i++) /* ip-172-31-0-5.ec2.internal */
        if (dns[i] == '.')
            dns[i] = '-';
    /* in the order DescribeTasks shows them on ECS */
    return json_pack("{s:s, s:[{s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}]}", "cluster", cluster,
                     "attachments", "attachmentArn", arn, "status", "ATTACHED", "details", "name",
                     "networkInterfaceId", "value", eni, "name", "macAddress", "value", ns->mac, "name",
                     "privateDnsName", "value", dns, "name", "privateIPv4Address", "value", ns->ip);
}

int agent_awsvpc_release(const agent_runtime_t *rt, const char *task_id, ecs_error_t *err)
{
    char name[AGENT_AWSVPC_NAME_MAX];
    agent_awsvpc_pause_name(task_id, name);
    cleanup_json json_t *info = NULL;
    int found = rt->inspect(rt->impl, name, &info, err);
    if (found <= 0)
        return found;
    return rt->remove(rt->impl, name, err); /* force: SIGKILL, then gone with its address */
}
