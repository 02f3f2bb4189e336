/* task_launch.h - how the tasks of a RunTask or StartTask are launched:
 * launchType, capacityProviderStrategy, platformVersion,
 * networkConfiguration, volumeConfigurations, group, referenceId and
 * enableExecuteCommand, checked as ECS checks them (ecs-behavior.md §4.14).
 *
 * ecsd launches tasks on the cluster's container instances (EC2, EXTERNAL
 * and FARGATE alike: model/fargate.h). What needs capacity ecsd does not
 * have (EBS volumes configured at launch) is accepted, checked, and each
 * task then fails placement with a reason that names the member.
 *
 * Pure: the caller has loaded the cluster and the task definition. */
#ifndef ECSD_MODEL_TASK_LAUNCH_H
#define ECSD_MODEL_TASK_LAUNCH_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

#define TASK_GROUP_MAX 255
#define TASK_REFERENCE_ID_MAX 1024

typedef struct task_launch {
    const char *launch_type;  /* "EC2", "EXTERNAL" or "FARGATE" (static strings) */
    json_t *strategy;         /* the capacity provider strategy used (the request's, or the
                               * cluster's default when neither it nor launchType is given), or NULL */
    const char *group;        /* the request's group, or NULL (the task's default) */
    const char *reference_id; /* or NULL */
    const json_t *network;    /* the request's networkConfiguration (awsvpc tasks), or NULL */
    const char *platform_version; /* the request's platformVersion (FARGATE), or NULL */
    bool execute_command;     /* enableExecuteCommand */
    /* NULL when the tasks can be placed; else the Failure reason every task
     * of the request gets, with fail_detail saying why. */
    const char *fail_reason;
    char fail_detail[512];
} task_launch_t;

/* Reads and checks the members of `in` (RunTask when run_task, else
 * StartTask, which has no launchType, capacityProviderStrategy nor
 * platformVersion) for a task of taskdef in the cluster of cluster_doc.
 * Pointers of *out point into in, except strategy (owned: task_launch_clear). */
int task_launch_read(const json_t *in, bool run_task, const json_t *cluster_doc, const json_t *taskdef,
                     task_launch_t *out, ecs_error_t *err);

void task_launch_clear(task_launch_t *l);

#endif
