/* context.h - what the domain models work in: the service's shared parts
 * (store, region, capacity index), one operation's context (account,
 * region, clock, its one transaction) and the effects the operation asks
 * for after its commit. The API handlers (api/) and the service scheduler
 * (sched/) both build a model_ctx_t and call the models with it.
 */
#ifndef ECSD_MODEL_CONTEXT_H
#define ECSD_MODEL_CONTEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "store/store.h"

struct poll_hub;
struct cap_index;
struct credentials;
struct logs_store;
struct roles;
struct secrets_store;

/* What every request shares; read-only while the server runs. */
typedef struct model_service {
    store_t *store;
    /* The default region: that of unsigned requests (--insecure-no-auth)
     * and of rows stored before regions existed. A request's region is the
     * one of its SigV4 credential scope. */
    const char *region;
    /* Comma-separated regions served (--regions); NULL or "": any. */
    const char *regions;
    const char *account;       /* the account of every request when creds is NULL */
    struct credentials *creds; /* keys accepted (SigV4); NULL: no authentication (--insecure-no-auth) */
    const char *advertise_url; /* base URL agents are told to poll, e.g. "http://127.0.0.1:7070" */
    int agent_timeout_s;       /* an agent silent this long reads agentConnected: false */
    int host_lost_after_s;     /* ... and this much longer, its host is lost (model/instance_lost.h); 0: never */
    const char *volume_prefixes; /* ':'-separated folders host volumes must lie in; NULL or "": any */
    struct poll_hub *hub;      /* wakes agents' blocking polls; NULL in tests without HTTP */
    /* Answers the blocking polls of one instance of a scope (instance
     * NULL: all of the scope); api/ sets it to poll_hub_wake. NULL: no
     * polls to answer. */
    void (*wake_polls)(struct poll_hub *hub, const char *scope, const char *instance);
    struct cap_index *cap;     /* placement's index of free capacity; NULL: read from the store */
    /* Called after a commit that set model_effects_t.sched_wake (a task
     * stopped, an instance came or went, a service changed): the service
     * scheduler's doorbell. NULL: nobody listens. */
    void (*on_change)(void *arg);
    void *on_change_arg;
    struct logs_store *logs;   /* CloudWatch Logs' store (store/logs_store.h); NULL: Logs not served */
    struct roles *roles;       /* the roles file (model/roles.h); NULL: task roles give no credentials */
    struct secrets_store *secrets; /* Parameter Store's and Secrets Manager's (store/secrets_store.h); NULL: not served */
} model_service_t;

#define MODEL_WAKE_MAX 16 /* a placement touches at most 10 instances */

/* What an operation asks to happen after its transaction commits. */
typedef struct model_effects {
    char wake[MODEL_WAKE_MAX][65]; /* container instance ids changed or looked at by placement */
    int n_wake;
    bool wake_all;               /* more than MODEL_WAKE_MAX: wake every poll of the scope */
    bool sched_wake;             /* the service scheduler should look again */
} model_effects_t;

/* A store scope names the partition of one (account, region): the
 * text "ACCOUNT:REGION", e.g. "123456789012:eu-west-1" (12 digits, a
 * colon, the region). Every resource of that account in that region is
 * stored under it, so two regions of one account share nothing, as on
 * AWS. The store treats it as an opaque string (its "account" column).
 * Rows written before regions existed (a bare "ACCOUNT") are moved to
 * the server's default region when the store opens (store/store.h). */
#define MODEL_SCOPE_MAX 48 /* 12 + 1 + 31 and the NUL, with room */
#define MODEL_REGION_MAX 32 /* a region name of 1..31 chars and the NUL */

/* Writes "ACCOUNT:REGION" into out. */
void model_scope_make(char out[MODEL_SCOPE_MAX], const char *account, const char *region);
/* Splits a scope into its account and region; false when scope is not of
 * the form above (out parameters are then empty strings). */
bool model_scope_split(const char *scope, char account[13], char region[MODEL_REGION_MAX]);

/* Per-operation context. Owned by whoever runs the operation; valid during the call. */
typedef struct model_ctx {
    const char *region;   /* e.g. "us-east-1": the request's, put in ARNs */
    const char *account;  /* 12 digits, put in ARNs */
    /* The store partition of (account, region), "ACCOUNT:REGION" (see
     * MODEL_SCOPE_MAX): every store call, the capacity index and the poll
     * hub take it where they take an account. */
    const char *scope;
    int64_t now_ms;       /* request time, epoch milliseconds */
    store_txn_t *txn;     /* the operation's one transaction */
    const model_service_t *svc;
    model_effects_t fx;
    /* The ARN formats of new resources (model/settings.h), read from the
     * account settings once per operation; 0: not read yet. */
    unsigned arn_formats;
} model_ctx_t;

/* Asks that the polls of this container instance be answered after commit. */
void model_wake_instance(model_ctx_t *ctx, const char *instance_id);

/* What runs after an operation's transaction: model_effects_apply after a
 * commit (the capacity index follows, the scheduler is told, polls are
 * answered), model_effects_abandon after a rollback (the capacity index
 * re-reads what the operation had changed in it). */
void model_effects_apply(const model_service_t *svc, const char *scope, const model_effects_t *fx);
/* Inside the write transaction, just before its commit: the other servers
 * sharing the store are told which instances changed (store_notify), so
 * that they answer their agents' polls and re-read their capacity entries
 * once it commits. Nothing on a store no other server shares. */
int model_effects_notify(const model_service_t *svc, store_txn_t *txn, const char *scope, const model_effects_t *fx,
                         ecs_error_t *err);
/* What a server does when another one committed a change (a
 * store_change_fn; arg is the model_service_t): its capacity entry is re-read
 * (and so its last heartbeat) and, with polls, the polls of the instance
 * are answered; instance NULL: every one of
 * the scope; scope NULL: of every scope (the listener may have missed
 * changes). */
void model_remote_change(void *arg, const char *scope, const char *instance, bool polls);
void model_effects_abandon(const model_service_t *svc, const char *scope, const model_effects_t *fx);

#endif
