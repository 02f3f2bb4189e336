/* poll.h - the agents' blocking poll (docs/agent-protocol.md).
 *
 * The hub keeps the polls that are waiting for a change of their
 * container instance's desired state. A commit that changes an instance
 * wakes its polls (api_apply_effects); a timer thread ends those that
 * waited their full time. The HTTP layer suspends a waiting connection and
 * resumes it from the waiter's fire callback.
 *
 * Threads: every member of a waiter and the hub's list are guarded by the
 * hub's lock; fire() and suspend() run with it held.
 */
#ifndef ECSD_API_POLL_H
#define ECSD_API_POLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/dispatch.h"

#define POLL_WAIT_MAX_S 20

typedef struct poll_hub poll_hub_t;

typedef struct poll_waiter {
    char account[MODEL_SCOPE_MAX]; /* the scope ("ACCOUNT:REGION") of the instance */
    char instance[65];
    int64_t deadline_ms;
    void (*fire)(void *arg); /* resumes the request; called once, with the hub lock held */
    void *arg;
    bool listed, fired, armed;
    struct poll_waiter *next, *prev;
} poll_waiter_t;

poll_hub_t *poll_hub_new(void);
/* Fires every waiter (so suspended requests can finish) and stops the timer. */
void poll_hub_free(poll_hub_t *hub);
/* Fires every waiter now; new ones are fired at once. For shutdown. */
void poll_hub_shutdown(poll_hub_t *hub);

void poll_hub_add(poll_hub_t *hub, poll_waiter_t *w);
/* Suspends through suspend(arg) unless w already fired; false when it had
 * (the caller answers at once instead). */
bool poll_hub_arm(poll_hub_t *hub, poll_waiter_t *w, void (*suspend)(void *arg), void *arg);
void poll_hub_remove(poll_hub_t *hub, poll_waiter_t *w);
/* Fires the waiters of one instance of a scope (instance NULL: all of the
 * scope; account NULL: every waiter, after changes may have been missed). */
void poll_hub_wake(poll_hub_t *hub, const char *account, const char *instance);

/* Answers POST /v1/poll. Returns 1 with resp filled; or 0 when the
 * instance's state has not changed since the request's index and the
 * caller should wait (w's scope, instance and deadline are filled), then
 * call again with force = true. */
int api_poll(const model_service_t *svc, const char *account, const char *region, const char *body, size_t len,
             bool force, api_response_t *resp, poll_waiter_t *w);

#endif
