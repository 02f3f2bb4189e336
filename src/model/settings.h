/* settings.h - ECS account settings (PutAccountSetting,
 * PutAccountSettingDefault, DeleteAccountSetting, ListAccountSettings).
 *
 * A setting is (principal, name) -> value, per scope (account and region:
 * account settings are regional on AWS too). The principal is an IAM ARN
 * of the account: its root ("arn:aws:iam::ACCOUNT:root"), a user or a role.
 * The root's setting is the account default (PutAccountSettingDefault
 * writes it); a user's or role's own setting overrides it; with neither,
 * ECS's default of today applies (settings_defs). Stored as STORE_SETTING
 * rows, key "PRINCIPAL#NAME", family = name, status = value, the document
 * being the Setting shape {name, value, principalArn, type}.
 *
 * Effect: the ARN and id format of services, tasks and container
 * instances created afterwards follows the caller's effective
 * serviceLongArnFormat / taskLongArnFormat / containerInstanceLongArnFormat.
 * ecsd's keys act for an account's root (api/credentials.h), so the
 * caller's effective setting is the root's (or ECS's default).
 */
#ifndef ECSD_MODEL_SETTINGS_H
#define ECSD_MODEL_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "model/context.h"

#define SETTINGS_PRINCIPAL_MAX 512

enum setting_flags {
    SETTING_ROOT_ONLY = 1u << 0,    /* only for the root (fargateTaskRetirementWaitPeriod) */
    SETTING_AWS_MANAGED = 1u << 1,  /* read-only, type "aws_managed" (guardDutyActivate) */
    SETTING_DEFAULT_ONLY = 1u << 2, /* only through PutAccountSettingDefault (fargateFIPSMode) */
};

typedef struct setting_def {
    const char *name;
    const char *values[4]; /* the accepted values; NULL ends the list */
    const char *def;       /* ECS's default when nothing is set */
    unsigned flags;
} setting_def_t;

/* Every setting name ECS serves today, in name order. */
const setting_def_t *settings_defs(size_t *n);
/* The definition of a name, or NULL. */
const setting_def_t *settings_find(const char *name);

/* InvalidParameterException unless value is one of d's values. */
int settings_check_value(const setting_def_t *d, const char *value, ecs_error_t *err);

/* The root principal of the request's account. */
void settings_root(const model_ctx_t *ctx, char out[SETTINGS_PRINCIPAL_MAX + 1]);
/* The principal a request names: arn NULL is the caller (the root);
 * otherwise the root, a user or a role ARN of the request's account
 * (InvalidParameterException otherwise). *is_root tells which. */
int settings_principal(const model_ctx_t *ctx, const char *arn, char out[SETTINGS_PRINCIPAL_MAX + 1],
                       bool *is_root, ecs_error_t *err);

/* The setting explicitly set for principal: 1 with *out (new reference),
 * 0 when none is set, -1 on a store error. */
int settings_get(const model_ctx_t *ctx, const char *principal, const setting_def_t *d, json_t **out,
                 ecs_error_t *err);
/* The settings explicitly set for principal, in name order (new array). */
int settings_list_own(const model_ctx_t *ctx, const char *principal, json_t **out, ecs_error_t *err);
/* Sets d for principal to value (checked by the caller); *out is the Setting. */
int settings_put(const model_ctx_t *ctx, const char *principal, const setting_def_t *d, const char *value,
                 json_t **out, ecs_error_t *err);
/* Removes principal's own setting of d; *out is the Setting as it was (or,
 * when none was set, as the principal had it by default). */
int settings_delete(const model_ctx_t *ctx, const char *principal, const setting_def_t *d, json_t **out,
                    ecs_error_t *err);
/* What applies to principal: its own, else the root's, else ECS's default
 * (principalArn then the root's, as ECS shows it). New reference. */
int settings_effective(const model_ctx_t *ctx, const char *principal, const setting_def_t *d, json_t **out,
                       ecs_error_t *err);

/* The ARN formats of resources created by this operation. */
typedef enum settings_arn {
    SETTINGS_ARN_SERVICE = 1u << 1,
    SETTINGS_ARN_TASK = 1u << 2,
    SETTINGS_ARN_INSTANCE = 1u << 3,
} settings_arn_t;

/* Reads the caller's effective ARN format settings into ctx->arn_formats
 * (once per operation; later calls do nothing). Operations that create
 * services, tasks or container instances call it first. */
int settings_load_arn_formats(model_ctx_t *ctx, ecs_error_t *err);
/* Whether new resources of this kind get the long format (cluster in the
 * ARN, 32-hex-digit ids). Before settings_load_arn_formats: ECS's default,
 * the long format. */
bool settings_long_arn(const model_ctx_t *ctx, settings_arn_t which);

#endif
