/* cluster.c - today's Cluster members: checks, defaults and the view
 * (model/cluster.h).
 *
 * What ecsd does with them: settings and configuration are kept and shown
 * (Container Insights metrics and ECS Exec are not served here, so they
 * change nothing on the host); capacityProviders may name only the
 * providers that exist: AWS's FARGATE and FARGATE_SPOT and the account's
 * ACTIVE ones (model/capacity_provider.h); a default Service Connect namespace given
 * by name is shown as the ARN of a Cloud Map namespace of that name (ECS
 * creates one; ecsd has no Cloud Map, the ARN is derived from the name so
 * the same name always gives the same ARN). */
#include "model/cluster.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "model/capacity_provider.h"
#include "model/params.h"
#include "model/settings.h"
#include "model/tags.h"

#define STRATEGY_MAX 20          /* CapacityProviderStrategy: at most 20 items */
#define WEIGHT_MAX 1000
#define BASE_MAX 100000
#define NAMESPACE_NAME_MAX 1024

/* ---- what a view shows ----------------------------------------------- */

cluster_show_t cluster_show_from_include(const json_t *in)
{
    cluster_show_t s = {0};
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(in, "include"), i, v) {
        const char *f = json_string_value(v);
        if (f == NULL)
            continue;
        s.attachments |= strcmp(f, "ATTACHMENTS") == 0;
        s.configurations |= strcmp(f, "CONFIGURATIONS") == 0;
        s.settings |= strcmp(f, "SETTINGS") == 0;
        s.statistics |= strcmp(f, "STATISTICS") == 0;
        s.tags |= strcmp(f, "TAGS") == 0;
    }
    return s;
}

cluster_show_t cluster_show_written(bool tags)
{
    return (cluster_show_t){.configurations = true, .settings = true, .tags = tags};
}

/* The caller's effective containerInsights account setting (its own, the
 * account's default, else ECS's: disabled): the setting of a cluster
 * created without one. Copied into out (at most 15 characters). */
static int default_insights(const model_ctx_t *ctx, char out[16], ecs_error_t *err)
{
    char root[SETTINGS_PRINCIPAL_MAX + 1];
    const setting_def_t *d = settings_find("containerInsights");
    cleanup_json json_t *eff = NULL;
    snprintf(out, 16, "%s", d ? d->def : "disabled");
    if (d == NULL)
        return 0;
    settings_root(ctx, root);
    if (settings_effective(ctx, root, d, &eff, err) < 0)
        return -1;
    const char *v = json_string_value(json_object_get(eff, "value"));
    if (v != NULL)
        snprintf(out, 16, "%s", v);
    return 0;
}

/* The cluster's settings; for a record of an older ecsd, which has none,
 * the default. NULL on error. */
static json_t *settings_of(const model_ctx_t *ctx, const json_t *doc, ecs_error_t *err)
{
    const json_t *s = json_object_get(doc, "settings");
    if (json_is_array(s))
        return json_deep_copy(s);
    char value[16];
    if (default_insights(ctx, value, err) < 0)
        return NULL;
    return json_pack("[{s:s, s:s}]", "name", "containerInsights", "value", value);
}

static int count_where(const model_ctx_t *ctx, store_kind_t kind, const char *cluster, const char *status,
                       const char *status_not, int64_t *n, ecs_error_t *err)
{
    store_query_t q = {.kind = kind, .account = ctx->scope, .cluster = cluster, .status = status,
                       .status_not = status_not};
    return store_count(ctx->txn, &q, n, err);
}

static void stat(json_t *list, const char *name, int64_t n)
{
    char v[24];
    snprintf(v, sizeof v, "%lld", (long long)n);
    json_array_append_new(list, json_pack("{s:s, s:s}", "name", name, "value", v));
}

/* STATISTICS: counts by launch type. Every ecsd task runs on a container
 * instance, so all count as EC2; Fargate's are 0. */
