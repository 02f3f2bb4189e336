/* store_pg_listen.c - servers sharing one database tell each other what
 * changed: a write transaction sends NOTIFY ecsd 'SCOPE<TAB>INSTANCE<TAB>P|R'
 * (P: answer its agent's polls; R: only its record changed, a heartbeat)
 * (PostgreSQL delivers it only once the transaction commits, and drops it
 * after a rollback), and every server's listener thread, on a connection
 * of its own that is never in a transaction, hands it to the server
 * (store_change_fn: the agents' polls of that instance are answered and
 * its capacity entry re-read).
 *
 * Notifications are not kept across a lost connection or a failover:
 * after the listener reconnects it reports "everything may have changed"
 * (account NULL). A missed wake costs at most one poll's wait, as polls
 * compare the stored index.
 *
 * Threads: the listener thread owns its connection; .stopping is guarded
 * by .lock.
 */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "store/store_pg_int.h"

#define LISTEN_TICK_MS 200   /* how soon a stop is noticed */
#define RECONNECT_MS 500

struct pg_listener {
    pg_store_t *store;
    store_change_fn fn;
    void *arg;
    pthread_t thread;
    pthread_mutex_t lock; /* guards stopping */
    bool stopping;
};

int pg_notify(store_txn_t *t, const char *account, const char *instance, bool polls, ecs_error_t *err)
{
    char payload[256];
    snprintf(payload, sizeof payload, "%s\t%s\t%s", account, instance ? instance : "", polls ? "P" : "R");
    const char *vals[] = {payload};
    PGresult *res = pg_exec(((pg_txn_t *)t)->conn, "SELECT pg_notify('ecsd', $1)", 1, vals, NULL, err, "notify");
    PQclear(res);
    return res == NULL ? -1 : 0;
}

static bool stopping(pg_listener_t *l)
{
    pthread_mutex_lock(&l->lock);
    bool s = l->stopping;
    pthread_mutex_unlock(&l->lock);
    return s;
}

static PGconn *listen_conn(pg_listener_t *l)
{
    ecs_error_t err;
    PGconn *db = pg_connect(l->store->conninfo, &err);
    if (db == NULL)
        return NULL;
    PGresult *res = PQexec(db, "LISTEN ecsd");
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) {
        PQfinish(db);
        return NULL;
    }
    return db;
}

static void deliver(pg_listener_t *l, const char *payload)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", payload);
    char *tab = strchr(buf, '\t');
    char *tab2 = tab ? strchr(tab + 1, '\t') : NULL;
    if (tab2 == NULL)
        return; /* not ours */
    *tab = *tab2 = '\0';
    l->fn(l->arg, buf, tab[1] != '\0' ? tab + 1 : NULL, strcmp(tab2 + 1, "P") == 0);
}

static void *listener_main(void *arg)
{
    pg_listener_t *l = arg;
    PGconn *db = NULL;
    bool had = true; /* connected at start (pg_listen): nothing was missed yet */
    while (!stopping(l)) {
        if (db == NULL) {
            if ((db = listen_conn(l)) == NULL) {
                if (had)
                    log_warn("store: the change listener lost PostgreSQL; reconnecting");
                had = false;
                struct timespec ts = {0, RECONNECT_MS * 1000000L};
                nanosleep(&ts, NULL);
                continue;
            }
            if (!had) {
                log_info("store: the change listener reconnected; every poll is answered again");
                l->fn(l->arg, NULL, NULL, true);
            }
            had = true;
        }
        struct pollfd pfd = {.fd = PQsocket(db), .events = POLLIN};
        int n = poll(&pfd, 1, LISTEN_TICK_MS);
        if (n < 0)
            continue;
        if (PQconsumeInput(db) == 0 || PQstatus(db) != CONNECTION_OK) {
            PQfinish(db);
            db = NULL;
            continue;
        }
        PGnotify *note;
        while ((note = PQnotifies(db)) != NULL) {
            deliver(l, note->extra);
            PQfreemem(note);
        }
    }
    PQfinish(db);
    return NULL;
}

int pg_listen(store_t *base, store_change_fn fn, void *arg, ecs_error_t *err)
{
    pg_store_t *s = (pg_store_t *)base;
    if (fn == NULL) {
        pg_listen_stop(s);
        return 0;
    }
    if (s->listener != NULL)
        return ecs_server_err(err, "store: already listening");
    pg_listener_t *l = calloc(1, sizeof *l);
    if (l == NULL)
        return ecs_server_err(err, "store: out of memory");
    *l = (pg_listener_t){.store = s, .fn = fn, .arg = arg};
    pthread_mutex_init(&l->lock, NULL);
    if (pthread_create(&l->thread, NULL, listener_main, l) != 0) {
        pthread_mutex_destroy(&l->lock);
        free(l);
        return ecs_server_err(err, "store: cannot start the change listener");
    }
    s->listener = l;
    return 0;
}

void pg_listen_stop(pg_store_t *s)
{
    pg_listener_t *l = s->listener;
    if (l == NULL)
        return;
    pthread_mutex_lock(&l->lock);
    l->stopping = true;
    pthread_mutex_unlock(&l->lock);
    pthread_join(l->thread, NULL);
    pthread_mutex_destroy(&l->lock);
    free(l);
    s->listener = NULL;
}
