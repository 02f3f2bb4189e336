/* api.h - what an operation handler sees: a request context in, a JSON
 * document out. Handlers know nothing of HTTP; the protocol layer
 * (api/http.c, api/dispatch.c) knows nothing of clusters.
 */
#ifndef ECSD_API_API_H
#define ECSD_API_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "store/store.h"

struct poll_hub;
struct cap_index;
struct credentials;

/* What every request shares; read-only while the server runs. */
typedef struct api_service {
    store_t *store;
    const char *region;        /* served region, put in ARNs */
    const char *account;       /* the account of every request when creds is NULL */
    struct credentials *creds; /* keys accepted (SigV4); NULL: no authentication (--insecure-no-auth) */
    const char *advertise_url; /* base URL agents are told to poll, e.g. "http://127.0.0.1:7070" */
    int agent_timeout_s;       /* an agent silent this long reads agentConnected: false */
    const char *volume_prefixes; /* ':'-separated folders host volumes must lie in; NULL or "": any */
    struct poll_hub *hub;      /* wakes agents' blocking polls; NULL in tests without HTTP */
    struct cap_index *cap;     /* placement's index of free capacity; NULL: read from the store */
    /* Called after a commit that set api_effects_t.sched_wake (a task
     * stopped, an instance came or went, a service changed): the service
     * scheduler's doorbell. NULL: nobody listens. */
    void (*on_change)(void *arg);
    void *on_change_arg;
} api_service_t;

#define API_WAKE_MAX 16 /* a placement touches at most 10 instances */

/* What an operation asks to happen after its transaction commits. */
typedef struct api_effects {
    char wake[API_WAKE_MAX][65]; /* container instance ids changed or looked at by placement */
    int n_wake;
    bool wake_all;               /* more than API_WAKE_MAX: wake every poll of the account */
    bool sched_wake;             /* the service scheduler should look again */
} api_effects_t;

/* Per-request context. Owned by the dispatcher; valid during the call. */
typedef struct api_ctx {
    const char *region;   /* e.g. "us-east-1" */
    const char *account;  /* 12 digits */
    int64_t now_ms;       /* request time, epoch milliseconds */
    store_txn_t *txn;     /* the operation's one transaction */
    const api_service_t *svc;
    api_effects_t fx;
} api_ctx_t;

/* Asks that the polls of this container instance be answered after commit. */
void api_wake_instance(api_ctx_t *ctx, const char *instance_id);

/* For work outside a request (the service scheduler) that builds its own
 * api_ctx_t: what the dispatcher does after a transaction. Call
 * api_effects_apply after a commit, api_effects_abandon after a rollback. */
void api_effects_apply(const api_service_t *svc, const char *account, const api_effects_t *fx);
void api_effects_abandon(const api_service_t *svc, const char *account, const api_effects_t *fx);

/* An operation: input object in, output object out (*out owned by caller).
 * Returns 0, or -1 with err filled. On -1 the transaction is rolled back. */
typedef int (*api_handler_fn)(api_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

enum api_op_flags {
    API_OP_WRITE = 1u << 0, /* needs a write transaction */
    API_OP_AGENT = 1u << 1, /* called by agents, not users */
};

typedef struct api_op {
    const char *name;       /* e.g. "CreateCluster" */
    api_handler_fn handler;
    unsigned flags;
} api_op_t;

/* The operation table (api/ops_table.c). */
const api_op_t *api_op_find(const char *name, size_t len);
const api_op_t *api_ops(size_t *n);

#endif
