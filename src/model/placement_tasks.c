/* placement_tasks.c - see placement_tasks.h. An open-addressing table of
 * instance id -> place_tasks_t; keys and groups are borrowed from the
 * task records the map holds (or from the caller, for tasks it adds). */
#include "model/placement_tasks.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
    const char *id;
    place_tasks_t t;
} slot_t;

struct place_task_map {
    store_record_t *rows;
    size_t n_rows;
    char **groups;  /* per row, its group (owned) */
    slot_t *slots;
    size_t n_slots, used;
};

static size_t find(const place_task_map_t *m, const char *id)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    size_t i = h & (m->n_slots - 1);
    while (m->slots[i].id != NULL && strcmp(m->slots[i].id, id) != 0)
        i = (i + 1) & (m->n_slots - 1);
    return i;
}

static int grow(place_task_map_t *m)
{
    size_t n = m->n_slots ? m->n_slots * 2 : 64;
    slot_t *old = m->slots;
    size_t old_n = m->n_slots;
    m->slots = calloc(n, sizeof *m->slots);
    if (m->slots == NULL) {
        m->slots = old;
        return -1;
    }
    m->n_slots = n;
    for (size_t i = 0; i < old_n; i++)
        if (old[i].id != NULL)
            m->slots[find(m, old[i].id)] = old[i];
    free(old);
    return 0;
}

static place_tasks_t *entry(place_task_map_t *m, const char *id)
{
    if ((m->used + 1) * 2 > m->n_slots && grow(m) < 0)
        return NULL;
    size_t i = find(m, id);
    if (m->slots[i].id == NULL) {
        m->slots[i].id = id;
        m->used++;
    }
    return &m->slots[i].t;
}

static int add_group(place_tasks_t *t, const char *group)
{
    if (t->n_groups == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4;
        const char **g = realloc(t->groups, cap * sizeof *g);
        if (g == NULL)
            return -1;
        t->groups = g;
        t->cap = cap;
    }
    t->groups[t->n_groups++] = group;
    return 0;
}

int place_tasks_add(place_task_map_t *m, const char *instance_id, const char *group)
{
    place_tasks_t *t = entry(m, instance_id);
    return t != NULL && add_group(t, group) == 0 ? 0 : -1;
}

int place_tasks_load(store_txn_t *txn, const char *scope, const char *cluster, const char *service,
                     const char *family, place_task_map_t **out, ecs_error_t *err)
{
    place_task_map_t *m = calloc(1, sizeof *m);
    if (m == NULL || grow(m) < 0) {
        free(m);
        return ecs_server_err(err, "out of memory");
    }
    store_query_t q = {.kind = STORE_TASK, .account = scope, .cluster = cluster, .status_not = "STOPPED",
                       .service = service, .family = service ? NULL : family,
                       .columns_only = true}; /* no document to parse: this runs on every placement */
    if (store_query(txn, &q, &m->rows, &m->n_rows, err) < 0) {
        place_tasks_free(m);
        return -1;
    }
    if (m->n_rows > 0 && (m->groups = calloc(m->n_rows, sizeof *m->groups)) == NULL) {
        place_tasks_free(m);
        return ecs_server_err(err, "out of memory");
    }
    for (size_t i = 0; i < m->n_rows; i++) {
        const store_record_t *r = &m->rows[i];
        if (r->instance == NULL || r->instance[0] == '\0' || (service == NULL && family != NULL && r->service != NULL))
            continue; /* a service's task is not of a family group */
        /* the task's group: made from its columns as task_build makes it
         * (service:NAME, family:FAMILY), unless the backend gave the document */
        const char *group = json_string_value(json_object_get(r->doc, "group"));
        const char *kind = r->service ? "service" : "family", *name = r->service ? r->service : r->family;
        size_t len = group ? strlen(group) + 1 : strlen(kind) + 1 + (name ? strlen(name) : 0) + 1;
        place_tasks_t *t = entry(m, r->instance);
        if (t == NULL || (m->groups[i] = malloc(len)) == NULL) {
            place_tasks_free(m);
            return ecs_server_err(err, "out of memory");
        }
        if (group != NULL)
            memcpy(m->groups[i], group, len);
        else
            snprintf(m->groups[i], len, "%s:%s", kind, name ? name : "");
        if (add_group(t, m->groups[i]) < 0) {
            place_tasks_free(m);
            return ecs_server_err(err, "out of memory");
        }
        if (r->status != NULL && strcmp(r->status, "RUNNING") == 0)
            t->running++;
    }
    *out = m;
    return 0;
}

void place_tasks_free(place_task_map_t *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n_slots; i++)
        free(m->slots[i].t.groups);
    free(m->slots);
    for (size_t i = 0; m->groups != NULL && i < m->n_rows; i++)
        free(m->groups[i]);
    free(m->groups);
    store_records_free(m->rows, m->n_rows);
    free(m);
}

const place_tasks_t *place_tasks_of(void *arg, const char *instance_id)
{
    const place_task_map_t *m = arg;
    size_t i = find(m, instance_id);
    return m->slots[i].id != NULL ? &m->slots[i].t : NULL;
}
