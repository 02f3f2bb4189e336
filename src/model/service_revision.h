/* service_revision.h - service revisions of today's API
 * (DescribeServiceRevisions): what a deployment of a service runs (its task
 * definition, launch type, network configuration, load balancers, service
 * registries, Service Connect and volume configurations), fixed when the
 * deployment starts. ARN service-revision/CLUSTER/SERVICE/NUMBER, NUMBER
 * the deployment's ecs-svc number, as DescribeServices'
 * currentServiceRevisions and the service deployments name them.
 *
 * Kept in the service document, newest first, at most
 * SERVICE_DEPLOYMENTS_KEPT: "_ecsd": {"revisions": [ServiceRevision without
 * containerImages]}; containerImages are read from the task definition
 * when shown. */
#ifndef ECSD_MODEL_SERVICE_REVISION_H
#define ECSD_MODEL_SERVICE_REVISION_H

#include <stdbool.h>
#include <stddef.h>

#include "model/context.h"

/* dep (a Deployment of doc) got the revision arn: recorded. */
void service_revision_record(const model_ctx_t *ctx, json_t *doc, const json_t *dep, const json_t *arn);

/* The recorded revision with this ARN (borrowed), NULL when none. */
const json_t *service_revision_find(const json_t *doc, const char *arn);

/* The ServiceRevision shape of a recorded revision (containerImages from
 * its task definition). NULL on error. */
json_t *service_revision_view(const model_ctx_t *ctx, const json_t *rev, ecs_error_t *err);

/* Splits an ARN of type (service-revision, service-deployment) of the
 * caller's region and account, TYPE/CLUSTER/SERVICE/ID, into cluster and
 * service; false when it is not one. */
bool service_sub_arn_parse(const model_ctx_t *ctx, const char *arn, const char *type, char *cluster, char *service,
                           size_t cap);

#endif
