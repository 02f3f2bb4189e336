#include "model/placement.h"

#include "model/attributes.h"
#include "model/instance.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool json_ports_clash(const json_t *used, const res_ports_t *want)
{
    size_t i;
    json_t *v;
    json_array_foreach(used, i, v) {
        json_int_t p = json_integer_value(v);
        if (p > 0 && p <= 65535 && res_ports_has(want, (uint16_t)p))
            return true;
    }
    return false;
}

static bool res_ports_clash(const res_ports_t *used, const res_ports_t *want)
{
    for (int i = 0; i < want->n; i++)
        if (res_ports_has(used, want->v[i]))
            return true;
    return false;
}

static const place_tasks_t *tasks_of(const place_rules_t *r, const place_candidate_t *c)
{
    return r->tasks_of != NULL && c->id != NULL ? r->tasks_of(r->tasks_arg, c->id) : NULL;
}

static int64_t group_count(const place_tasks_t *t, const char *group)
{
    int64_t n = 0;
    for (size_t i = 0; t != NULL && group != NULL && i < t->n_groups; i++)
        n += strcmp(t->groups[i], group) == 0;
    return n;
}

/* The tasks of the rules' group on candidate c. */
static int64_t cand_group_count(const place_rules_t *r, const place_candidate_t *c)
{
    if (r->groups_kept)
        return r->group ? json_integer_value(json_object_get(instance_groups(c->doc), r->group)) : 0;
    return group_count(tasks_of(r, c), r->group);
}

/* What the cluster query language sees of a candidate. */
static cql_instance_t cql_view(const place_rules_t *r, const place_candidate_t *c, unsigned needs)
{
    cql_instance_t ci = {.attrs = c->attrs, .agent_connected = c->connected};
    if (c->doc != NULL && (needs & CQL_NEEDS_RECORD)) {
        ci.agent_version = json_string_value(json_object_get(json_object_get(c->doc, "versionInfo"), "agentVersion"));
        ci.ec2_instance_id = json_string_value(json_object_get(c->doc, "ec2InstanceId"));
        ci.registered_at_ms = (int64_t)(json_number_value(json_object_get(c->doc, "registeredAt")) * 1000.0 + 0.5);
    }
    const place_tasks_t *t = needs & CQL_NEEDS_TASKS ? tasks_of(r, c) : NULL;
    if (t != NULL) {
        ci.running_tasks = t->running;
        ci.groups = t->groups;
        ci.n_groups = t->n_groups;
    }
    return ci;
}

/* member: the memberOf verdict when already known (1 or 0), -1 to work it
 * out; inst: the group's tasks on c when known, -1 to count them. */
static const char *rules_fit(const place_candidate_t *c, const place_rules_t *r, int member, int64_t inst)
{
    if (member == 0)
        return PLACE_MEMBER_OF;
    if (member < 0 && r->n_member_of > 0) {
        unsigned needs = 0;
        for (size_t i = 0; i < r->n_member_of; i++)
            needs |= cql_needs(r->member_of[i]);
        cql_instance_t ci = cql_view(r, c, needs);
        for (size_t i = 0; i < r->n_member_of; i++)
            if (!cql_eval(r->member_of[i], &ci))
                return PLACE_MEMBER_OF;
    }
    if (r->distinct && (inst >= 0 ? inst : cand_group_count(r, c)) > 0)
        return PLACE_DISTINCT;
    return NULL;
}

bool place_rules_member_of(const place_rules_t *rules, const place_candidate_t *c)
{
    place_rules_t only = *rules;
    only.distinct = false;
    return rules_fit(c, &only, -1, -1) == NULL;
}

const char *place_fit(const place_candidate_t *c, const res_t *need, const json_t *required)
{
    return place_fit_rules(c, need, required, NULL);
}

static const char *fit(const place_candidate_t *c, const res_t *need, const json_t *required,
                       const place_rules_t *rules, int member, int64_t inst)
{
    if (!c->connected)
        return "AGENT";
    if (json_array_size(required) > 0 && attr_first_missing(c->attrs, required) != NULL)
        return "ATTRIBUTE";
    const char *why = rules != NULL ? rules_fit(c, rules, member, inst) : NULL;
    if (why != NULL)
        return why;
    if (need->cpu > c->cpu)
        return "RESOURCE:CPU";
    if (need->mem > c->mem)
        return "RESOURCE:MEMORY";
    if (need->tcp.n > 0 && (c->res ? res_ports_clash(&c->res->tcp, &need->tcp) : json_ports_clash(c->tcp, &need->tcp)))
        return "RESOURCE:PORTS";
    if (need->udp.n > 0 && (c->res ? res_ports_clash(&c->res->udp, &need->udp) : json_ports_clash(c->udp, &need->udp)))
        return "RESOURCE:PORTS_UDP";
    return NULL;
}

const char *place_fit_rules(const place_candidate_t *c, const res_t *need, const json_t *required,
                            const place_rules_t *rules)
{
    return fit(c, need, required, rules, -1, -1);
}

#define PROBES 32

