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
    {"RegisterContainerInstance",   TODO("container instances: issue 3")},
    {"DeregisterContainerInstance", TODO("container instances: issue 3")},
    {"DescribeContainerInstances",  TODO("container instances: issue 3")},
    {"ListContainerInstances",      TODO("container instances: issue 3")},
    {"RunTask",                     TODO("tasks and placement: issue 3")},
    {"StartTask",                   TODO("tasks and placement: issue 3")},
    {"StopTask",                    TODO("tasks and placement: issue 3")},
    {"DescribeTasks",               TODO("tasks and placement: issue 3")},
    {"ListTasks",                   TODO("tasks and placement: issue 3")},
    {"CreateService",               TODO("services: issue 5")},
    {"UpdateService",               TODO("services: issue 5")},
    {"DeleteService",               TODO("services: issue 5")},
    {"DescribeServices",            TODO("services: issue 5")},
    {"ListServices",                TODO("services: issue 5")},
    {"DiscoverPollEndpoint",        TODO("agent protocol: issue 3")},
    {"SubmitContainerStateChange",  TODO("agent protocol: issue 3")},
    {"SubmitTaskStateChange",       TODO("agent protocol: issue 3")},
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