static json_t *statistics(const model_ctx_t *ctx, const store_record_t *rec, int64_t running, int64_t pending,
                          int64_t active, ecs_error_t *err)
{
    int64_t draining = 0;
    if (count_where(ctx, STORE_SERVICE, rec->key, "DRAINING", NULL, &draining, err) < 0)
        return NULL;
    json_t *s = json_array();
    stat(s, "runningEC2TasksCount", running);
    stat(s, "runningFargateTasksCount", 0);
    stat(s, "pendingEC2TasksCount", pending);
    stat(s, "pendingFargateTasksCount", 0);
    stat(s, "activeEC2ServiceCount", active);
    stat(s, "activeFargateServiceCount", 0);
    stat(s, "drainingEC2ServiceCount", draining);
    stat(s, "drainingFargateServiceCount", 0);
    return s;
}

json_t *cluster_view(const model_ctx_t *ctx, const store_record_t *rec, const cluster_show_t *show,
                     ecs_error_t *err)
{
    int64_t instances = 0, running = 0, pending = 0, services = 0;
    if (strcmp(rec->status, "ACTIVE") == 0 &&
        (count_where(ctx, STORE_INSTANCE, rec->key, NULL, "INACTIVE", &instances, err) < 0 ||
         count_where(ctx, STORE_TASK, rec->key, "RUNNING", NULL, &running, err) < 0 ||
         count_where(ctx, STORE_TASK, rec->key, "PENDING", NULL, &pending, err) < 0 ||
         count_where(ctx, STORE_SERVICE, rec->key, "ACTIVE", NULL, &services, err) < 0))
        return NULL;
    json_t *stats = show->statistics ? statistics(ctx, rec, running, pending, services, err) : json_array();
    json_t *settings = stats && show->settings ? settings_of(ctx, rec->doc, err) : json_array();
    if (stats == NULL || settings == NULL) {
        json_decref(stats);
        json_decref(settings);
        return NULL;
    }
    const json_t *doc = rec->doc;
    json_t *v = json_pack("{s:O, s:O, s:O, s:I, s:I, s:I, s:I, s:o}", "clusterArn", json_object_get(doc, "clusterArn"),
                          "clusterName", json_object_get(doc, "clusterName"), "status",
                          json_object_get(doc, "status"), "registeredContainerInstancesCount", (json_int_t)instances,
                          "runningTasksCount", (json_int_t)running, "pendingTasksCount", (json_int_t)pending,
                          "activeServicesCount", (json_int_t)services, "statistics", stats);
    tags_view(v, doc, show->tags, TAGS_HIDDEN_EMPTY);
    json_object_set_new(v, "settings", settings);
    const json_t *cps = json_object_get(doc, "capacityProviders");
    const json_t *strategy = json_object_get(doc, "defaultCapacityProviderStrategy");
    json_object_set_new(v, "capacityProviders", json_is_array(cps) ? json_deep_copy(cps) : json_array());
    json_object_set_new(v, "defaultCapacityProviderStrategy",
                        json_is_array(strategy) ? json_deep_copy(strategy) : json_array());
    const json_t *cfg = json_object_get(doc, "configuration");
    if (show->configurations && json_is_object(cfg))
        json_object_set_new(v, "configuration", json_deep_copy(cfg));
    if (show->attachments) /* no capacity provider of ecsd has resources attached */
        json_object_set_new(v, "attachments", json_array());
    const json_t *sc = json_object_get(doc, "serviceConnectDefaults");
    if (json_is_object(sc))
        json_object_set_new(v, "serviceConnectDefaults", json_deep_copy(sc));
    return v;
}

json_t *cluster_doc_new(const model_ctx_t *ctx, const char *name, ecs_error_t *err)
{
    json_t *settings = settings_of(ctx, NULL, err);
    if (settings == NULL)
        return NULL;
    cleanup_free char *arn = api_arn(ctx, "cluster", name);
    return json_pack("{s:s, s:s, s:s, s:o, s:[], s:[]}", "clusterArn", arn, "clusterName", name, "status",
                     "ACTIVE", "settings", settings, "capacityProviders", "defaultCapacityProviderStrategy");
}

