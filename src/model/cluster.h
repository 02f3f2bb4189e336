/* cluster.h - the members of today's Cluster: settings (containerInsights),
 * configuration (executeCommandConfiguration, managedStorageConfiguration),
 * capacityProviders and defaultCapacityProviderStrategy,
 * serviceConnectDefaults; how each is checked, kept and shown.
 *
 * Record (STORE_CLUSTER): key = cluster name, cluster = name, status ACTIVE
 * | INACTIVE, num = when it was created. Document: clusterArn, clusterName,
 * status, settings, capacityProviders, defaultCapacityProviderStrategy,
 * configuration (when set), serviceConnectDefaults (when set), tags (when
 * any, model/tags.h), and "_ecsd": {"namespaceName": the name a default
 * Service Connect namespace was given by, when it was given by name}.
 * Records of an older ecsd hold the first three only; the views fill the
 * rest with ECS's defaults.
 *
 * The counters (registeredContainerInstancesCount, ...) and statistics are
 * counted when a cluster is shown, so they cannot drift.
 */
#ifndef ECSD_MODEL_CLUSTER_H
#define ECSD_MODEL_CLUSTER_H

#include <stdbool.h>

#include "model/context.h"

/* What a view shows beyond the members every answer has: DescribeClusters'
 * include (ATTACHMENTS, CONFIGURATIONS, SETTINGS, STATISTICS, TAGS). */
typedef struct cluster_show {
    bool attachments, configurations, settings, statistics, tags;
} cluster_show_t;

/* DescribeClusters' include, read. */
cluster_show_t cluster_show_from_include(const json_t *in);
/* What the answers of CreateCluster (tags true), UpdateCluster,
 * UpdateClusterSettings, PutClusterCapacityProviders and DeleteCluster show. */
cluster_show_t cluster_show_written(bool tags);

/* The Cluster shape of a record. NULL on error. */
json_t *cluster_view(const model_ctx_t *ctx, const store_record_t *rec, const cluster_show_t *show,
                     ecs_error_t *err);

/* The members a request sets on a cluster, checked; each NULL when the
 * request does not set it. */
typedef struct cluster_spec {
    json_t *settings;      /* the whole list, [{"name":"containerInsights","value":...}] */
    json_t *configuration; /* ClusterConfiguration, merged over the current one */
    json_t *providers;     /* capacityProviders */
    json_t *strategy;      /* defaultCapacityProviderStrategy, weight and base filled */
    json_t *connect;       /* serviceConnectDefaults; JSON null: remove it */
    json_t *namespace_name;/* the namespace's name when given by name, else JSON null */
} cluster_spec_t;

void cluster_spec_clear(cluster_spec_t *s);

/* Reads the members of `in` that set cluster members (settings,
 * configuration, capacityProviders, defaultCapacityProviderStrategy,
 * serviceConnectDefaults) over the current document `doc` (NULL for a new
 * cluster). InvalidParameterException / NamespaceNotFoundException as ECS
 * gives them. */
int cluster_spec_read(const model_ctx_t *ctx, const json_t *in, const json_t *doc, cluster_spec_t *spec,
                      ecs_error_t *err);

/* Writes what spec sets into doc (takes nothing from spec). */
void cluster_spec_apply(const cluster_spec_t *spec, json_t *doc);

/* A new cluster's document, with ECS's defaults: settings from the
 * caller's effective containerInsights account setting, no capacity
 * providers. NULL on a store error. */
json_t *cluster_doc_new(const model_ctx_t *ctx, const char *name, ecs_error_t *err);

/* A capacity provider strategy (the request member named field) over the
 * cluster's providers: each item names one of them once, weight 0..1000,
 * base 0..100000 on one item at most, at most 20 items. *out gets the
 * items with weight and base filled. InvalidParameterException as ECS. */
int cluster_strategy_read(const json_t *list, const json_t *providers, const char *field, json_t **out,
                          ecs_error_t *err);

/* True when a CreateCluster of an ACTIVE cluster asks for capacity
 * providers or a default strategy other than it has (ECS: "Arguments on
 * this idempotent request are inconsistent..."). */
bool cluster_spec_conflicts(const cluster_spec_t *spec, const json_t *doc);

#endif
