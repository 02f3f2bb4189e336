/* arn.h - Amazon Resource Names: arn:aws:ecs:REGION:ACCOUNT:TYPE/PATH. */
#ifndef ECSD_COMMON_ARN_H
#define ECSD_COMMON_ARN_H

#include <stdbool.h>
#include <stddef.h>

/* Returns a new string "arn:aws:ecs:<region>:<account>:<type>/<path>". */
char *arn_build(const char *region, const char *account, const char *type, const char *path);

/* The parts of a parsed ARN; strings point into the parsed text. */
typedef struct arn_parts {
    const char *region;
    size_t region_len;
    const char *account;
    size_t account_len;
    const char *type; /* e.g. "cluster", "task-definition" */
    size_t type_len;
    const char *path; /* after the first '/', to the end */
    size_t path_len;
} arn_parts_t;

/* True when s looks like an ARN at all (starts with "arn:"). */
bool arn_is_arn(const char *s);
/* Parses an ECS ARN; -1 when it is not "arn:aws:ecs:R:A:T/P" with all parts non-empty. */
int arn_parse(const char *s, arn_parts_t *out);
/* Compares a parsed part with a NUL-terminated string. */
bool arn_part_eq(const char *part, size_t len, const char *s);

#endif
