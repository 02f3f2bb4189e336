/* config.h - every option of every subcommand, declared once (Redis's
 * config table): its flag, environment variable, default and help text
 * drive parsing, --help and --print-config. */
#ifndef ECSD_COMMON_CONFIG_H
#define ECSD_COMMON_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

/* Which subcommands an option belongs to. */
enum config_scope { CFG_SERVER = 1u << 0, CFG_AGENT = 1u << 1, CFG_DEV = CFG_SERVER | CFG_AGENT };

typedef struct ecsd_config {
    char *listen;      /* server: ADDR:PORT */
    char *data_dir;
    char *store;       /* server: "" (SQLite in data_dir) or a postgresql:// URI */
    char *region;      /* server: the default region; agent: the region it signs for */
    char *regions;     /* server: comma-separated regions served, "" for any */
    char *account_id;
    char *threads;     /* server: HTTP worker threads */
    char *idle_timeout; /* server: seconds a silent connection stays open */
    char *log_level;
    char *log_format;  /* "text" or "json" */
    char *advertise_url;  /* server: base URL agents are told to poll */
    char *agent_timeout;  /* server: seconds of agent silence before agentConnected: false */
    char *host_lost_after; /* server: seconds past agent_timeout before a silent host is lost, "0": never */
    char *task_retention; /* server: seconds a STOPPED task stays describable */
    char *logs_max_mb;    /* server: MiB of messages the logs store keeps */
    char *logs_sweep_interval; /* server: seconds between the logs janitor's passes */
    char *credentials;    /* server: path of the credentials file, "" for none */
    char *roles_file;     /* server: path of the roles file, "" for none */
    char *insecure_no_auth; /* server: "1" serves without authentication */
    char *tls_cert, *tls_key; /* server: PEM files for HTTPS, "" for plain HTTP */
    char *volume_prefixes;    /* server: folders host volume paths must lie in */
    char *scheduler_tick; /* server: ms between service scheduler passes */
    char *cluster;     /* agent */
    char *endpoint;    /* agent */
    char *logs_endpoint; /* agent: CloudWatch Logs endpoint of awslogs output, "" for endpoint */
    char *docker_host;     /* agent: unix:///PATH, "" for $DOCKER_HOST or the default */
    char *stop_timeout;    /* agent: seconds from SIGTERM to SIGKILL */
    char *reserved_memory; /* agent: MiB not offered */
    char *extra_ports;     /* agent: more reserved host ports */
    char *cleanup_delay;   /* agent: duration before stopped containers are removed */
    char *introspection;   /* agent: ADDR:PORT, "" for none */
    char *env_files_dir;   /* agent: folder of environmentFiles, "" for none */
    char *access_key, *secret_key; /* agent: signing credentials, "" for the AWS_* environment */
    char *availability_zone, *instance_type; /* agent: ecs.availability-zone / ecs.instance-type, "" for none */
    char *instance_attributes; /* agent: JSON object of custom attributes, "" for none */
    char *capacity_provider;   /* agent: the capacity provider's name (ecs.capacity-provider), "" for none */
    char *fargate;         /* agent: also, only or no: Fargate capacity offered (model/fargate.h) */
    char *awsvpc_subnet;   /* agent: IPv4 CIDR of the awsvpc tasks' bridge network */
    char *task_endpoint;       /* agent: ADDR:PORT of the task metadata endpoint, "" for none */
    char *task_endpoint_setup; /* agent: "auto" or "none" */
} ecsd_config_t;

/* Fills cfg from defaults, then ECSD_* environment, then argv flags
 * (argv[0] is the subcommand). Returns 0, 1 when --help or --print-config
 * was handled, -1 on a bad flag (message printed). */
int config_parse(ecsd_config_t *cfg, unsigned scope, const char *cmd, int argc, char **argv);
void config_free(ecsd_config_t *cfg);
void config_print_help(FILE *f, unsigned scope, const char *cmd);
/* A whole decimal number within int32, or -1 (also for "8abc" or ""). */
long config_int(const char *s);

/* True when region is one of the comma-separated list; a NULL or empty
 * list holds every region. */
bool config_region_listed(const char *list, const char *region);

/* Checks values (region, account id, listen address). -1 with a message printed. */
int config_check(const ecsd_config_t *cfg, unsigned scope);

#endif
