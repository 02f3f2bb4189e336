/* service_config.h - the members of today's CreateService/UpdateService
 * that configure a service (ecs-behavior.md §4.19-4.20): how each is
 * checked, kept in the service document and shown.
 *
 * Kept in the document as the Service shape shows them:
 *   deploymentConfiguration {deploymentCircuitBreaker {enable, rollback},
 *     maximumPercent, minimumHealthyPercent, strategy ROLLING,
 *     bakeTimeInMinutes, alarms (when given)}, deploymentController
 *   {type ECS}, schedulingStrategy, launchType or capacityProviderStrategy,
 *   platformVersion (FARGATE), networkConfiguration, placementConstraints,
 *   placementStrategy, healthCheckGracePeriodSeconds (when given),
 *   enableExecuteCommand, serviceRegistries, availabilityZoneRebalancing,
 *   loadBalancers (op_services.c checks them), createdBy.
 * The members ECS shows only per deployment (serviceConnectConfiguration,
 * volumeConfigurations, vpcLatticeConfigurations) are kept in
 * "_ecsd": {"deploy": {...}} and copied into each new deployment.
 *
 * Placement: placementConstraints and placementStrategy are checked as
 * placement parses them (place_rules_check), kept and shown;
 * service_config_placement() hands them to the scheduler, which places
 * the service's tasks with them (sched/svc_reconcile.c start_tasks; a
 * DAEMON service's memberOf chooses its instances: sched/svc_daemon.c). */
#ifndef ECSD_MODEL_SERVICE_CONFIG_H
#define ECSD_MODEL_SERVICE_CONFIG_H

#include <stdbool.h>

#include "model/context.h"

/* Reads the configuration members of a CreateService (create) or
 * UpdateService request into doc (the service document, changed in
 * place: the caller stores it only when this succeeds). taskdef is the
 * task definition the service will run (networkMode, volumes), cluster
 * the cluster document (capacity providers). *redeploy (may be NULL) is
 * set when a member that ECS carries per deployment changed, so that
 * UpdateService starts a new deployment. InvalidParameterException naming
 * the member otherwise. */
int service_config_apply(const model_ctx_t *ctx, const json_t *in, json_t *doc, const json_t *taskdef,
                         const json_t *cluster, bool create, bool *redeploy, ecs_error_t *err);

/* The members a new deployment carries from its service: launchType or
 * capacityProviderStrategy, platformVersion and platformFamily,
 * networkConfiguration, serviceConnectConfiguration, volumeConfigurations,
 * vpcLatticeConfigurations. */
void service_config_to_deployment(const json_t *doc, json_t *dep);

/* Why no task of this service can be placed on ecsd's container instances
 * (a launch type or capacity provider of AWS's own capacity, an EBS volume
 * made at launch), naming the member; NULL when they can. */
const char *service_config_unplaceable(const json_t *doc);

/* The service's placementConstraints and placementStrategy (borrowed;
 * NULL or empty when none), for the placement of its tasks. */
void service_config_placement(const json_t *doc, const json_t **constraints, const json_t **strategy);

/* True for a DAEMON service. */
bool service_is_daemon(const json_t *doc);

/* The deployment circuit breaker of the service: enabled, and rollback. */
bool service_breaker(const json_t *doc, bool *rollback);

#endif
