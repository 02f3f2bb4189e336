/* svc_daemon.h - DAEMON services (ecs-behavior.md §7.9): one task on every
 * ACTIVE container instance of the cluster; the service's desiredCount is
 * the count of those instances, kept by the scheduler. The reconciler
 * (sched/svc_reconcile.c) plans a daemon as a replica service of that
 * desiredCount and places its new tasks on the instances that have no
 * task of its PRIMARY deployment (task_place_on), so no instance gets two. */
#ifndef ECSD_SCHED_SVC_DAEMON_H
#define ECSD_SCHED_SVC_DAEMON_H

#include "model/context.h"

/* The ids of the cluster's ACTIVE instances that satisfy the memberOf
 * constraints of the service (svc_doc) and of its PRIMARY deployment's
 * task definition (a new array). */
int daemon_instances(const model_ctx_t *ctx, const char *cluster, const json_t *svc_doc, json_t **out,
                     ecs_error_t *err);

/* Those of instances without a task of deployment dep of the service that
 * is meant to run (a new array). */
int daemon_free_instances(const model_ctx_t *ctx, const char *cluster, const char *service, const char *dep,
                          const json_t *instances, json_t **out, ecs_error_t *err);

#endif