/* ---- checks -------------------------------------------------------------- */

void cluster_spec_clear(cluster_spec_t *s)
{
    json_decref(s->settings);
    json_decref(s->configuration);
    json_decref(s->providers);
    json_decref(s->strategy);
    json_decref(s->connect);
    json_decref(s->namespace_name);
    *s = (cluster_spec_t){0};
}

/* settings: containerInsights enabled | disabled | enhanced, over the
 * current value (the last entry wins). */
static int read_settings(const model_ctx_t *ctx, const json_t *list, const json_t *doc, json_t **out,
                         ecs_error_t *err)
{
    cleanup_json json_t *current = settings_of(ctx, doc, err);
    if (current == NULL)
        return -1;
    const char *value = json_string_value(json_object_get(json_array_get(current, 0), "value"));
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s) {
        const char *name = json_string_value(json_object_get(s, "name"));
        const char *v = json_string_value(json_object_get(s, "value"));
        if (name == NULL || strcmp(name, "containerInsights") != 0)
            return ecs_invalid_param(err, "Invalid setting 'name': settings[%zu] must be named containerInsights.", i);
        if (v == NULL || (strcmp(v, "enabled") != 0 && strcmp(v, "disabled") != 0 && strcmp(v, "enhanced") != 0))
            return ecs_invalid_param(err, "Invalid setting 'value': settings[%zu] containerInsights takes enabled, "
                                          "disabled or enhanced, not '%.64s'.", i, v ? v : "");
        value = v;
    }
    *out = json_pack("[{s:s, s:s}]", "name", "containerInsights", "value", value ? value : "disabled");
    return 0;
}

/* configuration: each of its two members replaces the current one. */
static int read_configuration(const json_t *cfg, const json_t *doc, json_t **out, ecs_error_t *err)
{
    const json_t *exec = json_object_get(cfg, "executeCommandConfiguration");
    if (json_is_object(exec)) {
        const char *logging = json_string_value(json_object_get(exec, "logging"));
        if (logging != NULL && strcmp(logging, "OVERRIDE") == 0 &&
            !json_is_object(json_object_get(exec, "logConfiguration")))
            return ecs_invalid_param(err, "configuration.executeCommandConfiguration.logConfiguration must be "
                                          "specified when logging is OVERRIDE.");
    }
    const json_t *cur = json_object_get(doc, "configuration");
    json_t *merged = json_is_object(cur) ? json_deep_copy(cur) : json_object();
    const char *members[] = {"executeCommandConfiguration", "managedStorageConfiguration"};
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
        const json_t *m = json_object_get(cfg, members[i]);
        if (json_is_object(m))
            json_object_set_new(merged, members[i], json_deep_copy(m));
    }
    *out = merged;
    return 0;
}


static bool list_has(const json_t *list, const char *s, size_t before)
{
    for (size_t i = 0; i < before && i < json_array_size(list); i++) {
        const char *x = json_string_value(json_array_get(list, i));
        if (x != NULL && strcmp(x, s) == 0)
            return true;
    }
    return false;
}

/* Each a provider of the account: AWS's Fargate ones or an ACTIVE one
 * created by CreateCapacityProvider (model/capacity_provider.h). */
static int read_providers(const model_ctx_t *ctx, const json_t *list, json_t **out, ecs_error_t *err)
{
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p) {
        const char *name = json_string_value(p);
        int usable = name != NULL ? cp_usable(ctx, name, err) : 0;
        if (usable < 0)
            return -1;
        if (usable == 0)
            return ecs_invalid_param(err, "The specified capacity provider was not found. Specify a valid capacity "
                                          "provider and try again. (capacityProviders[%zu]: '%.255s')", i,
                                     name ? name : "");
        if (list_has(list, name, i))
            return ecs_invalid_param(err, "capacityProviders[%zu]: the capacity provider %s is given twice.", i, name);
    }
    *out = json_deep_copy(list);
    return 0;
}

