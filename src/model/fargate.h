/* fargate.h - what launchType FARGATE and networkMode awsvpc add to a task
 * (ecs-behavior.md §4.14; docs/agent.md "awsvpc").
 *
 * ecsd runs Fargate tasks on the cluster's own container instances that
 * offer Fargate capacity: an instance whose agent registers
 * FARGATE_ATTR (by default every ecsd agent; `ecsd agent --fargate=no`
 * does not), and one registering FARGATE_ONLY_ATTR as well
 * (`--fargate=only`) takes no other task. Every awsvpc task (Fargate or
 * not) gets an attachment of type ElasticNetworkInterface: PRECREATED when
 * placed, ATTACHED with the address the agent gave its network namespace
 * (SubmitAttachmentStateChanges, or SubmitTaskStateChange's attachments),
 * DELETED when the task stops.
 *
 * The attachment's id is its task's id written as a UUID, so a report
 * naming only the attachment's ARN finds its task without an index. */
#ifndef ECSD_MODEL_FARGATE_H
#define ECSD_MODEL_FARGATE_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

#define FARGATE_ATTR "ecs.capability.fargate"
#define FARGATE_ONLY_ATTR "ecs.capability.fargate-only"
#define FARGATE_PLATFORM_VERSION "1.4.0" /* what LATEST means */
#define FARGATE_EPHEMERAL_DEFAULT 20    /* GiB, Fargate's default task storage */
#define ENI_TYPE "ElasticNetworkInterface"

/* RunTask's checks of a FARGATE task whose definition with the overrides
 * applied is `effective`: no placementConstraints nor placementStrategy,
 * task-level cpu and memory from Fargate's combinations. */
int fargate_check_run(const json_t *in, const json_t *effective, ecs_error_t *err);

/* CreateService/UpdateService's checks of a service (doc, after the
 * request's members) of launchType FARGATE running taskdef: the
 * definition is FARGATE-compatible, no placementConstraints nor
 * placementStrategy. */
int fargate_check_service(const json_t *doc, const json_t *taskdef, ecs_error_t *err);

/* What the task needs of an instance's attributes: attr_task_requires,
 * plus FARGATE_ATTR for launchType FARGATE, or the absence of
 * FARGATE_ONLY_ATTR for the others (an entry with "absent": true, as
 * attr_first_missing reads it). New list. */
json_t *fargate_task_requires(const json_t *taskdef, const char *launch_type);

/* Sets on a new task's document (doc of the task with this id) what
 * FARGATE and awsvpc add: the ENI attachment (subnet: the first of
 * network's awsvpcConfiguration.subnets), platformVersion, platformFamily
 * and the ephemeral storage of a Fargate task. */
void fargate_task_build(json_t *doc, const char *task_id, const json_t *effective,
                        const char *launch_type, const char *platform_version, const json_t *network);

/* True when the task has an ENI attachment (its ports are its own, not
 * the host's). */
bool fargate_task_has_eni(const json_t *doc);

/* The task id an attachment ARN or id names (its UUID less the dashes
 * for the long id format, as is for the short one): writes both forms.
 * -1 when it is not an attachment of ecsd's. */
int fargate_attachment_task_ids(const char *arn, char dashed[40], char plain[40]);

/* Applies one AttachmentStateChange ({attachmentArn, status} and ecsd's
 * member "details": [{name, value}] with the address) to the task's
 * document: statuses only move forward (PRECREATED, ATTACHED, DELETED);
 * ATTACHED takes the details and gives each container its
 * networkInterfaces. True when the document changed. */
bool fargate_apply_attachment(json_t *doc, const json_t *change);

/* The task stopped: its attachments are DELETED. */
void fargate_task_stopped(json_t *doc);

#endif
