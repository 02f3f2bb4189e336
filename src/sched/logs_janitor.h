/* logs_janitor.h - a background thread over the CloudWatch Logs store:
 * every interval it removes the events older than their group's retention
 * (PutRetentionPolicy), then the oldest events while the store holds more
 * than its bound of message bytes (--logs-max-mb). Its writes hold only
 * the logs store's writer lock, one group (or 5,000 events) at a time. */
#ifndef ECSD_SCHED_LOGS_JANITOR_H
#define ECSD_SCHED_LOGS_JANITOR_H

#include <stdint.h>

#include "store/logs_store.h"

typedef struct logs_janitor logs_janitor_t;

logs_janitor_t *logs_janitor_start(logs_store_t *store, int64_t max_bytes, int interval_s);
void logs_janitor_stop(logs_janitor_t *j);

#endif
