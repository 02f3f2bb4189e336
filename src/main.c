/* main.c - the ecsd command: parses the command line and wires modules
 * together. All logic lives in the modules under src/. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/agent_opts.h"
#include "api/credentials.h"
#include "api/http.h"
#include "api/poll.h"
#include "common/config.h"
#include "common/log.h"
#include "model/capacity.h"
#include "model/roles.h"
#include "sched/janitor.h"
#include "sched/logs_janitor.h"
#include "sched/scheduler.h"
#include "store/logs_store.h"
#include "store/secrets_store.h"
#include "store/store.h"

#define ECSD_VERSION "0.1.0"
#ifndef ECSD_GIT_HASH
#define ECSD_GIT_HASH "unknown"
#endif

static int parse_log_level(const char *s)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

/* Blocks SIGINT/SIGTERM in every thread (the HTTP workers inherit the
 * mask), so only sigwait() in the main thread sees them. */
static void block_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP); /* re-read the credentials */
    pthread_sigmask(SIG_BLOCK, set, NULL);
}

/* The keys the server accepts: --credentials; for `ecsd dev` a pair made
 * on first start in the data folder (and how to use it, printed); none
 * only with --insecure-no-auth. -1 when the server must not start. */
static int server_credentials(const ecsd_config_t *cfg, bool dev, credentials_t **out)
{
    ecs_error_t err;
    *out = NULL;
    bool insecure = cfg->insecure_no_auth[0] != '\0' && strcmp(cfg->insecure_no_auth, "0") != 0;
    if (cfg->credentials[0] != '\0') {
        if (credentials_load(cfg->credentials, out, &err) < 0) {
            log_error("%s", err.message);
            return -1;
        }
        return 0;
    }
    if (insecure) {
        log_warn("serving WITHOUT authentication (--insecure-no-auth): every request acts for account %s",
                 cfg->account_id);
        return 0;
    }
    if (!dev) {
        log_error("no --credentials FILE: refusing to serve without authentication "
                  "(give --insecure-no-auth to do so anyway)");
        return -1;
    }
    char path[4096], key[129], secret[129];
    snprintf(path, sizeof path, "%s/credentials", cfg->data_dir);
    if (access(path, F_OK) != 0) {
        char new_key[21], new_secret[41];
        if (mkdir(cfg->data_dir, 0700) < 0 && errno != EEXIST) {
            log_error("cannot create %s: %s", cfg->data_dir, strerror(errno));
            return -1;
        }
        if (credentials_create(path, cfg->account_id, new_key, new_secret, &err) < 0) {
            log_error("%s", err.message);
            return -1;
        }
    }
    if (credentials_load(path, out, &err) < 0 || !credentials_first(*out, key, secret)) {
        log_error("%s", *out ? "no key in the dev credentials file" : err.message);
        credentials_free(*out);
        *out = NULL;
        return -1;
    }
    printf("ecsd dev: the API wants signed requests; its key is in %s. Once:\n"
           "  aws configure set aws_access_key_id %s --profile ecsd\n"
           "  aws configure set aws_secret_access_key %s --profile ecsd\n"
           "  aws configure set region %s --profile ecsd\n"
           "then: aws --profile ecsd --endpoint-url http://%s ecs list-clusters\n",
           path, key, secret, cfg->region, cfg->listen);
    fflush(stdout);
    return 0;
}

/* Reads a whole file (PEM). NULL on error, logged. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        log_error("cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    char buf[4096];
    size_t n;
    while (mem != NULL && (n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, mem);
    fclose(f);
    if (mem != NULL)
        fclose(mem);
    return text;
}

/* `ecsd dev`'s agent: pointed at this server (loopback when it listens
 * on every address), signing with the dev key, its data in
 * <data-dir>/agent, creating the cluster when missing. */
typedef struct dev_agent {
    agent_t *agent;
    char dir[4200], endpoint[300], key[129], secret[129];
} dev_agent_t;

