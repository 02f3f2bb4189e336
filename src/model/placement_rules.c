/* placement_rules.c - placement constraints and strategies as a request
 * gives them (ecs-behavior.md §6.3): checked, parsed once per placement
 * call, and evaluated against a candidate. */
#include "model/placement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void place_rules_clear(place_rules_t *r)
{
    for (size_t i = 0; i < r->n_member_of; i++)
        cql_free(r->member_of[i]);
    for (size_t i = 0; i < r->n_strategies; i++)
        free(r->strategies[i].attr);
    place_cache_free(r->cache);
    free(r->memo_key);
    memset(r, 0, sizeof *r);
}

/* The memo key: each memberOf expression and strategy with its length,
 * so that no two lists of them give the same key. */
static int key_add(place_rules_t *r, const char *kind, const char *text)
{
    size_t old = r->memo_key ? strlen(r->memo_key) : 0, add = strlen(kind) + strlen(text) + 24;
    char *k = realloc(r->memo_key, old + add + 1);
    if (k == NULL)
        return -1; /* out of memory: the caller fails the parse */
    snprintf(k + old, add + 1, "%s/%zu:%s;", kind, strlen(text), text);
    r->memo_key = k;
    return 0;
}

static int add_constraint(place_rules_t *r, const json_t *c, const char *field, size_t i, bool call,
                          ecs_error_t *err)
{
    const char *type = json_string_value(json_object_get(c, "type"));
    const char *expr = json_string_value(json_object_get(c, "expression"));
    if (type == NULL)
        return ecs_invalid_param(err, "%s[%zu].type: a constraint type (memberOf or distinctInstance) is required.",
                                 field, i);
    if (strcmp(type, "distinctInstance") == 0 && call) {
        if (expr != NULL)
            return ecs_invalid_param(err, "%s[%zu].expression: an expression cannot be given with the "
                                          "distinctInstance constraint type.",
                                     field, i);
        r->distinct = true;
        return 0;
    }
    if (strcmp(type, "memberOf") != 0)
        return ecs_invalid_param(err, "%s[%zu].type: '%.40s' is not a constraint type%s.", field, i, type,
                                 call ? " (memberOf, distinctInstance)" : " of a task definition (memberOf)");
    if (expr == NULL || expr[0] == '\0')
        return ecs_invalid_param(err, "%s[%zu].expression: the memberOf constraint needs a cluster query expression.",
                                 field, i);
    char f[96];
    snprintf(f, sizeof f, "%s[%zu].expression", field, i);
    cql_t *q = NULL;
    if (cql_parse(expr, f, &q, err) < 0)
        return -1;
    r->member_of[r->n_member_of++] = q;
    if (cql_needs(q) & (CQL_NEEDS_TASKS | CQL_NEEDS_AGENT))
        r->memo_ok = false;
    return key_add(r, "m", expr) < 0 ? ecs_server_err(err, "out of memory") : 0;
}

