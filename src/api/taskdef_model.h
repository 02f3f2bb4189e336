/* taskdef_model.h - finding task definitions for other operations.
 *
 * Record: key "family:revision", family, num = revision, status ACTIVE |
 * INACTIVE; document = the TaskDefinition shape. */
#ifndef ECSD_API_TASKDEF_MODEL_H
#define ECSD_API_TASKDEF_MODEL_H

#include "api/api.h"

/* The revision value names ("family", "family:rev" or ARN): an explicit
 * revision in any status, or the family's latest ACTIVE one.
 * 1 found, 0 not found, -1 error. */
int taskdef_load(const api_ctx_t *ctx, const char *value, store_record_t *rec, ecs_error_t *err);

/* As taskdef_load, for starting tasks or services: ClientException
 * "TaskDefinition not found." / InvalidParameterException "TaskDefinition
 * is inactive" otherwise. 0 found (rec filled), -1 error. */
int taskdef_load_for_run(const api_ctx_t *ctx, const char *value, store_record_t *rec, ecs_error_t *err);

#endif
