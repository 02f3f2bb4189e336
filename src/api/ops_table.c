/* ops_table.c - every operation ecsd serves, in one screen (Redis's
 * command table). A row without a handler is answered with a clear
 * UnsupportedFeatureException naming the issue that brings it. */
#include <string.h>

#include "api/api.h"
#include "api/ops.h"

#define TODO(issue) NULL, 0, issue

static const api_op_t ops[] = {
    /* name                         handler                          flags          */
    {"CreateCluster",               op_create_cluster,               API_OP_WRITE, NULL},
    {"DeleteCluster",               op_delete_cluster,               API_OP_WRITE, NULL},
    {"DescribeClusters",            op_describe_clusters,            0, NULL},
    {"ListClusters",                op_list_clusters,                0, NULL},
    {"RegisterTaskDefinition",      op_register_task_definition,     API_OP_WRITE, NULL},
    {"DeregisterTaskDefinition",    op_deregister_task_definition,   API_OP_WRITE, NULL},
    {"DescribeTaskDefinition",      op_describe_task_definition,     0, NULL},
    {"ListTaskDefinitions",         op_list_task_definitions,        0, NULL},
    {"ListTaskDefinitionFamilies",  op_list_task_definition_families, 0, NULL},
    {"RegisterContainerInstance",   op_register_container_instance,  API_OP_WRITE | API_OP_AGENT, NULL},
    {"DeregisterContainerInstance", op_deregister_container_instance, API_OP_WRITE, NULL},
    {"DescribeContainerInstances",  op_describe_container_instances, 0, NULL},
    {"ListContainerInstances",      op_list_container_instances,     0, NULL},
    {"RunTask",                     op_run_task,                     API_OP_WRITE, NULL},
    {"StartTask",                   op_start_task,                   API_OP_WRITE, NULL},
    {"StopTask",                    op_stop_task,                    API_OP_WRITE, NULL},
    {"DescribeTasks",               op_describe_tasks,               0, NULL},
    {"ListTasks",                   op_list_tasks,                   0, NULL},
    {"CreateService",               op_create_service,               API_OP_WRITE, NULL},
    {"UpdateService",               op_update_service,               API_OP_WRITE, NULL},
    {"DeleteService",               op_delete_service,               API_OP_WRITE, NULL},
    {"DescribeServices",            op_describe_services,            0, NULL},
    {"ListServices",                op_list_services,                0, NULL},
    {"DiscoverPollEndpoint",        op_discover_poll_endpoint,       API_OP_AGENT, NULL},
    {"SubmitContainerStateChange",  op_submit_container_state_change, API_OP_WRITE | API_OP_AGENT, NULL},
    {"SubmitTaskStateChange",       op_submit_task_state_change,     API_OP_WRITE | API_OP_AGENT, NULL},
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
