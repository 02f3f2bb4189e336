/* tags.h - ECS's resource tags: the rules a tag list must keep, merging
 * (TagResource) and removing (UntagResource), the tags a new task gets
 * (its own, propagated from its task definition or service, and ECS's
 * managed ones), and how tags are kept and shown.
 *
 * The convention, for every taggable resource (cluster, task definition
 * revision, container instance, task, service; capacity providers and task
 * sets when they come): its stored document keeps its tags in the member
 * "tags", a list of {"key","value"} in the order they were first given, and
 * no member at all when it has none. Answers show them only where ECS
 * does (Describe* with include=["TAGS"], the create operations,
 * ListTagsForResource); elsewhere a view hides them (tags_hide). Task
 * definitions are the exception in the wire shape: their tags travel
 * beside "taskDefinition", never inside it (tags_taskdef_answer).
 *
 * The rules (ECS's Tag shape and developer guide): at most 50 tags per
 * resource, not counting the reserved ones; keys 1..128 and values 0..256
 * Unicode characters of letters, numbers, spaces and _ . : / = + - @;
 * keys and values beginning with "aws:" in any case are reserved for AWS:
 * a client can neither add, change nor remove them.
 */
#ifndef ECSD_MODEL_TAGS_H
#define ECSD_MODEL_TAGS_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

#define TAGS_MAX 50
#define TAG_KEY_MAX 128
#define TAG_VALUE_MAX 256

/* ECS's managed tags (enableECSManagedTags). */
#define TAG_MANAGED_CLUSTER "aws:ecs:clusterName"
#define TAG_MANAGED_SERVICE "aws:ecs:serviceName"

/* True when s begins with "aws:" in any case. */
bool tags_reserved(const char *s);

/* Checks a client's list of tags (the request member `field`, e.g.
 * "tags"): each a {key, value} keeping the rules, no key twice, at most
 * TAGS_MAX. InvalidParameterException naming the member otherwise. */
int tags_check(const json_t *tags, const char *field, ecs_error_t *err);
/* Checks UntagResource's tagKeys: strings, not reserved. */
int tags_check_keys(const json_t *keys, const char *field, ecs_error_t *err);

/* existing with add merged in: a key of add overwrites the value of the
 * same key in place, new keys come after. Refused (InvalidParameterException)
 * when the result would have more than TAGS_MAX unreserved tags. *out is a
 * new list; existing may be NULL. add must have passed tags_check. */
int tags_merge(const json_t *existing, const json_t *add, json_t **out, ecs_error_t *err);
/* existing less the tags whose key is in keys (keys not there are ignored). */
json_t *tags_remove(const json_t *existing, const json_t *keys);

/* The stored tags of a document, or NULL when it has none. */
const json_t *tags_get(const json_t *doc);
/* Sets the document's tags (steals tags); an empty or NULL list removes
 * the member. */
void tags_put(json_t *doc, json_t *tags);
/* A create operation's own tags: checks the request's "tags" and keeps
 * them in doc. empty_ok false: a present but empty list is refused as
 * RegisterTaskDefinition does ("Tags can not be empty."). */
int tags_take(const json_t *in, json_t *doc, bool empty_ok, ecs_error_t *err);

/* True when the request's "include" list has "TAGS". */
bool tags_included(const json_t *in);

/* How a view without its tags reads: ECS answers tasks, clusters and task
 * definitions with "tags": [], services and container instances without
 * the member. */
typedef enum tags_hidden { TAGS_HIDDEN_ABSENT, TAGS_HIDDEN_EMPTY } tags_hidden_t;
void tags_hide(json_t *view, tags_hidden_t how);
/* Puts doc's tags into view; when doc has none, as tags_hide(view, how). */
void tags_show(json_t *view, const json_t *doc, tags_hidden_t how);
/* tags_show(view, doc, how) when show, tags_hide(view, how) otherwise. */
void tags_view(json_t *view, const json_t *doc, bool show, tags_hidden_t how);

/* A task definition document as the TaskDefinition shape (no tags): a new
 * shallow copy. */
json_t *tags_taskdef_view(const json_t *doc);
/* {"taskDefinition": the view, "tags": its tags ([] when none or when
 * with_tags is false)}: RegisterTaskDefinition's and DescribeTaskDefinition's
 * answer. */
json_t *tags_taskdef_answer(const json_t *doc, bool with_tags);

/* The tags a RunTask/StartTask task gets: the request's "tags", after the
 * tags of its task definition when propagateTags is TASK_DEFINITION (the
 * request's win on a shared key), and aws:ecs:clusterName when
 * enableECSManagedTags. run_task: propagateTags SERVICE is refused, as
 * ECS does for RunTask (StartTask has no service to copy from: nothing is
 * copied). *out is a new list, possibly empty. */
int tags_for_run(const json_t *in, bool run_task, const json_t *taskdef, const char *cluster, json_t **out,
                 ecs_error_t *err);
/* The tags of a task the scheduler starts for a service (its document
 * holds propagateTags and enableECSManagedTags): the service's or the task
 * definition's tags, and aws:ecs:clusterName/aws:ecs:serviceName when
 * managed tags are on. A new list, possibly empty. */
json_t *tags_for_service_task(const json_t *service, const json_t *taskdef, const char *cluster,
                              const char *service_name);
/* CreateService (create true) and UpdateService: the service's tags (on
 * create), "propagateTags" (default NONE) and "enableECSManagedTags"
 * (default false), checked and kept in the service document. */
int tags_service_take(const json_t *in, json_t *doc, bool create, ecs_error_t *err);

#endif
