/* placement.h - where a task goes (ecs-behavior.md §6.3): at random among
 * the instances that fit, or, when none does, the closest one and the
 * first requirement it misses. Pure: the caller loads the candidates and
 * stores the outcome in the same transaction. */
#ifndef ECSD_MODEL_PLACEMENT_H
#define ECSD_MODEL_PLACEMENT_H

#include <stddef.h>

#include "model/cql.h"
#include "model/resources.h"

#define PLACE_CONSTRAINTS_MAX 10 /* the task definition's and the call's together */
#define PLACE_STRATEGIES_MAX 5

#define PLACE_MEMBER_OF "MemberOf placement constraint unsatisfied."
#define PLACE_DISTINCT "DistinctInstance placement constraint unsatisfied."

/* The tasks on one instance, as constraints and strategies see them. */
typedef struct place_tasks {
    int64_t running;      /* RUNNING tasks (runningTasksCount) */
    const char **groups;  /* the group of each unstopped task */
    size_t n_groups, cap;
} place_tasks_t;

typedef enum { PLACE_RANDOM, PLACE_BINPACK_CPU, PLACE_BINPACK_MEMORY, PLACE_SPREAD_INSTANCE,
               PLACE_SPREAD_ATTRIBUTE } place_strategy_kind_t;

typedef struct place_strategy {
    place_strategy_kind_t kind;
    char *attr; /* PLACE_SPREAD_ATTRIBUTE's attribute name */
} place_strategy_t;

typedef struct place_cache place_cache_t;
typedef struct place_memo place_memo_t;

/* Constraints and strategies of one placement (placement_rules.c). */
typedef struct place_rules {
    cql_t *member_of[PLACE_CONSTRAINTS_MAX];
    size_t n_member_of;
    bool distinct;                        /* distinctInstance */
    place_strategy_t strategies[PLACE_STRATEGIES_MAX];
    size_t n_strategies;
    const char *group;                    /* the group of the task being placed (borrowed) */
    int64_t now_ms;
    /* the tasks of an instance (by id), set when place_rules_need_tasks */
    const place_tasks_t *(*tasks_of)(void *arg, const char *instance_id);
    void *tasks_arg;
    place_cache_t *cache; /* what place_choose worked out for this call (placement.c) */
    bool groups_kept;     /* the group's tasks per instance are read from the candidates' documents
                           * (instance_groups) rather than through tasks_of */
    /* What earlier calls worked out on the same candidates (placement_memo.c;
     * borrowed, NULL for none): memberOf verdicts and spread values of each
     * candidate, reused while the candidate's serial is unchanged. */
    place_memo_t *memo;
    char *memo_key;       /* the memberOf expressions and spread fields, as the memo knows them */
    bool memo_ok;         /* memberOf reads nothing that changes without the record (tasks, agent) */
} place_rules_t;

typedef struct place_candidate {
    int64_t cpu, mem;          /* remaining */
    const json_t *tcp, *udp;   /* used ports (JSON integers) while res is NULL */
    res_t *res;                /* the full state once changed in this request (caller owns) */
    const json_t *attrs;       /* the instance's attributes (borrowed), NULL for none */
    bool connected;            /* agent heard from recently */
    const char *id;            /* instance id (borrowed) */
    const json_t *doc;         /* the instance's stored document (borrowed; memberOf reads it), or NULL */
    uint64_t serial;           /* changes whenever the entry does (capacity index), 0 when unknown */
} place_candidate_t;

/* Checks placementConstraints (the call's: at most 10 with the task
 * definition's) and placementStrategy (at most 5) as ECS does, and parses
 * them with the task definition's memberOf constraints into rules
 * (cleared by place_rules_clear). -1 with InvalidParameterException
 * naming placementConstraints[i], placementStrategy[i] or the task
 * definition's placementConstraints[i]. */
int place_rules_parse(const json_t *taskdef, const json_t *constraints, const json_t *strategies, place_rules_t *rules,
                      ecs_error_t *err);
