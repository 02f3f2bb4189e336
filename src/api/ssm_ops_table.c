/* ssm_ops_table.c - the Parameter Store operations served, one row each
 * (sorted by name, for binary search). Every other SSM operation answers
 * UnknownOperationException. */
#include <stdlib.h>
#include <string.h>

#include "api/secrets_api.h"

static const sec_op_t ops[] = {
    {"DeleteParameter", ssm_op_delete_parameter},
    {"DeleteParameters", ssm_op_delete_parameters},
    {"DescribeParameters", ssm_op_describe_parameters},
    {"GetParameter", ssm_op_get_parameter},
    {"GetParameters", ssm_op_get_parameters},
    {"GetParametersByPath", ssm_op_get_parameters_by_path},
    {"PutParameter", ssm_op_put_parameter},
};

static int cmp(const void *k, const void *row)
{
    return strcmp(k, ((const sec_op_t *)row)->name);
}

const sec_op_t *ssm_op_find(const char *name)
{
    return bsearch(name, ops, sizeof ops / sizeof ops[0], sizeof ops[0], cmp);
}

const sec_op_t *ssm_ops(size_t *n)
{
    *n = sizeof ops / sizeof ops[0];
    return ops;
}