int cluster_strategy_read(const json_t *list, const json_t *providers, const char *field, json_t **out,
                          ecs_error_t *err)
{
    if (json_array_size(list) > STRATEGY_MAX)
        return ecs_invalid_param(err, "%s can have at most %d items.", field, STRATEGY_MAX);
    cleanup_json json_t *names = json_array();
    json_t *strategy = json_array();
    size_t i, bases = 0;
    json_t *item;
    json_array_foreach(list, i, item) {
        const char *cp = json_string_value(json_object_get(item, "capacityProvider"));
        json_int_t weight = json_integer_value(json_object_get(item, "weight"));
        json_int_t base = json_integer_value(json_object_get(item, "base"));
        if (cp == NULL || !list_has(providers, cp, json_array_size(providers))) {
            json_decref(strategy);
            return ecs_invalid_param(err, "The specified capacity provider strategy cannot contain a capacity provider "
                                          "that is not associated with the cluster. Associate the capacity provider "
                                          "with the cluster or specify a valid capacity provider and try again.");
        }
        const char *fault = NULL;
        if (list_has(names, cp, json_array_size(names)))
            fault = "a capacity provider can appear only once in a capacity provider strategy.";
        else if (weight < 0 || weight > WEIGHT_MAX)
            fault = "weight must be between 0 and 1000.";
        else if (base < 0 || base > BASE_MAX)
            fault = "base must be between 0 and 100000.";
        else if (base > 0 && bases++ > 0)
            fault = "only one capacity provider in a capacity provider strategy can have a base.";
        if (fault != NULL) {
            json_decref(strategy);
            return ecs_invalid_param(err, "%s[%zu]: %s", field, i, fault);
        }
        json_array_append_new(names, json_string(cp));
        json_array_append_new(strategy, json_pack("{s:s, s:I, s:I}", "capacityProvider", cp, "weight", weight,
                                                  "base", base));
    }
    *out = strategy;
    return 0;
}

/* A Cloud Map namespace id for a name: "ns-" and 16 of [a-z2-7], from
 * the scope and the name. */
static void namespace_id(const model_ctx_t *ctx, const char *name, char out[20])
{
    cleanup_free char *text = NULL;
    if (asprintf(&text, "%s/%s", ctx->scope, name) < 0)
        abort();
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL);
    static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
    memcpy(out, "ns-", 3);
    for (int i = 0; i < 16; i++)
        out[3 + i] = b32[md[i] & 31];
    out[19] = '\0';
}

/* serviceConnectDefaults.namespace: a namespace ARN of this account and
 * region, or a name; "" removes the default. */
static int read_connect(const model_ctx_t *ctx, const json_t *sc, cluster_spec_t *spec, ecs_error_t *err)
{
    const char *ns = json_string_value(json_object_get(sc, "namespace"));
    if (ns == NULL)
        return ecs_invalid_param(err, "serviceConnectDefaults.namespace must be specified.");
    if (ns[0] == '\0') {
        spec->connect = json_null();
        spec->namespace_name = json_null();
        return 0;
    }
    if (strncmp(ns, "arn:", 4) == 0) {
        char prefix[160];
        snprintf(prefix, sizeof prefix, "arn:aws:servicediscovery:%s:%s:namespace/ns-", ctx->region, ctx->account);
        if (strncmp(ns, prefix, strlen(prefix)) != 0 || strlen(ns) == strlen(prefix) || strlen(ns) > 2048)
            return ecs_err(err, 400, "NamespaceNotFoundException", "The specified namespace wasn't found. "
                                                                   "(serviceConnectDefaults.namespace: '%.300s')", ns);
        spec->connect = json_pack("{s:s}", "namespace", ns);
        spec->namespace_name = json_null();
        return 0;
    }
    if (strlen(ns) > NAMESPACE_NAME_MAX || strpbrk(ns, "<>\"/") != NULL)
        return ecs_invalid_param(err, "serviceConnectDefaults.namespace: a namespace name has up to 1024 characters "
                                      "and no >, <, \" or /.");
    char id[20];
    namespace_id(ctx, ns, id);
    cleanup_free char *arn = NULL;
    if (asprintf(&arn, "arn:aws:servicediscovery:%s:%s:namespace/%s", ctx->region, ctx->account, id) < 0)
        abort();
    spec->connect = json_pack("{s:s}", "namespace", arn);
    spec->namespace_name = json_string(ns);
    return 0;
}

