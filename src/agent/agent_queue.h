/* agent_queue.h - the agent's outbox: state changes waiting to be
 * acknowledged by the server, kept on disk so that none is lost when the
 * server is away or the agent restarts.
 *
 * File: one JSON document per line, appended and fsync'd before push
 * returns:
 *     {"seq":12,"op":"SubmitContainerStateChange","body":"<request JSON>"}
 *     {"ack":12}
 * Opening replays the file (a torn last line from a crash is dropped),
 * keeps the entries without an ack, and rewrites the file with only those
 * (atomically). When nothing is pending the file is emptied; when it grows
 * past a bound it is rewritten the same way.
 *
 * Order: entries leave in push order (FIFO), one at a time: the head is
 * acknowledged before the next one is handed out, so the reports of a task
 * reach the server in the order they were made.
 *
 * Threads: every call is safe from any thread (one internal mutex);
 * agent_queue_wait is for the one consumer.
 */
#ifndef ECSD_AGENT_QUEUE_H
#define ECSD_AGENT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef struct agent_queue agent_queue_t;

typedef struct agent_queue_item {
    uint64_t seq;
    char *op;   /* "SubmitContainerStateChange", ... (caller frees with agent_queue_item_clear) */
    char *body; /* the request's JSON text */
} agent_queue_item_t;

int agent_queue_open(const char *path, agent_queue_t **out, ecs_error_t *err);
void agent_queue_close(agent_queue_t *q);

/* Appends and fsyncs; the entry is durable when this returns 0. */
int agent_queue_push(agent_queue_t *q, const char *op, const char *body, ecs_error_t *err);
/* A copy of the head: 1, or 0 when nothing is pending. */
int agent_queue_peek(agent_queue_t *q, agent_queue_item_t *out);
/* Acknowledges the head, which must have this seq (else nothing happens
 * and -1 is returned). */
int agent_queue_ack(agent_queue_t *q, uint64_t seq, ecs_error_t *err);
size_t agent_queue_pending(agent_queue_t *q);
/* Waits until something is pending, agent_queue_wake is called, or
 * timeout_ms pass. Returns true when something is pending. */
bool agent_queue_wait(agent_queue_t *q, int timeout_ms);
/* Wakes a waiter (to stop it). */
void agent_queue_wake(agent_queue_t *q);

void agent_queue_item_clear(agent_queue_item_t *item);

#endif
