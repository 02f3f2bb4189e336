#include "model/placement.h"

#include "model/attributes.h"

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

const char *place_fit(const place_candidate_t *c, const res_t *need, const json_t *required)
{
    if (!c->connected)
        return "AGENT";
    if (json_array_size(required) > 0 && attr_first_missing(c->attrs, required) != NULL)
        return "ATTRIBUTE";
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

int place_choose(const place_candidate_t *c, size_t n, const res_t *need, const json_t *required, unsigned *rng,
                 int *closest, const char **reason)
{
    int chosen = -1, feasible = 0, best_rank = -2;
    *closest = -1;
    *reason = NULL;
    /* Uniform probes first: a probe that fits is a uniform choice among
     * the instances that fit, found without looking at all of them. */
    for (int p = 0; n > 0 && p < PROBES; p++) {
        size_t i = (size_t)rand_r(rng) % n;
        if (place_fit(&c[i], need, required) == NULL)
            return (int)i;
    }
    /* Few fit (or none): one pass, reservoir sampling among those that do. */
    for (size_t i = 0; i < n; i++) {
        const char *why = place_fit(&c[i], need, required);
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
