/* ops_table.c - every operation ecsd serves, in one screen (Redis's
 * command table): the 26 operations of the 2015 ECS API. */
#include <string.h>

#include "api/api.h"
#include "api/ops.h"

static const api_op_t ops[] = {
    /* name                         handler                          flags          */
    {"CreateCluster",               op_create_cluster,               API_OP_WRITE},
    {"DeleteCluster",               op_delete_cluster,               API_OP_WRITE},
    {"DescribeClusters",            op_describe_clusters,            0},
    {"ListClusters",                op_list_clusters,                0},
    {"RegisterTaskDefinition",      op_register_task_definition,     API_OP_WRITE},
    {"DeregisterTaskDefinition",    op_deregister_task_definition,   API_OP_WRITE},
    {"DescribeTaskDefinition",      op_describe_task_definition,     0},
    {"ListTaskDefinitions",         op_list_task_definitions,        0},
    {"ListTaskDefinitionFamilies",  op_list_task_definition_families, 0},
    {"DeleteTaskDefinitions",       op_delete_task_definitions,      API_OP_WRITE},
    {"RegisterContainerInstance",   op_register_container_instance,  API_OP_WRITE | API_OP_AGENT},
    {"DeregisterContainerInstance", op_deregister_container_instance, API_OP_WRITE},
    {"DescribeContainerInstances",  op_describe_container_instances, 0},
    {"ListContainerInstances",      op_list_container_instances,     0},
    {"RunTask",                     op_run_task,                     API_OP_WRITE},
    {"StartTask",                   op_start_task,                   API_OP_WRITE},
    {"StopTask",                    op_stop_task,                    API_OP_WRITE},
    {"DescribeTasks",               op_describe_tasks,               0},
    {"ListTasks",                   op_list_tasks,                   0},
    {"CreateService",               op_create_service,               API_OP_WRITE},
    {"UpdateService",               op_update_service,               API_OP_WRITE},
    {"DeleteService",               op_delete_service,               API_OP_WRITE},
    {"DescribeServices",            op_describe_services,            0},
    {"ListServices",                op_list_services,                0},
    {"DiscoverPollEndpoint",        op_discover_poll_endpoint,       API_OP_AGENT},
    {"SubmitContainerStateChange",  op_submit_container_state_change, API_OP_WRITE | API_OP_AGENT},
    {"SubmitTaskStateChange",       op_submit_task_state_change,     API_OP_WRITE | API_OP_AGENT},
    {"SubmitAttachmentStateChanges", op_submit_attachment_state_changes, API_OP_WRITE | API_OP_AGENT},
    {"PutAccountSetting",           op_put_account_setting,          API_OP_WRITE},
    {"PutAccountSettingDefault",    op_put_account_setting_default,  API_OP_WRITE},
    {"DeleteAccountSetting",        op_delete_account_setting,       API_OP_WRITE},
    {"ListAccountSettings",         op_list_account_settings,        0},
    {"TagResource",                 op_tag_resource,                 API_OP_WRITE},
    {"UntagResource",               op_untag_resource,               API_OP_WRITE},
    {"ListTagsForResource",         op_list_tags_for_resource,       0},
    {"UpdateCluster",               op_update_cluster,               API_OP_WRITE},
    {"UpdateClusterSettings",       op_update_cluster_settings,      API_OP_WRITE},
    {"PutClusterCapacityProviders", op_put_cluster_capacity_providers, API_OP_WRITE},
    {"ListServiceDeployments",      op_list_service_deployments,     0},
    {"DescribeServiceDeployments",  op_describe_service_deployments, 0},
    {"DescribeServiceRevisions",    op_describe_service_revisions,   0},
    {"StopServiceDeployment",       op_stop_service_deployment,      API_OP_WRITE},
    {"ListServicesByNamespace",     op_list_services_by_namespace,   0},
    {"CreateTaskSet",               op_create_task_set,              API_OP_WRITE},
    {"UpdateTaskSet",               op_update_task_set,              API_OP_WRITE},
    {"DeleteTaskSet",               op_delete_task_set,              API_OP_WRITE},
    {"DescribeTaskSets",            op_describe_task_sets,           0},
    {"UpdateServicePrimaryTaskSet", op_update_service_primary_task_set, API_OP_WRITE},
    {"PutAttributes",               op_put_attributes,               API_OP_WRITE},
    {"DeleteAttributes",            op_delete_attributes,            API_OP_WRITE},
    {"ListAttributes",              op_list_attributes,              0},
    {"UpdateContainerInstancesState", op_update_container_instances_state, API_OP_WRITE},
    {"CreateCapacityProvider",      op_create_capacity_provider,     API_OP_WRITE},
    {"DescribeCapacityProviders",   op_describe_capacity_providers,  0},
    {"UpdateCapacityProvider",      op_update_capacity_provider,     API_OP_WRITE},
    {"DeleteCapacityProvider",      op_delete_capacity_provider,     API_OP_WRITE},
    {"GetTaskProtection",           op_get_task_protection,          0},
    {"UpdateTaskProtection",        op_update_task_protection,       API_OP_WRITE},
    {"UpdateContainerAgent",        op_update_container_agent,       0},
};

const api_op_t *api_op_find(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strlen(ops[i].name) == len && memcmp(ops[i].name, name, len) == 0)
            return &ops[i];
    return NULL;
}

const api_op_t *api_ops(size_t *n)
{
    *n = sizeof ops / sizeof ops[0];
    return ops;
}
