/* agent_logs.h - the awslogs log driver, done by the agent: a container
 * whose logConfiguration says awslogs runs with Docker's json-file driver
 * (rotated at 5 x 20 MiB) and a label (AGENT_LOGS_LABEL) holding its
 * resolved awslogs settings; the shipper finds such containers in Docker,
 * follows their output (GET /containers/{id}/logs?follow=1&timestamps=1,
 * stdout and stderr) and sends it as CloudWatch Logs PutLogEvents batches
 * to the server (or to awslogs-endpoint / --logs-endpoint), signed with the
 * agent's credentials for the service "logs".
 *
 * Streams are named as ECS names them: awslogs-stream-prefix/CONTAINER/
 * TASK_ID (awslogs-stream when given, else the Docker container id). The
 * group is created when awslogs-create-group is "true", the stream always.
 * Batches follow CloudWatch's rules: at most 10,000 events and 1,048,576
 * bytes (message bytes + 26 per event), within 24 h, in time order; a
 * message over 256 KiB - 26 is cut in pieces.
 *
 * Durability: after each accepted batch the position of its last line
 * (Docker's time in ns and how many lines at that very time) is written to
 * DATA_DIR/logs/<container id>.pos (temporary file, fsync, rename), and a
 * follower starts from there (Docker's `since`, lines already sent at the
 * same time skipped): an agent restart loses and repeats nothing. Before a
 * batch is sent, the file also names it (its end and its newest event); a
 * file still naming one at a start means the agent died during the send,
 * and the stream's newest event (GetLogEvents) says whether the server
 * took it. While the server is away, mode blocking (the default) stops
 * reading Docker's file once the buffer (4 MiB) is full; non-blocking
 * keeps reading and drops the oldest events past max-buffer-size (default
 * 1 MiB), counting them in the agent's log. A stopped container is not
 * removed while its output is still being read or sent (agent_logs_busy,
 * the engine's keep hook).
 *
 * Threads: one shipper thread (discovery every second, batching, sends,
 * positions) and one follower thread per followed container (at most
 * AGENT_LOGS_MAX_FOLLOW); one mutex guards every container's buffer.
 */
#ifndef ECSD_AGENT_LOGS_H
#define ECSD_AGENT_LOGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "agent/docker.h"
#include "common/error.h"

/* Docker label with the resolved settings (JSON). */
#define AGENT_LOGS_LABEL "ecsd.awslogs"
#define AGENT_LOGS_MAX_FOLLOW 64

typedef struct agent_logs agent_logs_t;

typedef struct agent_logs_cfg {
    const char *cluster;
    const char *data_dir;    /* positions go to <data_dir>/logs/ */
    const char *endpoint;    /* where PutLogEvents go unless awslogs-endpoint says */
    const char *region;      /* signing region unless awslogs-region says */
    const char *access_key, *secret_key;
    docker_t *docker;        /* the caller's; outlives the shipper */
} agent_logs_cfg_t;

/* Starts the shipper thread. NULL with err when the folder or a thread
 * cannot be made. */
agent_logs_t *agent_logs_start(const agent_logs_cfg_t *cfg, ecs_error_t *err);
/* Stops every thread (unsent events stay in Docker's files: the next
 * start sends them) and frees. */
void agent_logs_stop(agent_logs_t *l);

/* A container was started: look in Docker now (l may be NULL). */
void agent_logs_kick(agent_logs_t *l);
/* Whether the container's output is still being read or sent (l may be
 * NULL): its removal should wait. */
bool agent_logs_busy(agent_logs_t *l, const char *docker_id);

/* ---- agent_logs_map.c: the task definition side (pure) ---- */

/* Checks a container definition's awslogs logConfiguration.options as
 * Docker's driver would (awslogs-group required, known options, mode,
 * max-buffer-size, the patterns): 0, or -1 with reason. */
int agent_logs_check(const json_t *options, char *reason, size_t size);
/* Container `name` of task task_arn with awslogs options: sets
 * HostConfig.LogConfig to json-file and labels[AGENT_LOGS_LABEL]. */
void agent_logs_map(const char *task_arn, const char *name, const json_t *options, json_t *labels, json_t *host);

#endif
