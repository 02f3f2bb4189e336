/* placement_tasks.h - the tasks on each instance of a cluster, as
 * distinctInstance, spread and the task:group / runningTasksCount
 * subjects of memberOf read them: loaded once per placement call (only
 * when its rules need them) and followed as the call places tasks. */
#ifndef ECSD_MODEL_PLACEMENT_TASKS_H
#define ECSD_MODEL_PLACEMENT_TASKS_H

#include "model/placement.h"
#include "store/store.h"

typedef struct place_task_map place_task_map_t;

/* The unstopped tasks of cluster in scope, by instance: all of them
 * (service and family NULL), or only one group's: the service's (service
 * set) or the family's standalone tasks (family set). */
int place_tasks_load(store_txn_t *txn, const char *scope, const char *cluster, const char *service,
                     const char *family, place_task_map_t **out, ecs_error_t *err);
void place_tasks_free(place_task_map_t *m);
/* A task of group just placed on instance_id (both borrowed: they must
 * outlive the map). -1 when out of memory. */
int place_tasks_add(place_task_map_t *m, const char *instance_id, const char *group);
/* For place_rules_t.tasks_of: arg is the map. NULL when none. */
const place_tasks_t *place_tasks_of(void *arg, const char *instance_id);

#endif
