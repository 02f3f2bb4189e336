/* agent.h - the ecsd agent: makes this host a container instance of a
 * cluster and runs the tasks the server places on it as Docker containers
 * (docs/agent.md, docs/agent-protocol.md).
 *
 * Threads started by agent_start, all stopped by agent_stop:
 *   poll      registers the host (re-attaching the instance ARN kept in
 *             the data folder), adopts containers left by an earlier run,
 *             then long-polls the desired state and hands it to the engine;
 *   sender    sends the queued state changes, in order, until each is
 *             acknowledged (retrying with backoff while the server is away);
 *   events    follows Docker's event stream to learn of exits at once;
 *   house     every second removes what the cleanup delay let go, and now
 *             and then looks for exits the event stream missed;
 *   plus the engine's worker threads, the introspection server's and
 *   the task metadata endpoint's (agent_metadata.h).
 */
#ifndef ECSD_AGENT_AGENT_H
#define ECSD_AGENT_AGENT_H

#include "agent/agent_opts.h"
#include "common/error.h"

typedef struct agent agent_t;

/* Opens the data folder and the queue and starts the threads; the server
 * and Docker need not answer yet (the agent waits for them). -1 on a
 * local problem (data folder, introspection port). */
int agent_start(const agent_opts_t *opts, agent_t **out, ecs_error_t *err);
/* Stops every thread (containers keep running) and frees the agent. */
void agent_stop(agent_t *a);

#endif
