/* instance_lost.h - a host whose agent has been silent past
 * --host-lost-after (docs/agent.md, "Lost hosts").
 *
 * ECS leaves a disconnected instance's tasks as they were, in the dark;
 * Nomad marks the node down and its allocations lost, and reschedules them.
 * ecsd does as Nomad: every task of the lost host that is not STOPPED yet
 * becomes STOPPED (stopCode TerminationNotice, a stoppedReason naming the
 * host and the silence), which releases its resources and lets the service
 * scheduler replace a service's tasks elsewhere at once. The instance stays
 * ACTIVE (agentConnected false) and is marked lost ("_ecsd.lost": when);
 * should its agent come back, its poll no longer lists those tasks, so the
 * agent stops their containers (it stops what the server no longer lists),
 * and the heartbeat clears the mark. In the server's view a task is never
 * RUNNING on two hosts: the old copy is STOPPED before its replacement is
 * placed. */
#ifndef ECSD_MODEL_INSTANCE_LOST_H
#define ECSD_MODEL_INSTANCE_LOST_H

#include "model/context.h"

#define INSTANCE_LOST_STOP_CODE "TerminationNotice"

/* How long an agent is silent before its host is lost: --agent-timeout
 * plus the grace --host-lost-after; 0 when hosts are never lost. */
int64_t instance_lost_after_ms(const model_service_t *svc);

/* Inside ctx's write transaction: marks instance id lost when it is still
 * silent for at least instance_lost_after_ms, its silence counted from
 * its last heartbeat or from heard_floor_ms, whichever is later (the
 * scheduler passes when it took the lead: a host is not lost for the time
 * no server could hear it), not INACTIVE and not
 * marked already; stops its tasks (*stopped counts them) and adds an event
 * to each service that had one there. 1 marked, 0 nothing to do. */
int instance_mark_lost(model_ctx_t *ctx, const char *id, int64_t heard_floor_ms, int *stopped, ecs_error_t *err);

/* The lost mark of an instance document: when it was set (ms), 0: none. */
int64_t instance_lost_at(const json_t *doc);
/* Clears the mark (the agent was heard from again); true if there was one. */
bool instance_clear_lost(json_t *doc);

#endif