static int dev_agent_start(const ecsd_config_t *cfg, int port, bool tls, credentials_t *creds, dev_agent_t *d)
{
    ecs_error_t err;
    agent_opts_t o;
    if (agent_opts_from_config(cfg, &o, &err) < 0) {
        log_error("%s", err.message);
        return -1;
    }
    char host[128];
    const char *colon = strrchr(cfg->listen, ':');
    snprintf(host, sizeof host, "%.*s", colon ? (int)(colon - cfg->listen) : 0, cfg->listen);
    if (host[0] == '\0' || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "[::]") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    snprintf(d->endpoint, sizeof d->endpoint, "%s://%s:%d", tls ? "https" : "http", host, port);
    snprintf(d->dir, sizeof d->dir, "%s/agent", cfg->data_dir);
    o.endpoint = d->endpoint;
    o.data_dir = d->dir;
    o.create_cluster = true;
    o.version = ECSD_VERSION;
    o.hash = ECSD_GIT_HASH;
    if (cfg->access_key[0] == '\0' && creds != NULL && credentials_first(creds, d->key, d->secret)) {
        o.access_key = d->key;
        o.secret_key = d->secret;
    }
    if (agent_start(&o, &d->agent, &err) < 0) {
        log_error("%s", err.message);
        return -1;
    }
    return 0;
}

static int set_log_format(const ecsd_config_t *cfg)
{
    if (strcmp(cfg->log_format, "text") == 0 || strcmp(cfg->log_format, "json") == 0) {
        log_set_format(strcmp(cfg->log_format, "json") == 0 ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT);
        return 0;
    }
    fprintf(stderr, "ecsd: --log-format must be text or json\n");
    return -1;
}

