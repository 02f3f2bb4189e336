/* ops.h - the operation handlers (one file per resource group). */
#ifndef ECSD_API_OPS_H
#define ECSD_API_OPS_H

#include "api/api.h"

/* op_clusters.c */
int op_create_cluster(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_delete_cluster(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_describe_clusters(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_list_clusters(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

/* op_task_definitions.c */
int op_register_task_definition(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_deregister_task_definition(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_describe_task_definition(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_list_task_definitions(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_list_task_definition_families(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_delete_task_definitions(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

/* op_instances.c */
int op_register_container_instance(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_deregister_container_instance(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_describe_container_instances(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_list_container_instances(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_update_container_instances_state(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

/* op_tasks.c */
int op_run_task(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_start_task(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_stop_task(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

/* op_task_queries.c */
int op_describe_tasks(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_list_tasks(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

/* op_services.c */
int op_create_service(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_update_service(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_delete_service(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_describe_services(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_list_services(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

/* op_agent.c */
int op_discover_poll_endpoint(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_submit_container_state_change(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_submit_task_state_change(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_submit_attachment_state_changes(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

/* op_account_settings.c */
int op_put_account_setting(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_put_account_setting_default(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_delete_account_setting(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_list_account_settings(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

/* op_tags.c */
int op_tag_resource(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_untag_resource(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_list_tags_for_resource(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

/* op_clusters.c (settings, configuration, capacity providers) */
int op_update_cluster(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_update_cluster_settings(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_put_cluster_capacity_providers(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

/* op_service_deployments.c */
int op_list_service_deployments(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_describe_service_deployments(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_describe_service_revisions(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_create_task_set(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_update_task_set(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_delete_task_set(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_describe_task_sets(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_update_service_primary_task_set(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_stop_service_deployment(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_list_services_by_namespace(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
/* ListServices with launchType, schedulingStrategy or
 * resourceManagementType (op_service_revisions.c). */
int service_list_filtered(model_ctx_t *ctx, json_t *in, const char *cluster, json_t **out, ecs_error_t *err);
/* op_attributes.c */
int op_put_attributes(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_delete_attributes(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_list_attributes(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

/* op_capacity_providers.c */
int op_create_capacity_provider(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_describe_capacity_providers(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_update_capacity_provider(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_delete_capacity_provider(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

/* op_task_protection.c */
int op_get_task_protection(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);
int op_update_task_protection(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

/* op_agent_update.c */
int op_update_container_agent(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

#endif
