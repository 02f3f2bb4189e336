#include "model/capacity.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/instance.h"

struct cap_index {
    pthread_mutex_t lock; /* guards clusters and everything they hold */
    cap_cluster_t *clusters;
};

cap_index_t *cap_new(void)
{
    cap_index_t *ix = calloc(1, sizeof *ix);
    if (ix != NULL)
        pthread_mutex_init(&ix->lock, NULL);
    return ix;
}

static void meta_clear(cap_meta_t *m)
{
    free(m->id);
    json_decref(m->arn);
    json_decref(m->avail);
    json_decref(m->attrs);
    json_decref(m->doc);
    memset(m, 0, sizeof *m);
}

void cap_cluster_free(cap_cluster_t *cc)
{
    if (cc == NULL)
        return;
    for (size_t i = 0; i < cc->n; i++)
        meta_clear(&cc->meta[i]);
    free(cc->cands);
    free(cc->meta);
    free(cc->slots);
    free(cc->name);
    place_memo_free(cc->memo);
    free(cc);
}

void cap_free(cap_index_t *ix)
{
    if (ix == NULL)
        return;
    for (cap_cluster_t *cc = ix->clusters, *next; cc != NULL; cc = next) {
        next = cc->next;
        cap_cluster_free(cc);
    }
    pthread_mutex_destroy(&ix->lock);
    free(ix);
}

void cap_lock(cap_index_t *ix) { pthread_mutex_lock(&ix->lock); }
void cap_unlock(cap_index_t *ix) { pthread_mutex_unlock(&ix->lock); }

