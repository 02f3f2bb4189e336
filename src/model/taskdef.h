/* taskdef.h - finding task definitions for other operations.
 *
 * Record: key "family:revision", family, num = revision, status ACTIVE |
 * INACTIVE | DELETE_IN_PROGRESS; document = the TaskDefinition shape. */
#ifndef ECSD_MODEL_TASKDEF_H
#define ECSD_MODEL_TASKDEF_H

#include "model/context.h"

#define TASKDEF_REVISION_MAX 1000000

/* "Unable to describe task definition.": ECS's answer for any reference
 * that names no revision the caller can see. */
extern const char taskdef_describe_failed[];

/* Splits a "family:revision" or task-definition ARN into family (at most
 * API_NAME_MAX chars) and *rev (0 when value names a family alone).
 * -1 with err filled when it cannot name a task definition. */
int taskdef_parse_ref(const model_ctx_t *ctx, const char *value, char *family, long long *rev,
                      ecs_error_t *err);

/* The revision value names ("family", "family:rev" or ARN): an explicit
 * revision in any status, or the family's latest ACTIVE one.
 * 1 found, 0 not found, -1 error. */
int taskdef_load(const model_ctx_t *ctx, const char *value, store_record_t *rec, ecs_error_t *err);

/* As taskdef_load, for starting tasks or services: ClientException
 * "TaskDefinition not found." / InvalidParameterException "TaskDefinition
 * is inactive" otherwise. 0 found (rec filled), -1 error. */
int taskdef_load_for_run(const model_ctx_t *ctx, const char *value, store_record_t *rec, ecs_error_t *err);

/* DeleteTaskDefinitions (taskdef_delete.c). */
#define TASKDEF_DELETE_IN_PROGRESS "DELETE_IN_PROGRESS"
#define TASKDEF_FAMILY_DELETED "DELETED" /* a family record with no revisions left: not listed */
#define TASKDEF_DELETE_MAX 10            /* references per call */

/* One reference of DeleteTaskDefinitions: an INACTIVE (or already
 * DELETE_IN_PROGRESS) revision becomes DELETE_IN_PROGRESS and its document
 * is appended to deleted; anything else appends a Failure (arn = value,
 * ECS's reason) to failures. -1 only on a store error. */
int taskdef_delete_one(const model_ctx_t *ctx, const char *value, json_t *deleted, json_t *failures,
                       ecs_error_t *err);

/* Removes for good, in every scope, the DELETE_IN_PROGRESS revisions that no
 * task (not STOPPED) and no service (not INACTIVE) refers to, at most a
 * batch per call, in one write transaction of its own. The number removed,
 * or -1. */
int taskdef_reap(store_t *store, ecs_error_t *err);

#endif
