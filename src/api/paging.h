/* paging.h - maxResults and opaque nextToken for the List* operations.
 * Pages are keyset pages: a token holds the sort columns of the last row
 * returned, so it keeps working while rows are added or removed. */
#ifndef ECSD_API_PAGING_H
#define ECSD_API_PAGING_H

#include <stdbool.h>

#include "api/api.h"

typedef struct api_page {
    int max_results;       /* 1..100 */
    bool has_after;
    store_cursor_t after;  /* owned; cleared by api_page_clear */
} api_page_t;

/* Reads maxResults (1..100, default def_max) and nextToken from in. */
int api_page_read(const json_t *in, int def_max, api_page_t *page, ecs_error_t *err);
void api_page_clear(api_page_t *page);

/* Runs q (order and filters set by the caller) for one page and returns the
 * rows; *next_token (malloc'd) is set when more rows follow, else NULL. */
int api_page_query(store_txn_t *txn, store_query_t *q, const api_page_t *page, store_record_t **rows,
                   size_t *n, char **next_token, ecs_error_t *err);

/* A whole List* answer: reads maxResults/nextToken from in, runs q (keys
 * only) for one page and answers {member: [...], "nextToken"?}, each item
 * the ARN of type arn_type made from a row's key, or the key itself when
 * arn_type is NULL. When q names a cluster, the keys are ids of that
 * cluster's tasks or instances, and their ARNs have the format the id
 * tells (api_id_arn). */
int api_page_list(model_ctx_t *ctx, const json_t *in, store_query_t *q, const char *member, const char *arn_type,
                  json_t **out, ecs_error_t *err);

/* The same for a filter the store cannot apply: rows (read with their
 * documents, in batches) are listed when keep(row, arg) says so, until a
 * page is full; the token resumes after the last row listed. */
int api_page_list_where(model_ctx_t *ctx, const json_t *in, store_query_t *q, const char *member,
                        const char *arn_type, bool (*keep)(const store_record_t *row, const void *arg),
                        const void *arg, json_t **out, ecs_error_t *err);

/* The same, each item the member doc_member of the row's document (e.g.
 * a service's serviceArn, whose form the key does not tell). */
int api_page_list_where_doc(model_ctx_t *ctx, const json_t *in, store_query_t *q, const char *member,
                            const char *doc_member, bool (*keep)(const store_record_t *row, const void *arg),
                            const void *arg, json_t **out, ecs_error_t *err);

/* Token encoding, exposed for tests. */
char *api_page_token_encode(const store_cursor_t *c);
int api_page_token_decode(const char *token, store_cursor_t *c);

#endif