static uint64_t hash_id(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The slot holding id, or the empty slot where it would go. */
static size_t slot_of(const cap_cluster_t *cc, const char *id)
{
    size_t i = hash_id(id) & (cc->n_slots - 1);
    while (cc->slots[i] >= 0 && strcmp(cc->meta[cc->slots[i]].id, id) != 0)
        i = (i + 1) & (cc->n_slots - 1);
    return i;
}

static int rehash(cap_cluster_t *cc, size_t n_slots)
{
    int32_t *slots = malloc(n_slots * sizeof *slots);
    if (slots == NULL)
        return -1;
    free(cc->slots);
    cc->slots = slots;
    cc->n_slots = n_slots;
    for (size_t i = 0; i < n_slots; i++)
        slots[i] = -1;
    for (size_t i = 0; i < cc->n; i++)
        slots[slot_of(cc, cc->meta[i].id)] = (int32_t)i;
    return 0;
}

/* A number no entry had before: a candidate's serial, by which placement's
 * memo knows that an entry changed or moved (placement_memo.c). */
static uint64_t next_serial(void)
{
    static _Atomic uint64_t serial;
    return ++serial;
}

static void set_entry(cap_cluster_t *cc, size_t i, const store_record_t *rec)
{
    json_t *avail = json_object_get(json_object_get(rec->doc, "_ecsd"), "avail");
    cap_meta_t *m = &cc->meta[i];
    json_decref(m->arn);
    json_decref(m->avail);
    json_decref(m->attrs);
    json_decref(m->doc);
    m->doc = json_incref(rec->doc);
    m->arn = json_incref(json_object_get(rec->doc, "containerInstanceArn"));
    m->avail = json_incref(avail);
    m->attrs = json_incref(json_object_get(rec->doc, "attributes"));
    m->version = rec->version;
    m->heard_ms = rec->num;
    bool no_groups = instance_groups(rec->doc) == NULL;
    cc->n_no_groups += (size_t)no_groups - (size_t)m->no_groups;
    m->no_groups = no_groups;
    cc->cands[i] = (place_candidate_t){.cpu = json_integer_value(json_object_get(avail, "cpu")),
                                       .mem = json_integer_value(json_object_get(avail, "mem")),
                                       .tcp = json_object_get(avail, "tcp"),
                                       .udp = json_object_get(avail, "udp"),
                                       .attrs = m->attrs,
                                       .id = m->id,
                                       .doc = m->doc,
                                       .serial = next_serial(),
                                       .connected = cc->cands[i].connected};
}

static int add_entry(cap_cluster_t *cc, const store_record_t *rec)
{
    if (cc->n == cc->cap) {
        size_t cap = cc->cap ? cc->cap * 2 : 64;
        place_candidate_t *cands = realloc(cc->cands, cap * sizeof *cands);
        if (cands == NULL)
            return -1;
        cc->cands = cands;
        cap_meta_t *meta = realloc(cc->meta, cap * sizeof *meta);
        if (meta == NULL)
            return -1;
        cc->meta = meta;
        cc->cap = cap;
    }
    if ((cc->n + 1) * 2 > cc->n_slots && rehash(cc, cc->n_slots ? cc->n_slots * 2 : 128) < 0)
        return -1;
    size_t i = cc->n++;
    memset(&cc->meta[i], 0, sizeof cc->meta[i]);
    memset(&cc->cands[i], 0, sizeof cc->cands[i]);
    cc->meta[i].id = strdup(rec->key);
    set_entry(cc, i, rec);
    cc->slots[slot_of(cc, rec->key)] = (int32_t)i;
    return 0;
}

static void remove_entry(cap_cluster_t *cc, size_t i)
{
    cc->n_no_groups -= cc->meta[i].no_groups;
    meta_clear(&cc->meta[i]);
    size_t last = cc->n - 1;
    if (i != last) {
        cc->meta[i] = cc->meta[last];
        cc->cands[i] = cc->cands[last];
    }
    cc->n--;
    rehash(cc, cc->n_slots); /* removal from open addressing: rebuild (rare) */
}

int cap_cluster_load(store_txn_t *txn, const char *account, const char *cluster, cap_cluster_t **out,
                     ecs_error_t *err)
{
    cap_cluster_t *cc = calloc(1, sizeof *cc);
    if (cc == NULL)
        return ecs_server_err(err, "out of memory");
    snprintf(cc->account, sizeof cc->account, "%s", account);
    cc->name = strdup(cluster);
    store_query_t q = {.kind = STORE_INSTANCE, .account = account, .cluster = cluster, .status = "ACTIVE"};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (cc->name == NULL || rehash(cc, 128) < 0 || store_query(txn, &q, &rows, &n, err) < 0) {
        cap_cluster_free(cc);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (add_entry(cc, &rows[i]) < 0) {
            store_records_free(rows, n);
            cap_cluster_free(cc);
            return ecs_server_err(err, "out of memory");
        }
    }
    store_records_free(rows, n);
    *out = cc;
    return 0;
}

static cap_cluster_t *find_cluster(cap_index_t *ix, const char *account, const char *cluster)
{
    for (cap_cluster_t *cc = ix->clusters; cc != NULL; cc = cc->next)
        if (strcmp(cc->account, account) == 0 && strcmp(cc->name, cluster) == 0)
            return cc;
    return NULL;
}

int cap_cluster(cap_index_t *ix, store_txn_t *txn, const char *account, const char *cluster, cap_cluster_t **out,
                ecs_error_t *err)
{
    cap_cluster_t *cc = find_cluster(ix, account, cluster);
    if (cc != NULL && cc->stale) {
        for (cap_cluster_t **pp = &ix->clusters; *pp; pp = &(*pp)->next) {
            if (*pp == cc) {
                *pp = cc->next;
                break;
            }
        }
        cap_cluster_free(cc);
        cc = NULL;
    }
    if (cc == NULL) {
        if (cap_cluster_load(txn, account, cluster, &cc, err) < 0)
            return -1;
        cc->next = ix->clusters;
        ix->clusters = cc;
    }
    *out = cc;
    return 0;
}

void cap_mark_connected(cap_cluster_t *cc, int64_t since_ms)
{
    for (size_t i = 0; i < cc->n; i++)
        cc->cands[i].connected = cc->meta[i].heard_ms > since_ms;
}

void cap_cluster_apply(cap_cluster_t *cc, const store_record_t *rec, bool force)
{
    int32_t i = cc->slots[slot_of(cc, rec->key)];
    bool active = rec->status != NULL && strcmp(rec->status, "ACTIVE") == 0;
    if (i >= 0 && !force && cc->meta[i].version > rec->version)
        return; /* already newer */
    if (!active) {
        if (i >= 0)
            remove_entry(cc, (size_t)i);
    } else if (i >= 0) {
        set_entry(cc, (size_t)i, rec);
    } else if (add_entry(cc, rec) < 0) {
        cc->stale = true; /* out of memory: reload on next use */
    }
}

void cap_update_locked(cap_index_t *ix, const char *account, const store_record_t *rec, bool force)
{
    cap_cluster_t *cc = rec->cluster ? find_cluster(ix, account, rec->cluster) : NULL;
    if (cc != NULL) /* a cluster not loaded yet is read whole when first used */
        cap_cluster_apply(cc, rec, force);
}

void cap_forget(cap_index_t *ix, const char *account)
{
    cap_lock(ix);
    for (cap_cluster_t *cc = ix->clusters; cc != NULL; cc = cc->next)
        if (account == NULL || strcmp(cc->account, account) == 0)
            cc->stale = true;
    cap_unlock(ix);
}

void cap_reset(cap_index_t *ix, const char *account, const store_record_t *rec)
{
    cap_lock(ix);
    cap_update_locked(ix, account, rec, true);
    cap_unlock(ix);
}

void cap_update(cap_index_t *ix, const char *account, const store_record_t *rec)
{
    cap_lock(ix);
    cap_update_locked(ix, account, rec, false);
    cap_unlock(ix);
}
