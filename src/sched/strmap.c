/* strmap.c - see strmap.h. FNV-1a hashing, linear probing; the table
 * grows (and drops its tombstones) when three quarters are taken. */
#include "sched/strmap.h"

#include <stdlib.h>
#include <string.h>

static char tomb_mark;
#define STRMAP_TOMB (&tomb_mark)

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

void strmap_free(strmap_t *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key != NULL && m->slots[i].key != STRMAP_TOMB)
            free(m->slots[i].key);
    free(m->slots);
    *m = (strmap_t){0};
}

/* The slot of key, or -1. */
static long find(const strmap_t *m, const char *key)
{
    if (m->cap == 0)
        return -1;
    for (size_t i = hash(key) & (m->cap - 1), n = 0; n < m->cap; i = (i + 1) & (m->cap - 1), n++) {
        const char *k = m->slots[i].key;
        if (k == NULL)
            return -1;
        if (k != STRMAP_TOMB && strcmp(k, key) == 0)
            return (long)i;
    }
    return -1;
}

static int grow(strmap_t *m)
{
    size_t cap = m->cap ? m->cap : 16;
    while ((m->used + 1) * 4 >= cap * 3)
        cap *= 2;
    strmap_slot_t *slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        char *k = m->slots[i].key;
        if (k == NULL || k == STRMAP_TOMB)
            continue;
        size_t j = hash(k) & (cap - 1);
        while (slots[j].key != NULL)
            j = (j + 1) & (cap - 1);
        slots[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    m->tombs = 0;
    return 0;
}

int strmap_set(strmap_t *m, const char *key, int64_t value)
{
    long at = find(m, key);
    if (at >= 0) {
        m->slots[at].value = value;
        return 0;
    }
    if ((m->used + m->tombs + 1) * 4 >= m->cap * 3 && grow(m) < 0)
        return -1;
    size_t i = hash(key) & (m->cap - 1);
    while (m->slots[i].key != NULL && m->slots[i].key != STRMAP_TOMB)
        i = (i + 1) & (m->cap - 1);
    char *copy = strdup(key);
    if (copy == NULL)
        return -1;
    if (m->slots[i].key == STRMAP_TOMB)
        m->tombs--;
    m->slots[i] = (strmap_slot_t){.key = copy, .value = value};
    m->used++;
    return 0;
}

bool strmap_get(const strmap_t *m, const char *key, int64_t *value)
{
    long at = find(m, key);
    if (at >= 0 && value != NULL)
        *value = m->slots[at].value;
    return at >= 0;
}

void strmap_del(strmap_t *m, const char *key)
{
    long at = find(m, key);
    if (at < 0)
        return;
    free(m->slots[at].key);
    m->slots[at].key = STRMAP_TOMB;
    m->used--;
    m->tombs++;
}

bool strmap_next(const strmap_t *m, size_t *pos, const char **key, int64_t *value)
{
    for (; *pos < m->cap; (*pos)++) {
        const char *k = m->slots[*pos].key;
        if (k != NULL && k != STRMAP_TOMB) {
            *key = k;
            if (value != NULL)
                *value = m->slots[*pos].value;
            (*pos)++;
            return true;
        }
    }
    return false;
}
