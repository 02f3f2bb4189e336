/* agent_metadata.h - what the agent serves to the containers it runs, as
 * the ECS agent does at 169.254.170.2:80 (docs/agent.md, "Inside the
 * task"):
 *
 *   /v4/ID, /v4/ID/task, /v4/ID/taskWithTags, /v4/ID/stats,
 *   /v4/ID/task/stats and the same under /v3   the task metadata endpoint
 *   /v2/credentials/CID, /v1/credentials?id=CID the task role's credentials
 *
 * ID names one container, CID one task's role: both are derived from a
 * key only the agent knows (DATA_DIR/agent-secret) with the task's ARN,
 * so they stay the same across agent restarts (the containers keep the
 * variables they were created with) and cannot be guessed. A container is
 * known only by the id in the path, never by the address it asks from.
 *
 * The views are built from the engine's tasks under its mutex; the
 * credentials are those the last poll answer brought (the server renews
 * them well before they expire), never logged.
 */
#ifndef ECSD_AGENT_METADATA_H
#define ECSD_AGENT_METADATA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "agent/agent_engine.h"
#include "agent/agent_task.h"
#include "common/error.h"

#define AGENT_TMDS_DEFAULT "169.254.170.2:80"
#define AGENT_ID_KEY_SIZE 32

/* What the endpoint's views and the containers' variables need. */
typedef struct agent_tmds_cfg {
    const char *url;         /* "http://169.254.170.2" (":PORT" unless 80); "" or NULL: no endpoint */
    const char *region;      /* AWS_REGION, AWS_DEFAULT_REGION */
    const char *az;          /* AvailabilityZone when the poll says none; "" for none */
    unsigned char key[AGENT_ID_KEY_SIZE]; /* derives the ids */
} agent_tmds_cfg_t;

/* The engine keeps a copy (before the first apply). */
void agent_engine_set_tmds(agent_engine_t *e, const agent_tmds_cfg_t *cfg);

/* An id of kind ("v4" for a container, "role", "exec") for the task (and
 * container name, "" for a role): a UUID's form, from an HMAC-SHA256 with key. */
void agent_meta_id(const unsigned char key[AGENT_ID_KEY_SIZE], const char *kind, const char *task_arn,
                   const char *name, char out[40]);

/* ---- agent_metadata_view.c (the engine's lock held unless said) ---- */

/* Takes from a poll entry what the endpoint serves: on a new task its
 * ids and what the poll says of it; on every answer the credentials of
 * its roles. A task whose roles the server cannot give credentials for
 * ("credentialsError") fails before it starts, with that reason. */
void agent_meta_take(agent_engine_t *e, agent_task_t *t, const json_t *entry, bool is_new);
/* The variables the agent gives container i ([{"name","value"}]; a
 * variable the definition sets itself wins): ECS_CONTAINER_METADATA_URI
 * (v3), ECS_CONTAINER_METADATA_URI_V4, ECS_AGENT_URI,
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (with a task role), AWS_REGION,
 * AWS_DEFAULT_REGION, AWS_EXECUTION_ENV (AWS_ECS_EC2, AWS_ECS_FARGATE for a
 * FARGATE task). */
json_t *agent_meta_env(agent_engine_t *e, const agent_task_t *t, size_t i);

typedef enum agent_meta_what {
    AGENT_META_CONTAINER,
    AGENT_META_TASK,
    AGENT_META_TASK_TAGS,
    AGENT_META_STATS,      /* *out gets the container's Docker id (a string) */
    AGENT_META_TASK_STATS, /* *out gets the Docker ids of the task's started containers */
} agent_meta_what_t;

/* Takes the engine's lock. 1 with *out (version 3 or 4), 0 when no
 * container has this id. */
int agent_engine_metadata(agent_engine_t *e, const char *id, int version, agent_meta_what_t what, json_t **out);
/* Takes the engine's lock. 1 with *out = {RoleArn, AccessKeyId,
 * SecretAccessKey, Token, Expiration}, 0 when no running task has this id,
 * or when peer (the asker's IPv4 address, NULL when unknown) is the
 * address of a running container of another task and of none of this
 * task's: a bridge-mode container that learnt another task's id still
 * cannot read its credentials. (Host-mode containers share the host's
 * address and are known by the id alone, as with the ECS agent.) */
int agent_engine_credentials(agent_engine_t *e, const char *id, const char *peer, json_t **out);
/* The execution role's credentials of a task (for the agent's own
 * needs: pulls, logs, secrets), as above; 0 when it has none. */
int agent_engine_exec_credentials(agent_engine_t *e, const char *task_arn, json_t **out);

/* Views of one task (lock held), for tests too. */
json_t *agent_meta_container_view(const agent_task_t *t, size_t i, int version);
json_t *agent_meta_task_view(const agent_task_t *t, const char *az, int version, bool tags);

/* ---- agent_netsetup.c: the endpoint's address ---- */

/* Makes the IPv4 address ip a local address of the loopback interface
 * (netlink), so that the endpoint can listen on it and the containers
 * reach it through their default route. *added says whether this call
 * added it (it was not there yet): only then is it removed again. */
int agent_net_add_local(const char *ip, bool *added, ecs_error_t *err);
void agent_net_del_local(const char *ip);

#endif
