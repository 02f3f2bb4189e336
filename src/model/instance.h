/* instance.h - container instances as stored and as shown.
 *
 * Record: key = instance id (a UUID), cluster = cluster name, status =
 * ACTIVE | INACTIVE, num = when its agent was last heard from (epoch ms).
 * Document: the ContainerInstance shape without its live parts and its
 * resource lists (made from "_ecsd" when shown), plus
 * "_ecsd": {"total": res, "avail": res, "index": n, "groups": {GROUP: n}}
 * (resources.h's compact form): total as registered, avail = total less
 * what unstopped tasks hold, index = version of the instance's desired
 * task state, which the blocking poll compares, groups = its unstopped
 * tasks per task group (instance_groups_add). */
#ifndef ECSD_MODEL_INSTANCE_H
#define ECSD_MODEL_INSTANCE_H

#include <stdbool.h>

#include "model/context.h"
#include "model/resources.h"

#define INSTANCE_ID_MAX 64

/* Extracts the instance id from an id or a container-instance ARN (short
 * or long form). As with tasks, the caller compares the record's cluster
 * with `cluster`: another cluster's instance is not found. */
int instance_id_from_param(const model_ctx_t *ctx, const char *field, const char *value, const char *cluster,
                           char id[INSTANCE_ID_MAX + 1], ecs_error_t *err);

/* The ContainerInstance shape: document less "_ecsd", plus
 * remainingResources, agentConnected and task counts. */
json_t *instance_view(const model_ctx_t *ctx, const store_record_t *rec, ecs_error_t *err);

bool instance_agent_connected(const model_ctx_t *ctx, const store_record_t *rec);

/* Reads / writes the "_ecsd" resource state of an instance document. */
void instance_get_avail(const store_record_t *rec, res_t *avail);
void instance_set_avail(store_record_t *rec, const res_t *avail);
/* "_ecsd": {"groups": {GROUP: n}}: how many unstopped tasks of each task
 * group the instance holds, kept beside avail (placed: +1, stopped: -1,
 * re-registration: counted again), so that distinctInstance and spread do
 * not read the tasks. Records of an older ecsd have none until their
 * next registration: instance_groups is NULL then. */
void instance_groups_add(store_record_t *rec, const char *group, int delta);
const json_t *instance_groups(const json_t *doc);

/* Bumps the desired-state index and asks for the instance's polls to be woken. */
void instance_touch(model_ctx_t *ctx, store_record_t *rec);

/* Stores an instance record and brings the capacity index along (as it
 * will be once the transaction commits; should it roll back, the
 * dispatcher resets the entry from the store). Not for use while holding
 * the index's lock (placement stores its instances itself). */
int instance_put(model_ctx_t *ctx, store_record_t *rec, ecs_error_t *err);

#endif
