/* strmap.h - a small hash map from strings to int64 values, for the
 * scheduler's in-memory bookkeeping (services to look at again and when,
 * changes already seen). Open addressing with tombstones; not thread-safe
 * (one thread owns it). */
#ifndef ECSD_SCHED_STRMAP_H
#define ECSD_SCHED_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct strmap_slot {
    char *key; /* NULL: empty; STRMAP_TOMB: removed */
    int64_t value;
} strmap_slot_t;

typedef struct strmap {
    strmap_slot_t *slots;
    size_t cap;  /* power of two, or 0 */
    size_t used; /* live keys */
    size_t tombs;
} strmap_t;

void strmap_free(strmap_t *m);
/* Sets key's value (copying key). -1 when out of memory. */
int strmap_set(strmap_t *m, const char *key, int64_t value);
/* True when key is present (its value into *value when not NULL). */
bool strmap_get(const strmap_t *m, const char *key, int64_t *value);
void strmap_del(strmap_t *m, const char *key);

/* Iteration: for (size_t i = 0; strmap_next(m, &i, &k, &v);) { ... }
 * strmap_del of the current key is allowed during it. */
bool strmap_next(const strmap_t *m, size_t *pos, const char **key, int64_t *value);

#endif