static int run_server(const ecsd_config_t *cfg, const char *what)
{
    int level = parse_log_level(cfg->log_level);
    if (level < 0) {
        fprintf(stderr, "ecsd: --log-level must be debug, info, warn or error\n");
        return 2;
    }
    log_set_level((log_level_t)level);
    if (set_log_format(cfg) < 0)
        return 2;
    sigset_t stop;
    block_stop_signals(&stop);
    ecs_error_t err;
    credentials_t *creds = NULL;
    if (server_credentials(cfg, strcmp(what, "dev") == 0, &creds) < 0)
        return 1;
    http_tls_t tls = {0};
    bool use_tls = cfg->tls_cert[0] != '\0' || cfg->tls_key[0] != '\0';
    if (use_tls && ((tls.cert_pem = read_file(cfg->tls_cert)) == NULL ||
                    (tls.key_pem = read_file(cfg->tls_key)) == NULL)) {
        free((char *)tls.cert_pem);
        credentials_free(creds);
        return 1;
    }
    store_t *store = NULL;
    bool pg = store_is_pg_url(cfg->store);
    if ((pg ? store_open_pg(cfg->store, &store, &err)
            : store_open_sqlite_region(cfg->data_dir, cfg->region, &store, &err)) < 0) {
        log_error("%s", err.message);
        free((char *)tls.cert_pem);
        free((char *)tls.key_pem);
        credentials_free(creds);
        return 1;
    }
    logs_store_t *logs = NULL; /* CloudWatch Logs: its own file, so log traffic never holds the ECS store's lock */
    if (logs_store_open(cfg->data_dir, &logs, &err) < 0) {
        log_error("%s", err.message);
        store_close(store);
        free((char *)tls.cert_pem);
        free((char *)tls.key_pem);
        credentials_free(creds);
        return 1;
    }
    /* Parameter Store and Secrets Manager: their own file and key, in the
     * data folder also under --store postgresql (as the logs store). */
    secrets_store_t *secrets = NULL;
    if (secrets_store_open(cfg->data_dir, &secrets, &err) < 0) {
        log_error("%s", err.message);
        logs_store_close(logs);
        store_close(store);
        free((char *)tls.cert_pem);
        free((char *)tls.key_pem);
        credentials_free(creds);
        return 1;
    }
    char advertise[300];
    if (cfg->advertise_url[0] != '\0')
        snprintf(advertise, sizeof advertise, "%s", cfg->advertise_url);
    else
        snprintf(advertise, sizeof advertise, "http://%s", cfg->listen);
    size_t alen = strlen(advertise);
    while (alen > 0 && advertise[alen - 1] == '/')
        advertise[--alen] = '\0';
    roles_t *roles = NULL; /* task roles' credentials (model/roles.h) */
    bool roles_failed = cfg->roles_file[0] != '\0' && roles_load(cfg->roles_file, &roles, &err) < 0;
    if (roles_failed)
        log_error("%s", err.message);
    poll_hub_t *hub = poll_hub_new();
    cap_index_t *cap = cap_new();
    model_service_t svc = {.store = store, .region = cfg->region, .regions = cfg->regions, .account = cfg->account_id, .creds = creds,
                         .volume_prefixes = cfg->volume_prefixes, .advertise_url = advertise, .agent_timeout_s = atoi(cfg->agent_timeout),
                         .host_lost_after_s = atoi(cfg->host_lost_after), .hub = hub, .wake_polls = poll_hub_wake,
                         .cap = cap, .logs = logs, .roles = roles, .secrets = secrets};
    /* The service scheduler's doorbell is set before any request can ring it. */
    sched_t *sched = hub && cap ? sched_new(&svc, atoi(cfg->scheduler_tick)) : NULL;
    svc.on_change = sched_ring;
    svc.on_change_arg = sched;
    http_server_t *http = NULL;
    int rc = 0;
    if (roles_failed) {
        rc = 1;
        goto out;
    }
    /* Other servers' commits answer this one's polls (PostgreSQL). */
    if (hub != NULL && cap != NULL && store_listen(store, model_remote_change, &svc, &err) < 0) {
        log_error("%s", err.message);
        rc = 1;
        goto out;
    }
    if (hub == NULL || cap == NULL || sched == NULL || sched_start(sched) < 0 ||
        http_start(cfg->listen, atoi(cfg->threads), atoi(cfg->idle_timeout), &svc, use_tls ? &tls : NULL, &http,
                   &err) < 0) {
        log_error("%s", hub && cap && sched ? err.message : "out of memory");
        rc = 1;
        goto out;
    }
    janitor_t *janitor = janitor_start(store, atoi(cfg->task_retention), 60);
    logs_janitor_t *logs_janitor =
        logs_janitor_start(logs, (int64_t)atol(cfg->logs_max_mb) * 1024 * 1024, atoi(cfg->logs_sweep_interval));
    dev_agent_t dev = {0};
    bool dev_failed = strcmp(what, "dev") == 0 && dev_agent_start(cfg, http_port(http), use_tls, creds, &dev) < 0;
    log_info("ecsd %s %s: serving the ECS API on %s://%s (port %d), region %s, %s, data in %s", what,
             ECSD_VERSION, use_tls ? "https" : "http", cfg->listen, http_port(http), cfg->region,
             creds ? "SigV4 authentication" : "NO authentication", pg ? "PostgreSQL" : cfg->data_dir);
    for (rc = dev_failed ? 1 : 0; !dev_failed;) {
        int sig = 0;
        sigwait(&stop, &sig);
        if (sig != SIGHUP) {
            log_info("ecsd %s: signal %d, stopping", what, sig);
            break;
        }
        if (creds != NULL && credentials_reload(creds, &err) < 0)
            log_error("SIGHUP: %s (the keys in force stay)", err.message);
        else if (creds != NULL)
            log_info("SIGHUP: credentials re-read, %zu keys", credentials_count(creds));
        if (roles != NULL && roles_reload(roles, &err) < 0)
            log_error("SIGHUP: %s (the roles in force stay)", err.message);
        else if (roles != NULL)
            log_info("SIGHUP: roles re-read, %zu roles", roles_count(roles));
    }
    agent_stop(dev.agent);
    janitor_stop(janitor);
    logs_janitor_stop(logs_janitor);
    sched_stop(sched); /* its last commits may still wake polls */
    poll_hub_shutdown(hub); /* answers the waiting polls, so the HTTP server can stop */
    http_stop(http);
out:
    store_listen(store, NULL, NULL, &err); /* before the hub and the index it uses go */
    sched_free(sched); /* after the HTTP threads, which ring it */
    poll_hub_free(hub);
    cap_free(cap);
    store_close(store);
    logs_store_close(logs);
    secrets_store_close(secrets);
    credentials_free(creds);
    roles_free(roles);
    free((char *)tls.cert_pem);
    free((char *)tls.key_pem);
    return rc;
}