void place_rules_clear(place_rules_t *rules);
/* place_rules_parse for its checks only (CreateService / UpdateService
 * can refuse bad members before storing them). */
int place_rules_check(const json_t *taskdef, const json_t *constraints, const json_t *strategies, ecs_error_t *err);
/* Whether evaluating the rules reads the instances' tasks (tasks_of):
 * 0 no, 1 those of the task's own group (distinctInstance, spread), 2 all
 * (memberOf on task:group or runningTasksCount). */
int place_rules_need_tasks(const place_rules_t *rules);
/* Whether the rules order the candidates (a strategy other than random). */
bool place_rules_order(const place_rules_t *rules);

/* NULL when a task needing need and the attributes required (an
 * Attribute list, NULL for none: attributes.h) fits c, else the ECS
 * failure reason: "AGENT", "ATTRIBUTE", "RESOURCE:CPU", ... in that order. */
const char *place_fit(const place_candidate_t *c, const res_t *need, const json_t *required);
/* place_fit with rules (NULL for none): PLACE_MEMBER_OF and
 * PLACE_DISTINCT come after ATTRIBUTE and before the resources. */
const char *place_fit_rules(const place_candidate_t *c, const res_t *need, const json_t *required,
                            const place_rules_t *rules);

/* Whether candidate c satisfies every memberOf constraint of rules (a
 * DAEMON service's instances: the constraints choose where it runs). */
bool place_rules_member_of(const place_rules_t *rules, const place_candidate_t *c);

/* Index of the chosen candidate, or -1 with *closest (index, -1 when n is 0)
 * and *reason set. rng is the caller's random state (rand_r). Among the
 * candidates that fit, rules' strategies (NULL: none) choose in order,
 * each keeping the best by its measure, ties to the next; the last ties
 * at random. */
int place_choose(const place_candidate_t *c, size_t n, const res_t *need, const json_t *required,
                 const place_rules_t *rules, unsigned *rng, int *closest, const char **reason);

/* After a task was placed on candidate idx of the last place_choose (its
 * entry updated): the rules' cache follows. */
void place_rules_placed(const place_rules_t *rules, size_t idx, const res_t *need, const json_t *required);
/* The candidates changed otherwise (one removed, one corrected): the cache
 * is worked out again at the next place_choose. */
void place_rules_forget(const place_rules_t *rules);
place_cache_t *place_cache_new(void);
void place_cache_free(place_cache_t *cache);

/* placement_memo.c: the work on a cluster's candidates that outlives a
 * placement call (kept with the capacity index's cluster). */
place_memo_t *place_memo_new(void);
void place_memo_free(place_memo_t *m);
/* Makes m hold rules r's work for n candidates, forgetting what it held
 * for other rules; false when r's cannot be kept (memo_ok unset). */
bool place_memo_begin(place_memo_t *m, const place_rules_t *r, size_t n);
/* Candidate i's memberOf verdict, and in vals[s] its value of each
 * spread-on-attribute strategy s: kept ones while c->serial is the same,
 * else worked out (and kept). */
bool place_memo_entry(place_memo_t *m, const place_rules_t *r, const place_candidate_t *c, size_t i, int *vals);
/* The tasks of r's group on candidate i: kept ones while c->serial is the
 * same and the counts come from the documents (r->groups_kept), else
 * count(r, c). */
int64_t place_memo_count(place_memo_t *m, const place_rules_t *r, const place_candidate_t *c, size_t i,
                         int64_t (*count)(const place_rules_t *r, const place_candidate_t *c));
/* How many distinct spread values the memo has numbered (bound of vals). */
size_t place_memo_values(const place_memo_t *m);
/* The value of attribute name on c ("" when it has none). */
const char *place_attr_value(const place_candidate_t *c, const char *name);

/* Takes need from a chosen candidate (c->res must be set). */
void place_reserve(place_candidate_t *c, const res_t *need);

#endif