static int add_strategy(place_rules_t *r, const json_t *s, size_t i, ecs_error_t *err)
{
    const char *type = json_string_value(json_object_get(s, "type"));
    const char *field = json_string_value(json_object_get(s, "field"));
    place_strategy_t *st = &r->strategies[r->n_strategies];
    *st = (place_strategy_t){.kind = PLACE_RANDOM};
    if (type == NULL)
        return ecs_invalid_param(err, "placementStrategy[%zu].type: a strategy type (random, spread or binpack) is "
                                      "required.",
                                 i);
    if (strcmp(type, "binpack") == 0) {
        if (field != NULL && strcasecmp(field, "cpu") == 0)
            st->kind = PLACE_BINPACK_CPU;
        else if (field != NULL && strcasecmp(field, "memory") == 0)
            st->kind = PLACE_BINPACK_MEMORY;
        else
            return ecs_invalid_param(err, "placementStrategy[%zu].field: binpack takes cpu or memory, not '%.60s'.",
                                     i, field ? field : "");
    } else if (strcmp(type, "spread") == 0) {
        if (field != NULL && (strcmp(field, "instanceId") == 0 || strcmp(field, "host") == 0)) {
            st->kind = PLACE_SPREAD_INSTANCE;
        } else if (field != NULL && strncmp(field, "attribute:", 10) == 0 && field[10] != '\0' &&
                   strlen(field + 10) <= 128) {
            st->kind = PLACE_SPREAD_ATTRIBUTE;
            st->attr = strdup(field + 10);
            if (st->attr == NULL)
                return ecs_server_err(err, "out of memory");
        } else {
            return ecs_invalid_param(err, "placementStrategy[%zu].field: spread takes instanceId, host or "
                                          "attribute:NAME, not '%.60s'.",
                                     i, field ? field : "");
        }
    } else if (strcmp(type, "random") != 0) {
        return ecs_invalid_param(err, "placementStrategy[%zu].type: '%.40s' is not random, spread or binpack.", i,
                                 type);
    }
    if (key_add(r, type, field ? field : "") < 0) /* each strategy in order: the memo's val[s] follow them */
        return ecs_server_err(err, "out of memory");
    r->n_strategies++;
    return 0;
}

int place_rules_parse(const json_t *taskdef, const json_t *constraints, const json_t *strategies, place_rules_t *r,
                      ecs_error_t *err)
{
    memset(r, 0, sizeof *r);
    r->memo_ok = true;
    const json_t *td_c = json_object_get(taskdef, "placementConstraints");
    if (json_array_size(td_c) + json_array_size(constraints) > PLACE_CONSTRAINTS_MAX)
        return ecs_invalid_param(err, "placementConstraints: at most %d placement constraints are allowed, the task "
                                      "definition's (%zu) included.",
                                 PLACE_CONSTRAINTS_MAX, json_array_size(td_c));
    if (json_array_size(strategies) > PLACE_STRATEGIES_MAX)
        return ecs_invalid_param(err, "placementStrategy: at most %d placement strategies are allowed.",
                                 PLACE_STRATEGIES_MAX);
    size_t i;
    json_t *c;
    json_array_foreach(td_c, i, c) if (add_constraint(r, c, "taskDefinition.placementConstraints", i, false, err) < 0)
    {
        place_rules_clear(r);
        return -1;
    }
    json_array_foreach(constraints, i, c) if (add_constraint(r, c, "placementConstraints", i, true, err) < 0)
    {
        place_rules_clear(r);
        return -1;
    }
    json_array_foreach(strategies, i, c) if (add_strategy(r, c, i, err) < 0)
    {
        place_rules_clear(r);
        return -1;
    }
    r->cache = place_cache_new(); /* NULL (out of memory): placement works out everything each time */
    if (r->memo_key == NULL && (r->memo_key = strdup("")) == NULL)
        r->memo_ok = false;
    return 0;
}

int place_rules_check(const json_t *taskdef, const json_t *constraints, const json_t *strategies, ecs_error_t *err)
{
    place_rules_t r;
    if (place_rules_parse(taskdef, constraints, strategies, &r, err) < 0)
        return -1;
    place_rules_clear(&r);
    return 0;
}

int place_rules_need_tasks(const place_rules_t *r)
{
    for (size_t i = 0; i < r->n_member_of; i++)
        if (cql_needs(r->member_of[i]) & CQL_NEEDS_TASKS)
            return 2;
    if (r->distinct)
        return 1;
    for (size_t i = 0; i < r->n_strategies; i++)
        if (r->strategies[i].kind == PLACE_SPREAD_INSTANCE || r->strategies[i].kind == PLACE_SPREAD_ATTRIBUTE)
            return 1;
    return 0;
}

bool place_rules_order(const place_rules_t *r)
{
    for (size_t i = 0; i < r->n_strategies; i++)
        if (r->strategies[i].kind != PLACE_RANDOM)
            return true;
    return false;
}
