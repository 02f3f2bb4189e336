/* service_deployment.h - service deployments of today's API
 * (ListServiceDeployments, DescribeServiceDeployments): one per deployment
 * a service started (CreateService, an UpdateService that deploys), with
 * its status PENDING.. IN_PROGRESS -> SUCCESSFUL, STOPPED (a newer
 * deployment took over, or the circuit breaker failed it without
 * rollback) or ROLLBACK_IN_PROGRESS -> ROLLBACK_SUCCESSFUL, its target and
 * source service revisions, its circuit breaker.
 *
 * Kept in the service document, newest first, at most
 * SERVICE_DEPLOYMENTS_KEPT: "_ecsd": {"history": [ServiceDeployment +
 * "_dep": the ecs-svc id of its deployment, "_rb": the ecs-svc id of the
 * deployment rolling it back]}. So they are written in the same
 * transaction as the deployments they follow, and need no record of their
 * own. ARNs: service-deployment/CLUSTER/SERVICE/ID (ID: the ecs-svc number
 * in base 62) and service-revision/CLUSTER/SERVICE/NUMBER (the ecs-svc
 * number, as ECS shows it). */
#ifndef ECSD_MODEL_SERVICE_DEPLOYMENT_H
#define ECSD_MODEL_SERVICE_DEPLOYMENT_H

#include <stdbool.h>

#include "model/context.h"

#define SERVICE_DEPLOYMENTS_KEPT 50

/* The deployment circuit breaker's failure threshold: 0.5 x desiredCount,
 * at least 3 and at most 200 (ECS). */
int service_breaker_threshold(int desired);

/* dep (a Deployment of doc, just made PRIMARY) starts a service
 * deployment; the one in progress before it is STOPPED. */
void service_deployment_started(const model_ctx_t *ctx, json_t *doc, const json_t *dep);
/* dep's rolloutState changed (COMPLETED, FAILED): its service deployment
 * follows (SUCCESSFUL or ROLLBACK_SUCCESSFUL, STOPPED). */
void service_deployment_changed(const model_ctx_t *ctx, json_t *doc, const json_t *dep);
/* failed was rolled back by the new deployment back, for reason (NULL:
 * the circuit breaker's). */
void service_deployment_rolled_back(const model_ctx_t *ctx, json_t *doc, const json_t *failed, const json_t *back,
                                    const char *reason);

/* StopServiceDeployment (model/service_deployment_stop.c): asks that the
 * service deployment entry of doc's history be stopped, stop_type
 * "ROLLBACK" (to the last COMPLETED revision: ROLLBACK_REQUESTED) or
 * "ABORT" (where it stands: STOP_REQUESTED); the scheduler carries it out
 * ("_ecsd": {"stop": {"type", "dep"}}, sched/svc_rollout.c). A stop
 * already asked for continues. ConflictException when the entry is over,
 * or there is nothing to roll back to. */
int service_deployment_request_stop(const model_ctx_t *ctx, json_t *doc, json_t *entry, const char *stop_type,
                                    ecs_error_t *err);

/* The ServiceDeployment shape of an entry of doc's history (counts of the
 * live deployments counted from the tasks). NULL on error. */
json_t *service_deployment_view(const model_ctx_t *ctx, const store_record_t *svc, const json_t *entry,
                                ecs_error_t *err);
/* The ServiceDeploymentBrief shape. */
json_t *service_deployment_brief(const json_t *entry);
/* The service's history (newest first; borrowed, may be NULL). */
const json_t *service_deployment_history(const json_t *doc);

/* Splits a service deployment ARN of the caller's region and account into
 * cluster, service and id; false when it is not one. */
bool service_deployment_arn_parse(const model_ctx_t *ctx, const char *arn, char *cluster, char *service,
                                  size_t cap);

#endif
