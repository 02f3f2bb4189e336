/* main.c - the ecsd command: parses the command line and wires modules
 * together. All logic lives in the modules under src/. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/http.h"
#include "api/poll.h"
#include "common/config.h"
#include "common/log.h"
#include "sched/capacity.h"
#include "sched/janitor.h"
#include "store/store.h"

#define ECSD_VERSION "0.1.0"

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
    pthread_sigmask(SIG_BLOCK, set, NULL);
}

static int run_server(const ecsd_config_t *cfg, const char *what)
{
    int level = parse_log_level(cfg->log_level);
    if (level < 0) {
        fprintf(stderr, "ecsd: --log-level must be debug, info, warn or error\n");
        return 2;
    }
    log_set_level((log_level_t)level);
    sigset_t stop;
    block_stop_signals(&stop);
    ecs_error_t err;
    store_t *store = NULL;
    if (store_open_sqlite(cfg->data_dir, &store, &err) < 0) {
        log_error("%s", err.message);
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
    poll_hub_t *hub = poll_hub_new();
    cap_index_t *cap = cap_new();
    api_service_t svc = {.store = store, .region = cfg->region, .account = cfg->account_id,
                         .advertise_url = advertise, .agent_timeout_s = atoi(cfg->agent_timeout), .hub = hub,
                         .cap = cap};
    http_server_t *http = NULL;
    if (hub == NULL || cap == NULL || http_start(cfg->listen, atoi(cfg->threads), &svc, &http, &err) < 0) {
        log_error("%s", hub && cap ? err.message : "out of memory");
        poll_hub_free(hub);
        cap_free(cap);
        store_close(store);
        return 1;
    }
    janitor_t *janitor = janitor_start(store, atoi(cfg->task_retention), 60);
    log_info("ecsd %s %s: serving the ECS API on http://%s (port %d), region %s, account %s, data in %s",
             what, ECSD_VERSION, cfg->listen, http_port(http), cfg->region, cfg->account_id, cfg->data_dir);
    int sig = 0;
    sigwait(&stop, &sig);
    log_info("ecsd %s: signal %d, stopping", what, sig);
    janitor_stop(janitor);
    poll_hub_shutdown(hub); /* answers the waiting polls, so the HTTP server can stop */
    http_stop(http);
    poll_hub_free(hub);
    cap_free(cap);
    store_close(store);
    return 0;
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

static int cmd_agent(int argc, char **argv)
{
    ecsd_config_t cfg;
    int rc = config_parse(&cfg, CFG_AGENT, "agent", argc, argv);
    config_free(&cfg);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    fprintf(stderr, "ecsd agent: not built yet (the agent is issue 4).\n");
    return 2;
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
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "server") == 0)
        return cmd_server(argc - 1, argv + 1, CFG_SERVER, "server");
    if (strcmp(cmd, "dev") == 0) /* the agent half joins with issue 4 */
        return cmd_server(argc - 1, argv + 1, CFG_SERVER, "dev");
    if (strcmp(cmd, "agent") == 0)
        return cmd_agent(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
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
