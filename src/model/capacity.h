/* capacity.h - an in-memory index of what each ACTIVE container instance
 * has left, per cluster, so that RunTask chooses among thousands of
 * instances without reading them all from the store.
 *
 * The index is a hint, never the truth: placement verifies its choice
 * against the instance's stored record inside the operation's transaction
 * (and corrects the index when they differ), and every commit that
 * changed instances refreshes their entries from the store. An entry only
 * moves forward in record version, so refreshes racing each other cannot
 * put an older state back.
 *
 * Threads: everything is guarded by the index's lock; a cluster's arrays
 * may be used only between cap_lock() and cap_unlock().
 */
#ifndef ECSD_MODEL_CAPACITY_H
#define ECSD_MODEL_CAPACITY_H

#include <stdint.h>

#include "model/context.h"
#include "model/placement.h"
#include "store/store.h"

typedef struct cap_index cap_index_t;

/* One instance's entry besides its placement candidate. */
typedef struct cap_meta {
    char *id;
    json_t *arn;     /* containerInstanceArn */
    json_t *avail;   /* the stored "avail" (cands[i].tcp/udp point into it) */
    json_t *attrs;   /* the stored "attributes" (cands[i].attrs) */
    json_t *doc;     /* the stored document (cands[i].doc: what memberOf reads) */
    int64_t version; /* store version of the record this entry reflects */
    int64_t heard_ms;
    bool no_groups;  /* a record of an older ecsd, without the task counts per group */
} cap_meta_t;

typedef struct cap_cluster {
    char account[MODEL_SCOPE_MAX]; /* the scope */
    char *name;
    place_candidate_t *cands; /* parallel to meta */
    cap_meta_t *meta;
    size_t n, cap;
    int32_t *slots;           /* hash of id -> index, open addressing; -1 empty */
    size_t n_slots;
    bool stale;               /* to be reloaded whole at next use */
    place_memo_t *memo;       /* placement's work kept between calls (placement.h), or NULL */
    size_t n_no_groups;       /* entries with no_groups */
    struct cap_cluster *next;
} cap_cluster_t;

cap_index_t *cap_new(void);
void cap_free(cap_index_t *ix);

void cap_lock(cap_index_t *ix);
void cap_unlock(cap_index_t *ix);

/* With the lock held: the cluster's entries, loaded from the store (through
 * txn) on first use. */
int cap_cluster(cap_index_t *ix, store_txn_t *txn, const char *account, const char *cluster, cap_cluster_t **out,
                ecs_error_t *err);
/* With the lock held: sets each candidate's `connected` from its last
 * heartbeat: heard after since_ms. */
void cap_mark_connected(cap_cluster_t *cc, int64_t since_ms);

/* Brings the entry of this instance record up to date (inserts, replaces
 * if rec is newer, or removes when it is no longer ACTIVE). Takes the lock. */
void cap_update(cap_index_t *ix, const char *account, const store_record_t *rec);
/* As cap_update, with the lock already held. */
void cap_update_locked(cap_index_t *ix, const char *account, const store_record_t *rec, bool force);

/* With the lock held (or on a private cluster): as cap_update on one
 * cluster; force applies rec even when not newer (a record changed inside
 * the caller's transaction keeps its version until committed). A record
 * not ACTIVE removes the entry. */
void cap_cluster_apply(cap_cluster_t *cc, const store_record_t *rec, bool force);
/* As cap_update, whatever the versions: the store's record is the truth
 * (after a rolled-back transaction changed the entry). Takes the lock. */
void cap_reset(cap_index_t *ix, const char *account, const store_record_t *rec);
/* Marks every cluster of the account (NULL: of every account) for reloading. */
void cap_forget(cap_index_t *ix, const char *account);

/* A throw-away single-cluster index for callers without a shared one. */
void cap_cluster_free(cap_cluster_t *cc);
int cap_cluster_load(store_txn_t *txn, const char *account, const char *cluster, cap_cluster_t **out,
                     ecs_error_t *err);

#endif
