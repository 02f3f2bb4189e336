/* cql.h - ECS's cluster query language (ecs-behavior.md §6.5): the one
 * parser behind ListContainerInstances `filter` and the `memberOf`
 * placement constraint.
 *
 *   expr    := or
 *   or      := and (("or" | "||") and)*
 *   and     := unary (("and" | "&&") unary)*
 *   unary   := ("not" | "!") unary | "(" expr ")" | subject op [argument]
 *   subject := agentConnected | agentVersion | attribute:NAME | ec2InstanceId
 *            | registeredAt | runningTasksCount | task:group
 *   op      := == != > >= < <= exists !exists in !in =~ !~ (or their
 *              names: equals, not_equals, greater_than, ..., not_matches)
 *   argument:= a word or a 'quoted' / "quoted" string; for in / !in a
 *              list [a, b, ...]; none for exists / !exists
 *
 * Patterns (=~, !~) are POSIX extended regular expressions matched against
 * the whole value (ECS documents Java's syntax; the common subset is the
 * same). A parsed query is immutable and may be shared between threads. */
#ifndef ECSD_MODEL_CQL_H
#define ECSD_MODEL_CQL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

#define CQL_MAX_LEN 2000

typedef struct cql cql_t;

/* What an expression is evaluated against: one container instance. */
typedef struct cql_instance {
    const json_t *attrs;         /* its Attribute list (borrowed), NULL for none */
    bool agent_connected;
    const char *agent_version;   /* versionInfo.agentVersion, NULL when unknown */
    const char *ec2_instance_id; /* NULL when unknown */
    int64_t registered_at_ms;
    int64_t running_tasks;       /* RUNNING tasks on it */
    const char *const *groups;   /* the groups of its unstopped tasks (repeats allowed) */
    size_t n_groups;
} cql_instance_t;

/* What evaluating a query reads beyond the instance record. */
#define CQL_NEEDS_TASKS 1u    /* running_tasks or groups */
#define CQL_NEEDS_RECORD 2u   /* agent_version, ec2_instance_id or registered_at_ms */
#define CQL_NEEDS_AGENT 4u    /* agent_connected (changes without the record changing) */

/* Parses expr (at most CQL_MAX_LEN characters). -1 with
 * InvalidParameterException naming field and the 1-based position of the
 * first syntax error. */
int cql_parse(const char *expr, const char *field, cql_t **out, ecs_error_t *err);
void cql_free(cql_t *q);

bool cql_eval(const cql_t *q, const cql_instance_t *inst);
unsigned cql_needs(const cql_t *q);

#endif