int cluster_spec_read(const model_ctx_t *ctx, const json_t *in, const json_t *doc, cluster_spec_t *spec,
                      ecs_error_t *err)
{
    *spec = (cluster_spec_t){0};
    const json_t *settings = json_object_get(in, "settings"), *cfg = json_object_get(in, "configuration");
    const json_t *cps = json_object_get(in, "capacityProviders");
    const json_t *strategy = json_object_get(in, "defaultCapacityProviderStrategy");
    const json_t *sc = json_object_get(in, "serviceConnectDefaults");
    int rc = 0;
    if (json_is_array(settings))
        rc = read_settings(ctx, settings, doc, &spec->settings, err);
    if (rc == 0 && json_is_object(cfg))
        rc = read_configuration(cfg, doc, &spec->configuration, err);
    if (rc == 0 && json_is_array(cps))
        rc = read_providers(ctx, cps, &spec->providers, err);
    if (rc == 0 && json_is_array(strategy)) {
        const json_t *providers = spec->providers ? spec->providers : json_object_get(doc, "capacityProviders");
        rc = cluster_strategy_read(strategy, providers, "defaultCapacityProviderStrategy", &spec->strategy, err);
    }
    if (rc == 0 && json_is_object(sc))
        rc = read_connect(ctx, sc, spec, err);
    if (rc < 0)
        cluster_spec_clear(spec);
    return rc;
}

void cluster_spec_apply(const cluster_spec_t *spec, json_t *doc)
{
    if (spec->settings != NULL)
        json_object_set_new(doc, "settings", json_deep_copy(spec->settings));
    if (spec->configuration != NULL)
        json_object_set_new(doc, "configuration", json_deep_copy(spec->configuration));
    if (spec->providers != NULL)
        json_object_set_new(doc, "capacityProviders", json_deep_copy(spec->providers));
    if (spec->strategy != NULL)
        json_object_set_new(doc, "defaultCapacityProviderStrategy", json_deep_copy(spec->strategy));
    if (spec->connect != NULL) {
        json_t *priv = json_object_get(doc, "_ecsd");
        if (!json_is_object(priv)) {
            priv = json_object();
            json_object_set_new(doc, "_ecsd", priv);
        }
        if (json_is_null(spec->connect)) {
            json_object_del(doc, "serviceConnectDefaults");
            json_object_del(priv, "namespaceName");
        } else {
            json_object_set_new(doc, "serviceConnectDefaults", json_deep_copy(spec->connect));
            json_object_set(priv, "namespaceName", spec->namespace_name);
        }
    }
}

bool cluster_spec_conflicts(const cluster_spec_t *spec, const json_t *doc)
{
    const json_t *cps = json_object_get(doc, "capacityProviders");
    const json_t *strategy = json_object_get(doc, "defaultCapacityProviderStrategy");
    cleanup_json json_t *none = json_array();
    return (spec->providers != NULL && !json_equal(spec->providers, json_is_array(cps) ? cps : none)) ||
           (spec->strategy != NULL && !json_equal(spec->strategy, json_is_array(strategy) ? strategy : none));
}
