/* placement_memo.c - what a placement with rules works out about each
 * candidate that does not change between calls while the candidate's
 * entry does not: its memberOf verdict and its spread-on-attribute values
 * (placement.h place_memo_*). Kept with the capacity index's cluster, so
 * that a RunTask with constraints and spread on a cluster of 10,000
 * instances evaluates the expressions only for the entries changed since
 * the previous call (the ones that took tasks), not for all of them.
 * Entries are indexed like the candidates and checked by serial: an entry
 * moved to another index, or changed, has another serial and is worked
 * out again. */
#include <stdlib.h>
#include <string.h>

#include "model/placement.h"

struct place_memo {
    char *key;        /* place_rules_t.memo_key of the rules held */
    size_t cap;       /* entries allocated */
    uint64_t *serial; /* per candidate index, 0: not worked out */
    bool *ok;         /* memberOf verdict */
    int *val[PLACE_STRATEGIES_MAX];
    char *group;      /* the group whose task counts inst holds */
    uint64_t *gserial;/* per candidate index: the serial its count is of (0: none) */
    int64_t *inst;    /* the group's tasks on the candidate */
    char **values;    /* spread values numbered: open addressing, strings owned */
    int *ids;
    size_t n_slots, n_values;
};

static void memo_reset(place_memo_t *m)
{
    free(m->key);
    free(m->serial);
    free(m->ok);
    for (int s = 0; s < PLACE_STRATEGIES_MAX; s++)
        free(m->val[s]);
    for (size_t i = 0; i < m->n_slots; i++)
        free(m->values[i]);
    free(m->values);
    free(m->ids);
    free(m->group);
    free(m->gserial);
    free(m->inst);
    memset(m, 0, sizeof *m);
}

place_memo_t *place_memo_new(void)
{
    return calloc(1, sizeof(place_memo_t));
}

void place_memo_free(place_memo_t *m)
{
    if (m != NULL)
        memo_reset(m);
    free(m);
}

static uint64_t hash_str(const char *v)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *p = v; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h;
}

static size_t slot_of(char *const *values, size_t n_slots, const char *v)
{
    size_t i = hash_str(v) & (n_slots - 1);
    while (values[i] != NULL && strcmp(values[i], v) != 0)
        i = (i + 1) & (n_slots - 1);
    return i;
}

static int grow_values(place_memo_t *m)
{
    size_t n_slots = m->n_slots ? m->n_slots * 2 : 64;
    char **values = calloc(n_slots, sizeof *values);
    int *ids = calloc(n_slots, sizeof *ids);
    if (values == NULL || ids == NULL) {
        free(values);
        free(ids);
        return -1;
    }
    for (size_t i = 0; i < m->n_slots; i++)
        if (m->values[i] != NULL) {
            size_t j = slot_of(values, n_slots, m->values[i]);
            values[j] = m->values[i];
            ids[j] = m->ids[i];
        }
    free(m->values);
    free(m->ids);
    m->values = values;
    m->ids = ids;
    m->n_slots = n_slots;
    return 0;
}

/* The number of value v, numbering it when new; -1 when out of memory. */
static int value_id(place_memo_t *m, const char *v)
{
    if ((m->n_values + 1) * 2 > m->n_slots && grow_values(m) < 0)
        return -1;
    size_t i = slot_of(m->values, m->n_slots, v);
    if (m->values[i] == NULL) {
        if ((m->values[i] = strdup(v)) == NULL)
            return -1;
        m->ids[i] = (int)m->n_values++;
    }
    return m->ids[i];
}

static bool memo_grow(place_memo_t *m, const place_rules_t *r, size_t n)
{
    if (n <= m->cap)
        return true;
    size_t cap = m->cap ? m->cap : 64;
    while (cap < n)
        cap *= 2;
    uint64_t *serial = realloc(m->serial, cap * sizeof *serial);
    if (serial == NULL)
        return false;
    m->serial = serial;
    memset(serial + m->cap, 0, (cap - m->cap) * sizeof *serial);
    bool *ok = realloc(m->ok, cap * sizeof *ok);
    if (ok == NULL)
        return false;
    m->ok = ok;
    uint64_t *gserial = realloc(m->gserial, cap * sizeof *gserial);
    if (gserial == NULL)
        return false;
    m->gserial = gserial;
    memset(gserial + m->cap, 0, (cap - m->cap) * sizeof *gserial);
    int64_t *inst = realloc(m->inst, cap * sizeof *inst);
    if (inst == NULL)
        return false;
    m->inst = inst;
    for (size_t s = 0; s < r->n_strategies; s++) {
        int *v = realloc(m->val[s], cap * sizeof *v);
        if (v == NULL)
            return false;
        m->val[s] = v;
    }
    m->cap = cap;
    return true;
}

bool place_memo_begin(place_memo_t *m, const place_rules_t *r, size_t n)
{
    if (m == NULL || !r->memo_ok || r->memo_key == NULL)
        return false;
    if (m->key == NULL || strcmp(m->key, r->memo_key) != 0) {
        memo_reset(m);
        if ((m->key = strdup(r->memo_key)) == NULL)
            return false;
    }
    if (!memo_grow(m, r, n)) {
        memo_reset(m); /* out of memory: start afresh next time */
        return false;
    }
    /* counts of another group are of no use */
    const char *group = r->groups_kept && r->group != NULL ? r->group : "";
    if (m->group == NULL || strcmp(m->group, group) != 0) {
        free(m->group);
        m->group = strdup(group);
        memset(m->gserial, 0, m->cap * sizeof *m->gserial);
    }
    return true;
}

int64_t place_memo_count(place_memo_t *m, const place_rules_t *r, const place_candidate_t *c, size_t i,
                         int64_t (*count)(const place_rules_t *r, const place_candidate_t *c))
{
    /* kept only while read from the candidates' documents (a change of the
     * counts is a change of the entry, hence of its serial) */
    if (!r->groups_kept || m->group == NULL || m->group[0] == '\0')
        return count(r, c);
    if (c->serial == 0 || m->gserial[i] != c->serial) {
        m->inst[i] = count(r, c);
        m->gserial[i] = c->serial;
    }
    return m->inst[i];
}

bool place_memo_entry(place_memo_t *m, const place_rules_t *r, const place_candidate_t *c, size_t i, int *vals)
{
    if (c->serial == 0 || m->serial[i] != c->serial) {
        m->ok[i] = r->n_member_of == 0 || place_rules_member_of(r, c);
        bool fine = true;
        for (size_t s = 0; s < r->n_strategies; s++)
            if (r->strategies[s].kind == PLACE_SPREAD_ATTRIBUTE) {
                int id = value_id(m, place_attr_value(c, r->strategies[s].attr));
                fine &= id >= 0;
                m->val[s][i] = id >= 0 ? id : 0;
            }
        m->serial[i] = fine ? c->serial : 0; /* not kept when a value could not be numbered */
    }
    for (size_t s = 0; s < r->n_strategies; s++)
        if (r->strategies[s].kind == PLACE_SPREAD_ATTRIBUTE)
            vals[s] = m->val[s][i];
    return m->ok[i];
}

size_t place_memo_values(const place_memo_t *m)
{
    return m->n_values;
}
