/* roles.h - what a task role (taskRoleArn, executionRoleArn) gives the
 * task's containers, with no IAM here: the server's roles file
 * (--roles-file, re-read on SIGHUP) maps a role ARN to the keys it hands
 * out. One role a line, '#' starts a comment:
 *
 *   ROLE_ARN ACCESS_KEY_ID                                one of this ecsd's own keys
 *                                                         (its secret comes from the
 *                                                         credentials file; ecsd adds a
 *                                                         session token it checks)
 *   ROLE_ARN ACCESS_KEY_ID SECRET_ACCESS_KEY [TOKEN]      keys the operator supplies
 *                                                         (for another endpoint), handed
 *                                                         out as they are
 *
 * A role ARN is arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME; a role is
 * given only to the tasks of its own account (roles_lookup's caller
 * checks). Nothing of this is ever logged: errors name the line, not
 * its keys.
 *
 * Threads: lookups (any thread) and reloads are guarded by a rwlock. */
#ifndef ECSD_MODEL_ROLES_H
#define ECSD_MODEL_ROLES_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define ROLE_ARN_MAX 2048
#define ROLE_KEY_MAX 128
#define ROLE_SECRET_MAX 128
#define ROLE_TOKEN_MAX 2048

typedef struct role_entry {
    char arn[ROLE_ARN_MAX + 1];
    char access_key[ROLE_KEY_MAX + 1];
    char secret[ROLE_SECRET_MAX + 1]; /* "" for one of ecsd's own keys */
    char token[ROLE_TOKEN_MAX + 1];   /* the operator's session token, "" for none */
} role_entry_t;

typedef struct roles roles_t;

/* Parses the text of a roles file (path only names it in messages) into
 * a sorted array. -1 with a message naming the line. */
int roles_parse(const char *text, const char *path, role_entry_t **out, size_t *n, ecs_error_t *err);
/* Loads path; -1 on a bad line or an unreadable file. */
int roles_load(const char *path, roles_t **out, ecs_error_t *err);
/* Reads the file again; on error the roles in force stay as they were. */
int roles_reload(roles_t *r, ecs_error_t *err);
size_t roles_count(roles_t *r);
void roles_free(roles_t *r);
/* 1 with e filled (the caller cleanses it after use), 0 when the role is
 * not in the file. */
int roles_lookup(roles_t *r, const char *arn, role_entry_t *e);
/* The 12-digit account of a well-formed role ARN into account[13]; false
 * when arn is not a role ARN. */
bool roles_arn_account(const char *arn, char account[13]);

#endif
