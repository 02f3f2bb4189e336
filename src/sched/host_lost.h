/* host_lost.h - the scheduler's sweep for lost hosts
 * (model/instance_lost.h): every few seconds, on the server holding the
 * scheduler's lease, instances silent for long enough (--agent-timeout plus
 * --host-lost-after) are marked lost and their tasks stopped, each host in
 * its own write transaction fenced by the lease, so that a paused former
 * leader cannot stop tasks on a belief that is no longer true. */
#ifndef ECSD_SCHED_HOST_LOST_H
#define ECSD_SCHED_HOST_LOST_H

#include "model/context.h"
#include "sched/sched_lease.h"
#include "sched/strmap.h"

#define HOST_LOST_SWEEP_MS 2000

typedef struct host_lost {
    strmap_t done;   /* scope\x1fid -> heartbeat (num) at which it was found lost: not looked at again */
    int64_t next_ms; /* when to sweep next */
    /* When this process took the lead (0: not yet swept as leader). Silence
     * counts from then at the earliest: after a restart or a failover of the
     * servers, agents get a whole grace to find the server again, as Nomad
     * gives every node a fresh heartbeat TTL after a leader election. */
    int64_t lead_since_ms;
} host_lost_t;

/* Sweeps when due. Returns the number of hosts marked lost (tasks stopped
 * into *stopped), -1 with err. */
int host_lost_sweep(host_lost_t *h, const model_service_t *svc, const sched_lease_t *lease, int64_t now_ms,
                    int *stopped, ecs_error_t *err);
void host_lost_free(host_lost_t *h);

#endif
