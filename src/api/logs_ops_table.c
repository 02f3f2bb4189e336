/* logs_ops_table.c - the CloudWatch Logs operations served, one row each
 * (sorted by name, for binary search). Every other Logs operation answers
 * UnknownOperationException. */
#include <string.h>

#include "api/logs_api.h"

static const logs_op_t ops[] = {
    {"CreateLogGroup", logs_op_create_log_group},
    {"CreateLogStream", logs_op_create_log_stream},
    {"DeleteLogGroup", logs_op_delete_log_group},
    {"DeleteLogStream", logs_op_delete_log_stream},
    {"DeleteRetentionPolicy", logs_op_delete_retention_policy},
    {"DescribeLogGroups", logs_op_describe_log_groups},
    {"DescribeLogStreams", logs_op_describe_log_streams},
    {"FilterLogEvents", logs_op_filter_log_events},
    {"GetLogEvents", logs_op_get_log_events},
    {"ListTagsForResource", logs_op_list_tags_for_resource},
    {"ListTagsLogGroup", logs_op_list_tags_log_group},
    {"PutLogEvents", logs_op_put_log_events},
    {"PutRetentionPolicy", logs_op_put_retention_policy},
    {"TagLogGroup", logs_op_tag_log_group},
    {"TagResource", logs_op_tag_resource},
    {"UntagLogGroup", logs_op_untag_log_group},
    {"UntagResource", logs_op_untag_resource},
};

const logs_op_t *logs_op_find(const char *name, size_t len)
{
    size_t lo = 0, hi = sizeof ops / sizeof ops[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strncmp(ops[mid].name, name, len);
        if (c == 0 && ops[mid].name[len] != '\0')
            c = 1;
        if (c == 0)
            return &ops[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const logs_op_t *logs_ops(size_t *n)
{
    *n = sizeof ops / sizeof ops[0];
    return ops;
}
