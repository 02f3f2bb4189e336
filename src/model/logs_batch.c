/* logs_batch.c - one PutLogEvents batch's rules (logs_batch.h). */
#include "model/logs_batch.h"

#include <stdlib.h>

int logs_batch_check(const json_t *events, int64_t now_ms, int retention_days, logs_batch_t *b, ecs_error_t *err)
{
    *b = (logs_batch_t){.too_new_start = -1, .too_old_end = -1, .expired_end = -1};
    size_t n = json_array_size(events);
    if (n < 1 || n > LOGS_BATCH_MAX_EVENTS)
        return ecs_invalid_param(err, "1 validation error detected: Value at 'logEvents' failed to satisfy "
                                      "constraint: Member must have length %s %d",
                                 n < 1 ? "greater than or equal to" : "less than or equal to",
                                 n < 1 ? 1 : LOGS_BATCH_MAX_EVENTS);
    b->events = calloc(n, sizeof *b->events);
    if (b->events == NULL)
        return ecs_server_err(err, "out of memory");
    b->n = n;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(events, i);
        const json_t *msg = json_object_get(e, "message");
        logs_event_in_t *x = &b->events[i];
        x->msg = json_string_value(msg);
        x->msg_len = json_string_length(msg);
        x->ts = (int64_t)json_integer_value(json_object_get(e, "timestamp"));
        if (x->msg == NULL || x->msg_len < 1) {
            free(b->events);
            b->events = NULL;
            return ecs_invalid_param(err, "1 validation error detected: Value at 'logEvents.%zu.member.message' "
                                          "failed to satisfy constraint: Member must have length greater than or "
                                          "equal to 1",
                                     i + 1);
        }
        size_t size = x->msg_len + LOGS_EVENT_OVERHEAD;
        if (size > LOGS_EVENT_MAX) {
            free(b->events);
            b->events = NULL;
            return ecs_invalid_param(err, "Log event too large: %zu bytes exceeds limit of %d (logEvents[%zu]).",
                                     size, LOGS_EVENT_MAX, i);
        }
        total += size;
        if (i > 0 && x->ts < b->events[i - 1].ts) {
            free(b->events);
            b->events = NULL;
            return ecs_invalid_param(err, "Log events in a single PutLogEvents request must be in chronological "
                                          "order.");
        }
    }
    if (total > LOGS_BATCH_MAX_BYTES) {
        free(b->events);
        b->events = NULL;
        return ecs_invalid_param(err, "Upload too large: %zu bytes exceeds limit of %d", total, LOGS_BATCH_MAX_BYTES);
    }
    /* In order, so the rejected ones are a head (too old, expired) and a tail (too new). */
    int64_t old_cut = now_ms - LOGS_TOO_OLD_MS;
    int64_t expiry_cut = retention_days > 0 ? now_ms - (int64_t)retention_days * 86400000 : INT64_MIN;
    size_t first = 0, end = n;
    for (size_t i = 0; i < n; i++) {
        if (b->events[i].ts < old_cut)
            b->too_old_end = (int)i + 1;
        if (b->events[i].ts < expiry_cut)
            b->expired_end = (int)i + 1;
        if (b->events[i].ts > now_ms + LOGS_TOO_NEW_MS && b->too_new_start < 0)
            b->too_new_start = (int)i;
    }
    if (b->too_old_end > 0)
        first = (size_t)b->too_old_end;
    if (b->expired_end > 0 && (size_t)b->expired_end > first)
        first = (size_t)b->expired_end;
    if (b->too_new_start >= 0)
        end = (size_t)b->too_new_start;
    if (end < first)
        end = first;
    if (end > first && b->events[end - 1].ts - b->events[first].ts > LOGS_SPAN_MS) {
        free(b->events);
        b->events = NULL;
        return ecs_invalid_param(err, "The batch of log events in a single PutLogEvents request cannot span more "
                                      "than 24 hours.");
    }
    b->first = first;
    b->count = end - first;
    return 0;
}