/* A value's slot in an open-addressing table of n_slots (a power of 2). */
static size_t value_slot(const char **keys, size_t n_slots, const char *v)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *p = v; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    size_t i = h & (n_slots - 1);
    while (keys[i] != NULL && strcmp(keys[i], v) != 0)
        i = (i + 1) & (n_slots - 1);
    return i;
}

const char *place_attr_value(const place_candidate_t *c, const char *name)
{
    size_t i;
    json_t *a;
    json_array_foreach(c->attrs, i, a)
    {
        const char *n = json_string_value(json_object_get(a, "name"));
        if (n != NULL && strcmp(n, name) == 0) {
            const char *v = json_string_value(json_object_get(a, "value"));
            return v ? v : "";
        }
    }
    return ""; /* the instances without it are one more value */
}

/* What one placement call has worked out about its candidates, kept
 * between the tasks of the call (place_rules_t.cache): whether each fits
 * (and why not), the group's tasks on each, and per spread-on-attribute
 * strategy each candidate's value and the group's tasks per value. Each
 * task then costs a pass of integer comparisons, not a pass of cluster
 * query evaluations; a placement updates what it changed
 * (place_rules_placed), anything else makes it be worked out again
 * (place_rules_forget). */
struct place_cache {
    bool built;
    const place_candidate_t *c;
    size_t n;
    int64_t cpu, mem;
    const json_t *required;
    const char **why;
    int64_t *inst;
    int *val[PLACE_STRATEGIES_MAX];
    int64_t *count[PLACE_STRATEGIES_MAX];
    int *keep;
    int64_t *score;
};

static void cache_drop(place_cache_t *k)
{
    free(k->why);
    free(k->inst);
    for (int s = 0; s < PLACE_STRATEGIES_MAX; s++) {
        free(k->val[s]);
        free(k->count[s]);
    }
    free(k->keep);
    free(k->score);
    memset(k, 0, sizeof *k);
}

place_cache_t *place_cache_new(void)
{
    return calloc(1, sizeof(place_cache_t));
}

void place_cache_free(place_cache_t *k)
{
    if (k != NULL)
        cache_drop(k);
    free(k);
}

void place_rules_forget(const place_rules_t *r)
{
    if (r != NULL && r->cache != NULL)
        cache_drop(r->cache);
}

/* Values of strategy st's attribute as small integers: val[i] for each
 * candidate, count[v] the group's tasks on the candidates of value v
 * (those that do not fit too). */
static int cache_spread_values(place_cache_t *k, const place_strategy_t *st, int s)
{
    size_t n = k->n, n_slots = 16, n_vals = 0;
    while (n_slots < 2 * n)
        n_slots *= 2;
    const char **keys = calloc(n_slots, sizeof *keys);
    int *ids = calloc(n_slots, sizeof *ids);
    k->val[s] = calloc(n ? n : 1, sizeof *k->val[s]);
    k->count[s] = calloc(n ? n : 1, sizeof *k->count[s]);
    int rc = keys && ids && k->val[s] && k->count[s] ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *v = place_attr_value(&k->c[i], st->attr);
        size_t slot = value_slot(keys, n_slots, v);
        if (keys[slot] == NULL) {
            keys[slot] = v;
            ids[slot] = (int)n_vals++;
        }
        k->val[s][i] = ids[slot];
        k->count[s][ids[slot]] += k->inst[i]; /* cache_build counted them */
    }
    free(keys);
    free(ids);
    return rc;
}

