/* logs_batch.h - CloudWatch's rules for one PutLogEvents batch, apart
 * from any store, so they can be tested one by one:
 *   - at most 10,000 events, and at most 1,048,576 bytes counted as the
 *     messages' UTF-8 bytes plus 26 bytes an event (an event alone at most
 *     LOGS_EVENT_MAX the same way);
 *   - in chronological order (else the batch fails);
 *   - events more than 2 hours ahead, more than 14 days old, or older than
 *     the group's retention are rejected and the rest kept
 *     (rejectedLogEventsInfo), and the kept ones span at most 24 hours
 *     (else the batch fails).
 */
#ifndef ECSD_MODEL_LOGS_BATCH_H
#define ECSD_MODEL_LOGS_BATCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "store/logs_store.h"

#define LOGS_EVENT_OVERHEAD 26
#define LOGS_BATCH_MAX_BYTES 1048576
#define LOGS_BATCH_MAX_EVENTS 10000
/* Today's PutLogEvents documentation: "Each log event can be no larger
 * than 1 MB" (it was 256 KiB until 2025). */
#define LOGS_EVENT_MAX 1048576
#define LOGS_TOO_NEW_MS (2LL * 3600 * 1000)
#define LOGS_TOO_OLD_MS (14LL * 86400 * 1000)
#define LOGS_SPAN_MS (24LL * 3600 * 1000)

typedef struct logs_batch {
    logs_event_in_t *events; /* malloc'd, n of them, pointing into the request */
    size_t n;
    size_t first, count;     /* the kept ones: events[first .. first+count) */
    int too_new_start;       /* -1: none rejected for it */
    int too_old_end;         /* exclusive; -1: none */
    int expired_end;         /* exclusive; -1: none */
} logs_batch_t;

/* Checks logEvents (a JSON array the model check passed) at now_ms for a
 * group of retention_days (0: none). 0 with b filled (free b->events),
 * or -1 with InvalidParameterException. */
int logs_batch_check(const json_t *events, int64_t now_ms, int retention_days, logs_batch_t *b, ecs_error_t *err);

#endif
