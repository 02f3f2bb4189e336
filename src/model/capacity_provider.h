/* capacity_provider.h - capacity providers (issue 11 point 5; ECS's
 * CapacityProvider shape): the built-in FARGATE and FARGATE_SPOT of every
 * account, and Auto Scaling group providers a client creates.
 *
 * ecsd has no Auto Scaling: an ASG provider's autoScalingGroupProvider is
 * checked, kept and shown, and nothing scales. Its capacity is the
 * cluster's container instances whose agent names it (`ecsd agent
 * --capacity-provider NAME`, registered as the attribute CP_ATTR); the
 * tasks a strategy gives it are placed on those only.
 *
 * Record (STORE_CAPACITY_PROVIDER): key = name, status ACTIVE | INACTIVE
 * (deleted, still describable by name), num = when it was created.
 * Document: the CapacityProvider shape (tags per model/tags.h). */
#ifndef ECSD_MODEL_CAPACITY_PROVIDER_H
#define ECSD_MODEL_CAPACITY_PROVIDER_H

#include <stdbool.h>
#include <stdint.h>

#include "model/context.h"

#define CP_ATTR "ecs.capacity-provider" /* the instance attribute naming its provider */
#define CP_NAME_MAX 255
#define CP_STRATEGY_MAX 20

/* True for AWS's FARGATE and FARGATE_SPOT. */
bool cp_is_fargate(const char *name);

/* The provider's name of a name or ARN (capacity-provider/NAME), copied
 * into name; -1 when it is neither (InvalidParameterException naming field). */
int cp_name_from_param(const char *field, const char *value, char name[CP_NAME_MAX + 1], ecs_error_t *err);

/* 1 when name is a provider the account can use (FARGATE, FARGATE_SPOT,
 * or an ACTIVE stored one), 0 when not, -1 on a store error. */
int cp_usable(const model_ctx_t *ctx, const char *name, ecs_error_t *err);

/* The CapacityProvider shape of a stored provider, tags when tags; of a
 * built-in one when rec is NULL (then name names it). */
json_t *cp_view(const model_ctx_t *ctx, const store_record_t *rec, const char *name, bool tags);

/* CreateCapacityProvider's / UpdateCapacityProvider's
 * autoScalingGroupProvider read over current (NULL on create), ECS's
 * defaults filled; *out is new. InvalidParameterException naming the member. */
int cp_read_asg(const json_t *asg, const json_t *current, json_t **out, ecs_error_t *err);

/* How a strategy splits total tasks over its k providers as ECS does: the
 * provider with a base gets up to base first, the rest go by weight
 * (each next task to the provider furthest below its share, ties to the
 * first). When every weight is 0, the rest go as if all weights were 1. */
void cp_split(const int64_t *base, const int64_t *weight, size_t k, int64_t total, int64_t *out);

/* The number of tasks of each provider of strategy (a checked
 * CapacityProviderStrategy) to start now: want more tasks on top of have[i]
 * already running per provider, so that the whole is as cp_split shares
 * it. out[i] sums to want. */
void cp_plan(const json_t *strategy, const int64_t *have, int64_t want, int64_t *out);

/* InvalidParameterException when strategy mixes FARGATE / FARGATE_SPOT
 * with Auto Scaling group providers (ECS refuses that). */
int cp_strategy_check(const json_t *strategy, const char *field, ecs_error_t *err);

/* 1 when a service of cluster (not INACTIVE) has name in its strategy or
 * an unstopped task of cluster came by it, else 0 (-1 on a store error). */
int cp_in_use(const model_ctx_t *ctx, const char *cluster, const char *name, ecs_error_t *err);

#endif
