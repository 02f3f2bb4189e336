/* sched_lease.h - which server process runs the service scheduler.
 *
 * Several ecsd servers may share one store later; only one of them may
 * start and stop service tasks, or two would both replace the same dead
 * task. The one that acts holds a lease: a record in the store (kind
 * STORE_TOKEN, account "", key "Scheduler/leader", status "LEASE" so the
 * janitor's token sweep leaves it alone) naming the holder and when its
 * lease ends. A holder renews it well before the end; another process takes
 * it only once it has run out. Every write of the scheduler checks, inside
 * its own transaction, that the lease is still its own (a fence), so a
 * process that stalled past its lease cannot act on stale beliefs.
 *
 * The holder's name is the host and the advertised URL: a restarted server
 * is the same holder and takes over at once; two servers on one store must
 * be reachable at different URLs anyway. Every acquisition bumps the
 * lease's epoch, and the fence checks holder and epoch: a process that hung
 * while its restarted twin (same name) took over cannot pass for it. The
 * lease's end is judged by the store's clock (store_now_ms: the database's
 * on PostgreSQL), one clock for every server sharing it. */
#ifndef ECSD_SCHED_SCHED_LEASE_H
#define ECSD_SCHED_SCHED_LEASE_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define LEASE_MS 15000       /* a lease lasts this long ... */
#define LEASE_RENEW_MS 5000  /* ... and is renewed when less than LEASE_MS - this is left */

typedef struct sched_lease {
    char holder[320];
    int64_t until_ms;   /* end of our lease as we last wrote it (store clock); 0: not held */
    int64_t epoch;      /* the lease's epoch when we took it; 0: never held by this process */
    int64_t renewed_ms; /* this machine's clock when we last wrote it */
} sched_lease_t;

void lease_init(sched_lease_t *l, const char *advertise_url);

/* Takes or renews the lease when due. 1 held, 0 held by another process,
 * -1 store error. */
int lease_acquire(store_t *store, sched_lease_t *l, int64_t now_ms, ecs_error_t *err);

/* Inside a write transaction: 1 while the lease is still ours (holder and
 * epoch, not run out by the store's clock; now_ms is not used, kept for
 * the callers). */
int lease_check(store_txn_t *txn, const sched_lease_t *l, int64_t now_ms, ecs_error_t *err);

/* Gives the lease up (clean stop), so another process need not wait. */
void lease_release(store_t *store, sched_lease_t *l);

#endif