static int cache_build(place_cache_t *k, const place_candidate_t *c, size_t n, const res_t *need,
                       const json_t *required, const place_rules_t *r)
{
    cache_drop(k);
    *k = (place_cache_t){.c = c, .n = n, .cpu = need->cpu, .mem = need->mem, .required = required};
    size_t m = n ? n : 1;
    k->why = calloc(m, sizeof *k->why);
    k->inst = calloc(m, sizeof *k->inst);
    k->keep = calloc(m, sizeof *k->keep);
    k->score = calloc(m, sizeof *k->score);
    if (!k->why || !k->inst || !k->keep || !k->score) {
        cache_drop(k);
        return -1;
    }
    /* memberOf verdicts and spread values from the memo where the
     * candidates did not change since an earlier call */
    bool memo = r->memo != NULL && place_memo_begin(r->memo, r, n);
    for (size_t s = 0; memo && s < r->n_strategies; s++)
        if (r->strategies[s].kind == PLACE_SPREAD_ATTRIBUTE && (k->val[s] = calloc(m, sizeof *k->val[s])) == NULL) {
            cache_drop(k);
            return -1;
        }
    for (size_t i = 0; i < n; i++) {
        k->inst[i] = memo ? place_memo_count(r->memo, r, &c[i], i, cand_group_count) : cand_group_count(r, &c[i]);
        int member = -1, vals[PLACE_STRATEGIES_MAX];
        if (memo) {
            member = place_memo_entry(r->memo, r, &c[i], i, vals);
            for (size_t s = 0; s < r->n_strategies; s++)
                if (k->val[s] != NULL)
                    k->val[s][i] = vals[s];
        }
        k->why[i] = fit(&c[i], need, required, r, member, k->inst[i]);
    }
    for (size_t s = 0; s < r->n_strategies; s++) {
        if (r->strategies[s].kind != PLACE_SPREAD_ATTRIBUTE)
            continue;
        if (!memo) {
            if (cache_spread_values(k, &r->strategies[s], (int)s) < 0) {
                cache_drop(k);
                return -1;
            }
            continue;
        }
        size_t n_vals = place_memo_values(r->memo) + 1;
        if ((k->count[s] = calloc(n_vals, sizeof *k->count[s])) == NULL) {
            cache_drop(k);
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            k->count[s][k->val[s][i]] += k->inst[i];
    }
    k->built = true;
    return 0;
}

void place_rules_placed(const place_rules_t *r, size_t idx, const res_t *need, const json_t *required)
{
    place_cache_t *k = r != NULL ? r->cache : NULL;
    if (k == NULL || !k->built || idx >= k->n)
        return;
    k->inst[idx]++;
    for (size_t s = 0; s < r->n_strategies; s++)
        if (k->count[s] != NULL)
            k->count[s][k->val[s][idx]]++;
    k->why[idx] = place_fit_rules(&k->c[idx], need, required, r); /* less left, one more of the group */
}

/* Among the candidates that fit (the cache's), strategies in order, each
 * keeping its best (ties go on to the next); random ends it. */
static int choose_cached(place_cache_t *k, const place_rules_t *rules, bool ordered, unsigned *rng, int *closest,
                         const char **reason)
{
    const place_candidate_t *c = k->c;
    int best_rank = -2;
    size_t n_keep = 0;
    const char *last = NULL; /* the reason ranked last: the same string ranks the same */
    for (size_t i = 0; i < k->n; i++) {
        if (k->why[i] == NULL) {
            k->keep[n_keep++] = (int)i;
            continue;
        }
        if (k->why[i] == last)
            continue;
        last = k->why[i];
        int rank = res_reason_rank(k->why[i]);
        if (rank > best_rank) {
            best_rank = rank;
            *closest = (int)i;
            *reason = k->why[i];
        }
    }
    for (size_t s = 0; ordered && s < rules->n_strategies && n_keep > 1; s++) {
        const place_strategy_t *st = &rules->strategies[s];
        if (st->kind == PLACE_RANDOM)
            break;
        for (size_t j = 0; j < n_keep; j++) {
            int i = k->keep[j];
            k->score[j] = st->kind == PLACE_BINPACK_CPU      ? c[i].cpu
                          : st->kind == PLACE_BINPACK_MEMORY ? c[i].mem
                          : st->kind == PLACE_SPREAD_INSTANCE ? k->inst[i]
                                                              : k->count[s][k->val[s][i]];
        }
        int64_t best = k->score[0];
        for (size_t j = 1; j < n_keep; j++)
            if (k->score[j] < best)
                best = k->score[j];
        size_t kept = 0;
        for (size_t j = 0; j < n_keep; j++)
            if (k->score[j] == best)
                k->keep[kept++] = k->keep[j];
        n_keep = kept;
    }
    return n_keep > 0 ? k->keep[(size_t)rand_r(rng) % n_keep] : -1;
}

int place_choose(const place_candidate_t *c, size_t n, const res_t *need, const json_t *required,
                 const place_rules_t *rules, unsigned *rng, int *closest, const char **reason)
{
    int chosen = -1, feasible = 0, best_rank = -2;
    *closest = -1;
    *reason = NULL;
    bool ordered = rules != NULL && place_rules_order(rules);
    /* Uniform probes first: a probe that fits is a uniform choice among
     * the instances that fit, found without looking at all of them. */
    for (int p = 0; !ordered && n > 0 && p < PROBES; p++) {
        size_t i = (size_t)rand_r(rng) % n;
        if (place_fit_rules(&c[i], need, required, rules) == NULL)
            return (int)i;
    }
    place_cache_t *k = rules != NULL ? rules->cache : NULL;
    if (k != NULL && (!k->built || k->c != c || k->n != n || k->cpu != need->cpu || k->mem != need->mem ||
                      k->required != required))
        if (cache_build(k, c, n, need, required, rules) < 0)
            k = NULL; /* out of memory: the pass below, without strategies */
    if (k != NULL && k->built)
        return choose_cached(k, rules, ordered, rng, closest, reason);
    /* Few fit (or none): one pass, reservoir sampling among those that do. */
    for (size_t i = 0; i < n; i++) {
        const char *why = place_fit_rules(&c[i], need, required, rules);
        if (why == NULL) {
            /* reservoir sampling: each feasible instance equally likely */
            feasible++;
            if (rand_r(rng) % feasible == 0)
                chosen = (int)i;
            continue;
        }
        int rank = res_reason_rank(why);
        if (rank > best_rank) {
            best_rank = rank;
            *closest = (int)i;
            *reason = why;
        }
    }
    return chosen;
}

void place_reserve(place_candidate_t *c, const res_t *need)
{
    res_reserve(c->res, need);
    c->cpu = c->res->cpu;
    c->mem = c->res->mem;
}
