/* janitor.h - a background thread that removes what ECS stops showing:
 * STOPPED tasks some time after they stopped (ecs-behavior.md §5.4), and
 * idempotency tokens as old. */
#ifndef ECSD_SCHED_JANITOR_H
#define ECSD_SCHED_JANITOR_H

#include "store/store.h"

typedef struct janitor janitor_t;

/* Every interval_s, deletes tasks STOPPED more than retention_s ago. */
janitor_t *janitor_start(store_t *store, int retention_s, int interval_s);
/* Removes once, now; returns how many stopped tasks went (-1 on error). */
int janitor_sweep(store_t *store, int retention_s);
void janitor_stop(janitor_t *j);

#endif