static int cmd_server(int argc, char **argv, unsigned scope, const char *name)
{
    ecsd_config_t cfg;
    int rc = config_parse(&cfg, scope, name, argc, argv);
    if (rc == 0)
        rc = config_check(&cfg, scope) < 0 ? 2 : run_server(&cfg, name);
    else
        rc = rc > 0 ? 0 : 2;
    config_free(&cfg);
    return rc;
}

static int run_agent(const ecsd_config_t *cfg)
{
    int level = parse_log_level(cfg->log_level);
    if (level < 0) {
        fprintf(stderr, "ecsd: --log-level must be debug, info, warn or error\n");
        return 2;
    }
    log_set_level((log_level_t)level);
    if (set_log_format(cfg) < 0)
        return 2;
    ecs_error_t err;
    agent_opts_t o;
    if (agent_opts_from_config(cfg, &o, &err) < 0) {
        fprintf(stderr, "ecsd agent: %s\n", err.message);
        return 2;
    }
    o.version = ECSD_VERSION;
    o.hash = ECSD_GIT_HASH;
    if (o.access_key[0] == '\0')
        log_warn("no credentials (--access-key/--secret-key, ECSD_* or AWS_* environment): the server will refuse "
                 "the agent unless it runs with --insecure-no-auth");
    sigset_t stop;
    block_stop_signals(&stop);
    agent_t *agent = NULL;
    if (agent_start(&o, &agent, &err) < 0) {
        log_error("%s", err.message);
        return 1;
    }
    for (;;) {
        int sig = 0;
        sigwait(&stop, &sig);
        if (sig != SIGHUP) {
            log_info("ecsd agent: signal %d, stopping (containers keep running)", sig);
            break;
        }
    }
    agent_stop(agent);
    return 0;
}

static int cmd_agent(int argc, char **argv)
{
    ecsd_config_t cfg;
    int rc = config_parse(&cfg, CFG_AGENT, "agent", argc, argv);
    if (rc == 0)
        rc = run_agent(&cfg);
    else
        rc = rc > 0 ? 0 : 2;
    config_free(&cfg);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: ecsd <command> [options]\n\n"
               "commands:\n"
               "  server    the control plane: the ECS API and its durable state\n"
               "  agent     runs on each host: registers it and runs its tasks\n"
               "  dev       server and agent together on this machine\n"
               "  version   print the version\n\n"
               "`ecsd <command> --help` lists a command's options.\n");
}

int main(int argc, char **argv)
{
    /* glibc gives every thread that allocates its own arena, and freed
     * memory stays in them: with the HTTP worker threads (and the agent's
     * task threads) that was ~20 MB of idle heap at 100,000 tasks. Two
     * arenas are plenty for 2-8 busy threads. */
    mallopt(M_ARENA_MAX, 2);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "server") == 0)
        return cmd_server(argc - 1, argv + 1, CFG_SERVER, "server");
    if (strcmp(cmd, "dev") == 0) /* server and agent in one process */
        return cmd_server(argc - 1, argv + 1, CFG_DEV, "dev");
    if (strcmp(cmd, "agent") == 0)
        return cmd_agent(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
            printf("usage: ecsd version\n\nprints the version of ecsd and exits.\n");
            return 0;
        }
        if (argc > 2) {
            fprintf(stderr, "ecsd version: unexpected argument '%s' (see --help)\n", argv[2]);
            return 2;
        }
        printf("ecsd %s\n", ECSD_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "ecsd: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
