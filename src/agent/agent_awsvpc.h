/* agent_awsvpc.h - networkMode awsvpc on a host: every task gets its own
 * network namespace, held by a pause container (agent_pause.h) on the
 * agent's bridge network AGENT_AWSVPC_NETWORK (a Docker network the agent
 * creates with --awsvpc-subnet; Docker's IPAM gives each task its
 * address). The task's containers join it (HostConfig.NetworkMode
 * container:<pause>), so they reach each other on localhost, and their
 * port mappings are served on the task's own address with hostPort equal
 * to containerPort, as on ECS. The address goes to the server as the
 * task's ENI attachment (SubmitAttachmentStateChanges, ATTACHED, with
 * ecsd's member "details"); the pause container is removed once every
 * container of the task stopped, which frees the address.
 *
 * Pure but for setup and release, which make Docker calls (no lock). */
#ifndef ECSD_AGENT_AWSVPC_H
#define ECSD_AGENT_AWSVPC_H

#include <jansson.h>

#include "agent/agent_runtime.h"
#include "common/error.h"

#define AGENT_AWSVPC_NETWORK "ecsd-awsvpc"
#define AGENT_AWSVPC_DEFAULT_SUBNET "172.31.0.0/16"
#define AGENT_PAUSE_CONTAINER "~internal~ecs~pause" /* its container-name label, as the ECS agent names it */
#define AGENT_AWSVPC_NAME_MAX 96
#define AGENT_AWSVPC_ADDR_MAX 64

/* What setup learns of the task's namespace. */
typedef struct agent_netns {
    char ip[AGENT_AWSVPC_ADDR_MAX];
    char mac[AGENT_AWSVPC_ADDR_MAX];
    char pause_id[DOCKER_ID_MAX + 1];
} agent_netns_t;

/* The pause container's name of the task with this id. */
void agent_awsvpc_pause_name(const char *task_id, char out[AGENT_AWSVPC_NAME_MAX]);

/* Checks a --awsvpc-subnet value: an IPv4 CIDR a.b.c.d/8..28. */
int agent_awsvpc_check_subnet(const char *cidr, ecs_error_t *err);

/* Makes the task's namespace: the pause image, the network (subnet cidr),
 * the pause container (labelled with cluster and task so adoption after a
 * restart finds it; an existing one is taken; in the task's cgroup
 * cgroup_parent unless ""), started, and its address. */
int agent_awsvpc_setup(const agent_runtime_t *rt, const char *cidr, const char *cluster, const char *task_arn,
                       const char *task_id, const char *cgroup_parent, agent_netns_t *ns, ecs_error_t *err);

/* Turns a container's create body into one that joins the task's
 * namespace: NetworkMode container:<pause>, without what Docker refuses
 * with it (ports published or exposed, hostname, links, DNS, extra hosts). */
void agent_awsvpc_join(json_t *body, const char *pause_name);

/* networkBindings of container definition def on the task's address ip:
 * each portMapping's containerPort, hostPort the same. New array. */
json_t *agent_awsvpc_bindings(const json_t *def, const char *ip);

/* The SubmitAttachmentStateChanges body telling the server the address:
 * the attachment eni_id of task_arn ATTACHED (privateDnsName as EC2 names
 * hosts in region; NULL: us-east-1). NULL when out of memory or
 * there is no attachment to report (eni_id ""). */
json_t *agent_awsvpc_report(const char *cluster, const char *task_arn, const char *eni_id, const char *region,
                            const agent_netns_t *ns);

/* The ENI attachment's id in a poll entry (Task), or NULL. */
const char *agent_awsvpc_eni_id(const json_t *entry);

/* Removes the pause container (it may be gone already). */
int agent_awsvpc_release(const agent_runtime_t *rt, const char *task_id, ecs_error_t *err);

#endif
