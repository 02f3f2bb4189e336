/* placement.h - where a task goes (ecs-behavior.md §6.3): at random among
 * the instances that fit, or, when none does, the closest one and the
 * first requirement it misses. Pure: the caller loads the candidates and
 * stores the outcome in the same transaction. */
#ifndef ECSD_MODEL_PLACEMENT_H
#define ECSD_MODEL_PLACEMENT_H

#include <stddef.h>

#include "model/resources.h"

typedef struct place_candidate {
    int64_t cpu, mem;          /* remaining */
    const json_t *tcp, *udp;   /* used ports (JSON integers) while res is NULL */
    res_t *res;                /* the full state once changed in this request (caller owns) */
    const json_t *attrs;       /* the instance's attributes (borrowed), NULL for none */
    bool connected;            /* agent heard from recently */
} place_candidate_t;

/* NULL when a task needing need and the attributes required (an
 * Attribute list, NULL for none: attributes.h) fits c, else the ECS
 * failure reason: "AGENT", "ATTRIBUTE", "RESOURCE:CPU", ... in that order. */
const char *place_fit(const place_candidate_t *c, const res_t *need, const json_t *required);

/* Index of the chosen candidate, or -1 with *closest (index, -1 when n is 0)
 * and *reason set. rng is the caller's random state (rand_r). */
int place_choose(const place_candidate_t *c, size_t n, const res_t *need, const json_t *required, unsigned *rng,
                 int *closest, const char **reason);

/* Takes need from a chosen candidate (c->res must be set). */
void place_reserve(place_candidate_t *c, const res_t *need);

#endif
