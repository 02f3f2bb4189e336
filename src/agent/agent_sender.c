/* agent_sender.c - the sender thread: sends the queued state changes one
 * at a time, in order, and acknowledges each in the queue when the server
 * did; retries with backoff while the server is away (forever: nothing is
 * dropped but a change the server refuses as malformed). */
#include <string.h>

#include "agent/agent_int.h"
#include "common/cleanup.h"
#include "common/log.h"

#define BACKOFF_MAX_MS 5000

void *agent_sender_main(void *arg)
{
    agent_t *a = arg;
    agent_backoff_t b;
    agent_backoff_init(&b, BACKOFF_MAX_MS);
    int failures = 0;
    while (!agent_stopping(a)) {
        if (!agent_queue_wait(a->queue, 1000))
            continue;
        agent_queue_item_t item;
        if (agent_queue_peek(a->queue, &item) != 1)
            continue;
        ecs_error_t err = {0};
        cleanup_json json_t *out = NULL;
        int rc = agent_client_call(a->client, item.op, item.body, &out, &err);
        if (rc == 0 || !agent_client_retryable(&err)) {
            if (rc < 0)
                log_error("%s refused (%s: %s); dropping it: %s", item.op, err.type, err.message, item.body);
            else if (failures > 0)
                log_info("state changes reach the server again (after %d failures)", failures);
            failures = 0;
            agent_backoff_init(&b, BACKOFF_MAX_MS);
            ecs_error_t qerr;
            if (agent_queue_ack(a->queue, item.seq, &qerr) < 0)
                log_warn("%s", qerr.message);
        } else {
            if (failures++ == 0)
                log_warn("%s: %s: %s (%zu state changes wait; retrying)", item.op, err.type, err.message,
                         agent_queue_pending(a->queue));
            agent_sleep(a, agent_backoff_next(&b));
        }
        agent_queue_item_clear(&item);
    }
    return NULL;
}
