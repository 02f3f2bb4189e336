/* secrets_ops_table.c - the Secrets Manager operations served, one row
 * each (sorted by name, for binary search). Every other Secrets Manager
 * operation answers UnknownOperationException. */
#include <stdlib.h>
#include <string.h>

#include "api/secrets_api.h"

static const sec_op_t ops[] = {
    {"CreateSecret", secrets_op_create_secret},     {"DeleteSecret", secrets_op_delete_secret},
    {"DescribeSecret", secrets_op_describe_secret}, {"GetSecretValue", secrets_op_get_secret_value},
    {"ListSecrets", secrets_op_list_secrets},       {"PutSecretValue", secrets_op_put_secret_value},
    {"RestoreSecret", secrets_op_restore_secret},   {"UpdateSecret", secrets_op_update_secret},
};

static int cmp(const void *k, const void *row)
{
    return strcmp(k, ((const sec_op_t *)row)->name);
}

const sec_op_t *secrets_op_find(const char *name)
{
    return bsearch(name, ops, sizeof ops / sizeof ops[0], sizeof ops[0], cmp);
}

const sec_op_t *secrets_ops(size_t *n)
{
    *n = sizeof ops / sizeof ops[0];
    return ops;
}
