#include "model/placement.h"

#include "model/attributes.h"

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

/* What the cluster query language sees of a candidate. */
static cql_instance_t cql_view(const place_rules_t *r, const place_candidate_t *c)
{
    cql_instance_t ci = {.attrs = c->attrs, .agent_connected = c->connected};
    if (c->doc != NULL) {
        ci.agent_version = json_string_value(json_object_get(json_object_get(c->doc, "versionInfo"), "agentVersion"));
        ci.ec2_instance_id = json_string_value(json_object_get(c->doc, "ec2InstanceId"));
        ci.registered_at_ms = (int64_t)(json_number_value(json_object_get(c->doc, "registeredAt")) * 1000.0 + 0.5);
    }
    const place_tasks_t *t = tasks_of(r, c);
    if (t != NULL) {
        ci.running_tasks = t->running;
        ci.groups = t->groups;
        ci.n_groups = t->n_groups;
    }
    return ci;
}

static const char *rules_fit(const place_candidate_t *c, const place_rules_t *r)
{
    if (r->n_member_of > 0) {
        cql_instance_t ci = cql_view(r, c);
        for (size_t i = 0; i < r->n_member_of; i++)
            if (!cql_eval(r->member_of[i], &ci))
                return PLACE_MEMBER_OF;
    }
    if (r->distinct && group_count(tasks_of(r, c), r->group) > 0)
        return PLACE_DISTINCT;
    return NULL;
}

const char *place_fit(const place_candidate_t *c, const res_t *need, const json_t *required)
{
    return place_fit_rules(c, need, required, NULL);
}

const char *place_fit_rules(const place_candidate_t *c, const res_t *need, const json_t *required,
                            const place_rules_t *rules)
{
    if (!c->connected)
        return "AGENT";
    if (json_array_size(required) > 0 && attr_first_missing(c->attrs, required) != NULL)
        return "ATTRIBUTE";
    const char *why = rules != NULL ? rules_fit(c, rules) : NULL;
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

static const char *attr_value_of(const place_candidate_t *c, const char *name)
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

/* score[k] for keep[k]: what strategy st minimises. Spread on an
 * attribute counts the group's tasks on every candidate with the same
 * value (those that do not fit too). -1 when out of memory. */
static int strategy_scores(const place_candidate_t *c, size_t n, const place_rules_t *r, const place_strategy_t *st,
                           const int *keep, size_t k, int64_t *score)
{
    if (st->kind != PLACE_SPREAD_ATTRIBUTE) {
        for (size_t j = 0; j < k; j++) {
            const place_candidate_t *x = &c[keep[j]];
            score[j] = st->kind == PLACE_BINPACK_CPU      ? x->cpu
                       : st->kind == PLACE_BINPACK_MEMORY ? x->mem
                                                          : group_count(tasks_of(r, x), r->group);
        }
        return 0;
    }
    size_t n_slots = 16;
    while (n_slots < 2 * n)
        n_slots *= 2;
    const char **keys = calloc(n_slots, sizeof *keys);
    int64_t *counts = calloc(n_slots, sizeof *counts);
    if (keys == NULL || counts == NULL) {
        free(keys);
        free(counts);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *v = attr_value_of(&c[i], st->attr);
        size_t s = value_slot(keys, n_slots, v);
        keys[s] = v;
        counts[s] += group_count(tasks_of(r, &c[i]), r->group);
    }
    for (size_t j = 0; j < k; j++)
        score[j] = counts[value_slot(keys, n_slots, attr_value_of(&c[keep[j]], st->attr))];
    free(keys);
    free(counts);
    return 0;
}

/* With strategies that order: every candidate that fits, then each
 * strategy keeps its best (ties go on to the next); random ends it. */
static int choose_ordered(const place_candidate_t *c, size_t n, const res_t *need, const json_t *required,
                          const place_rules_t *rules, unsigned *rng, int *closest, const char **reason)
{
    int best_rank = -2;
    int *keep = malloc((n ? n : 1) * sizeof *keep);
    int64_t *score = malloc((n ? n : 1) * sizeof *score);
    size_t k = 0;
    if (keep == NULL || score == NULL) {
        free(keep);
        free(score);
        *reason = "RESOURCE:CPU";
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *why = place_fit_rules(&c[i], need, required, rules);
        if (why == NULL) {
            keep[k++] = (int)i;
            continue;
        }
        int rank = res_reason_rank(why);
        if (rank > best_rank) {
            best_rank = rank;
            *closest = (int)i;
            *reason = why;
        }
    }
    for (size_t s = 0; s < rules->n_strategies && k > 1; s++) {
        const place_strategy_t *st = &rules->strategies[s];
        if (st->kind == PLACE_RANDOM)
            break;
        if (strategy_scores(c, n, rules, st, keep, k, score) < 0)
            break; /* out of memory: the choice is still one that fits */
        int64_t best = score[0];
        for (size_t j = 1; j < k; j++)
            if (score[j] < best)
                best = score[j];
        size_t kept = 0;
        for (size_t j = 0; j < k; j++)
            if (score[j] == best)
                keep[kept++] = keep[j];
        k = kept;
    }
    int chosen = k > 0 ? keep[(size_t)rand_r(rng) % k] : -1;
    free(keep);
    free(score);
    return chosen;
}

int place_choose(const place_candidate_t *c, size_t n, const res_t *need, const json_t *required,
                 const place_rules_t *rules, unsigned *rng, int *closest, const char **reason)
{
    int chosen = -1, feasible = 0, best_rank = -2;
    *closest = -1;
    *reason = NULL;
    if (rules != NULL && place_rules_order(rules))
        return choose_ordered(c, n, need, required, rules, rng, closest, reason);
    /* Uniform probes first: a probe that fits is a uniform choice among
     * the instances that fit, found without looking at all of them. */
    for (int p = 0; n > 0 && p < PROBES; p++) {
        size_t i = (size_t)rand_r(rng) % n;
        if (place_fit_rules(&c[i], need, required, rules) == NULL)
            return (int)i;
    }
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
