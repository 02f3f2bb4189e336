#include "common/config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct config_option {
    const char *flag;      /* --flag */
    const char *env;       /* ECSD_... */
    const char *def;       /* default value */
    size_t offset;         /* of the char * in ecsd_config_t */
    unsigned scope;
    const char *help;
    bool is_switch;        /* takes no value: present means "1" */
} config_option_t;

#define OPT(field) offsetof(ecsd_config_t, field)

static const config_option_t options[] = {
    {"listen", "ECSD_LISTEN", "127.0.0.1:7070", OPT(listen), CFG_SERVER,
     "address and port the API listens on"},
    {"data-dir", "ECSD_DATA_DIR", "./ecsd-data", OPT(data_dir), CFG_SERVER | CFG_AGENT,
     "folder of the durable state"},
    {"store", "ECSD_STORE", "", OPT(store), CFG_SERVER,
     "where the state is: empty for SQLite in --data-dir, or a PostgreSQL connection URI "
     "(postgresql://host1:5432,host2:5432/ecsd; several servers may share one)"},
    {"region", "ECSD_REGION", "us-east-1", OPT(region), CFG_SERVER | CFG_AGENT,
     "default region: of unsigned requests and of data stored before regions (the agent signs for it)"},
    {"regions", "ECSD_REGIONS", "", OPT(regions), CFG_SERVER,
     "comma-separated regions served, e.g. us-east-1,eu-west-1 (empty: any region a request is signed for)"},
    {"account-id", "ECSD_ACCOUNT_ID", "000000000000", OPT(account_id), CFG_SERVER,
     "12-digit account id put in ARNs"},
    {"threads", "ECSD_THREADS", "8", OPT(threads), CFG_SERVER, "HTTP worker threads"},
    {"idle-timeout", "ECSD_IDLE_TIMEOUT", "30", OPT(idle_timeout), CFG_SERVER,
     "seconds a client connection may stay silent before it is closed"},
    {"log-level", "ECSD_LOG_LEVEL", "info", OPT(log_level), CFG_SERVER | CFG_AGENT,
     "debug, info, warn or error"},
    {"log-format", "ECSD_LOG_FORMAT", "text", OPT(log_format), CFG_SERVER | CFG_AGENT,
     "text (one line an event) or json (one JSON object a line: time, level, msg; requests with their id)"},
    {"advertise-url", "ECSD_ADVERTISE_URL", "", OPT(advertise_url), CFG_SERVER,
     "base URL agents poll (empty: http://<listen address>)"},
    {"agent-timeout", "ECSD_AGENT_TIMEOUT", "60", OPT(agent_timeout), CFG_SERVER,
     "seconds without a poll before an agent counts as disconnected"},
    {"host-lost-after", "ECSD_HOST_LOST_AFTER", "120", OPT(host_lost_after), CFG_SERVER,
     "seconds past --agent-timeout before a silent host counts as lost: its tasks stop, services replace them "
     "(0: never)"},
    {"task-retention", "ECSD_TASK_RETENTION", "3600", OPT(task_retention), CFG_SERVER,
     "seconds a STOPPED task stays describable"},
    {"logs-sweep-interval", "ECSD_LOGS_SWEEP_INTERVAL", "60", OPT(logs_sweep_interval), CFG_SERVER,
     "seconds between the logs janitor's passes (retention policies, --logs-max-mb)"},
    {"logs-max-mb", "ECSD_LOGS_MAX_MB", "1024", OPT(logs_max_mb), CFG_SERVER,
     "MiB of log messages the CloudWatch Logs store keeps (DATA_DIR/logs.db); the oldest go first (0: no bound)"},
    {"credentials", "ECSD_CREDENTIALS", "", OPT(credentials), CFG_SERVER,
     "file of accepted keys: ACCESS_KEY_ID SECRET ACCOUNT_ID per line (re-read on SIGHUP)"},
    {"roles-file", "ECSD_ROLES_FILE", "", OPT(roles_file), CFG_SERVER,
     "file of task roles: ROLE_ARN ACCESS_KEY_ID [SECRET [TOKEN]] per line (re-read on SIGHUP; empty: roles "
     "give no credentials)"},
    {"insecure-no-auth", "ECSD_INSECURE_NO_AUTH", "", OPT(insecure_no_auth), CFG_SERVER,
     "serve without authentication (every request acts for --account-id)", true},
    {"allowed-volume-prefixes", "ECSD_ALLOWED_VOLUME_PREFIXES", "", OPT(volume_prefixes), CFG_SERVER,
     "':'-separated folders task volumes' host paths must lie in (empty: any)"},
    {"scheduler-tick", "ECSD_SCHEDULER_TICK", "1000", OPT(scheduler_tick), CFG_SERVER,
     "milliseconds between service scheduler passes (changes also wake it at once)"},
    {"tls-cert", "ECSD_TLS_CERT", "", OPT(tls_cert), CFG_SERVER, "PEM certificate: serve HTTPS"},
    {"tls-key", "ECSD_TLS_KEY", "", OPT(tls_key), CFG_SERVER, "PEM private key of --tls-cert"},
    {"cluster", "ECSD_CLUSTER", "default", OPT(cluster), CFG_AGENT, "cluster the host joins"},
    {"endpoint", "ECSD_ENDPOINT", "http://127.0.0.1:7070", OPT(endpoint), CFG_AGENT,
     "URL of the ecsd server, or several separated by commas (tried in turn when one does not answer)"},
    {"logs-endpoint", "ECSD_LOGS_ENDPOINT", "", OPT(logs_endpoint), CFG_AGENT,
     "CloudWatch Logs endpoint awslogs containers' output is sent to (empty: --endpoint; a task's "
     "awslogs-endpoint wins)"},
    {"docker-host", "ECSD_DOCKER_HOST", "", OPT(docker_host), CFG_AGENT,
     "Docker engine, unix:///PATH (empty: $DOCKER_HOST, else unix:///var/run/docker.sock)"},
    {"stop-timeout", "ECSD_STOP_TIMEOUT", "30", OPT(stop_timeout), CFG_AGENT,
     "seconds from SIGTERM to SIGKILL when stopping a container"},
    {"reserved-memory", "ECSD_RESERVED_MEMORY", "0", OPT(reserved_memory), CFG_AGENT,
     "MiB of the host's memory not offered to tasks"},
    {"extra-ports", "ECSD_EXTRA_PORTS", "", OPT(extra_ports), CFG_AGENT,
     "host ports reserved besides 22,2375,2376,51678,51679 (e.g. 8080,9000)"},
    {"cleanup-delay", "ECSD_CLEANUP_DELAY", "3h", OPT(cleanup_delay), CFG_AGENT,
     "stopped containers are removed this long after their task stopped (e.g. 3h, 10m, 30s)"},
    {"env-files-dir", "ECSD_ENV_FILES_DIR", "", OPT(env_files_dir), CFG_AGENT,
     "folder of environmentFiles: arn:aws:s3:::BUCKET/KEY is read from DIR/BUCKET/KEY; empty: none"},
    {"introspection", "ECSD_INTROSPECTION", "127.0.0.1:51678", OPT(introspection), CFG_AGENT,
     "ADDR:PORT of the introspection API (/v1/metadata, /v1/tasks); empty: none"},
    {"availability-zone", "ECSD_AVAILABILITY_ZONE", "", OPT(availability_zone), CFG_AGENT,
     "registered as the attribute ecs.availability-zone (spread and memberOf read it; empty: none)"},
    {"instance-type", "ECSD_INSTANCE_TYPE", "", OPT(instance_type), CFG_AGENT,
     "registered as the attribute ecs.instance-type (empty: none)"},
    {"capacity-provider", "ECSD_CAPACITY_PROVIDER", "", OPT(capacity_provider), CFG_AGENT,
     "the Auto Scaling group capacity provider the host belongs to, registered as the attribute "
     "ecs.capacity-provider (tasks a strategy gives that provider go to its hosts; empty: none)"},
    {"instance-attributes", "ECSD_INSTANCE_ATTRIBUTES", "", OPT(instance_attributes), CFG_AGENT,
     "custom attributes as ECS_INSTANCE_ATTRIBUTES: a JSON object of at most 10 names and string values"},
    {"fargate", "ECSD_FARGATE", "also", OPT(fargate), CFG_AGENT,
     "Fargate capacity: also (Fargate and other tasks), only (Fargate tasks only) or no (no Fargate tasks)"},
    {"awsvpc-subnet", "ECSD_AWSVPC_SUBNET", "172.31.0.0/16", OPT(awsvpc_subnet), CFG_AGENT,
     "IPv4 network of the bridge the agent makes for awsvpc tasks (each task gets an address in it)"},
    {"task-endpoint", "ECSD_TASK_ENDPOINT", "169.254.170.2:80", OPT(task_endpoint), CFG_AGENT,
     "IPV4:PORT of the task metadata and credentials endpoint the containers reach; empty: none"},
    {"task-endpoint-setup", "ECSD_TASK_ENDPOINT_SETUP", "auto", OPT(task_endpoint_setup), CFG_AGENT,
     "auto: add the endpoint's address to the loopback interface when it is not local (removed at exit); none"},
    {"access-key", "ECSD_ACCESS_KEY_ID", "", OPT(access_key), CFG_AGENT,
     "access key id the agent signs with (empty: $AWS_ACCESS_KEY_ID)"},
    {"secret-key", "ECSD_SECRET_ACCESS_KEY", "", OPT(secret_key), CFG_AGENT,
     "secret access key the agent signs with (empty: $AWS_SECRET_ACCESS_KEY)"},
};

#define N_OPTIONS (sizeof options / sizeof options[0])

static char **field(ecsd_config_t *cfg, const config_option_t *o)
{
    return (char **)((char *)cfg + o->offset);
}

static void set(ecsd_config_t *cfg, const config_option_t *o, const char *v)
{
    char **f = field(cfg, o);
    free(*f);
    *f = strdup(v);
    if (*f == NULL)
        abort();
}

void config_print_help(FILE *f, unsigned scope, const char *cmd)
{
    fprintf(f, "usage: ecsd %s [options]\n\noptions (each also settable by its environment variable):\n", cmd);
    for (size_t i = 0; i < N_OPTIONS; i++) {
        if (!(options[i].scope & scope))
            continue;
        fprintf(f, "  --%-12s %-18s %s (default %s)\n", options[i].flag, options[i].env, options[i].help,
                options[i].def);
    }
    fprintf(f, "  --print-config                  print the effective configuration and exit\n"
               "  --help                          this text\n");
}

int config_parse(ecsd_config_t *cfg, unsigned scope, const char *cmd, int argc, char **argv)
{
    *cfg = (ecsd_config_t){0};
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const char *env = getenv(options[i].env);
        set(cfg, &options[i], env != NULL && env[0] != '\0' ? env : options[i].def);
    }
    bool print = false;
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            config_print_help(stdout, scope, cmd);
            return 1;
        }
        if (strcmp(arg, "--print-config") == 0) {
            print = true;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "ecsd %s: unexpected argument '%s' (see --help)\n", cmd, arg);
            return -1;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        const config_option_t *o = NULL;
        for (size_t i = 0; i < N_OPTIONS; i++) {
            if ((options[i].scope & scope) && strlen(options[i].flag) == name_len &&
                strncmp(options[i].flag, name, name_len) == 0)
                o = &options[i];
        }
        if (o == NULL) {
            fprintf(stderr, "ecsd %s: unknown option '%s' (see --help)\n", cmd, arg);
            return -1;
        }
        const char *value = eq ? eq + 1 : o->is_switch ? "1" : (a + 1 < argc ? argv[++a] : NULL);
        if (value == NULL) {
            fprintf(stderr, "ecsd %s: option --%s needs a value\n", cmd, o->flag);
            return -1;
        }
        set(cfg, o, value);
    }
    if (print) {
        for (size_t i = 0; i < N_OPTIONS; i++)
            if (options[i].scope & scope)
                printf("%s=%s\n", options[i].env, *field(cfg, &options[i]));
        return 1;
    }
    return 0;
}

void config_free(ecsd_config_t *cfg)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        char **f = field(cfg, &options[i]);
        free(*f);
        *f = NULL;
    }
}

long config_int(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return end == s || *end != '\0' || errno != 0 || v < INT32_MIN || v > INT32_MAX ? -1 : v;
}

/* True when s has min..max characters, each from allowed. */
static bool chars_in(const char *s, const char *allowed, size_t min, size_t max)
{
    size_t n = strlen(s);
    return n >= min && n <= max && strspn(s, allowed) == n;
}

#define REGION_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-"

/* --regions: region names separated by commas; the default region among them. */
static int check_regions(const char *list, const char *def)
{
    if (list[0] == '\0')
        return 0;
    bool has_default = false;
    for (const char *p = list;;) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n > 31 || strspn(p, REGION_CHARS) < n) {
            fprintf(stderr, "ecsd: --regions '%s' is not a comma-separated list of region names\n", list);
            return -1;
        }
        has_default |= n == strlen(def) && strncmp(p, def, n) == 0;
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    if (!has_default) {
        fprintf(stderr, "ecsd: --regions '%s' must include the default region --region %s\n", list, def);
        return -1;
    }
    return 0;
}

bool config_region_listed(const char *list, const char *region)
{
    if (list == NULL || list[0] == '\0')
        return true;
    size_t rlen = strlen(region);
    for (const char *p = list;;) {
        size_t n = strcspn(p, ",");
        if (n == rlen && strncmp(p, region, n) == 0)
            return true;
        if (p[n] == '\0')
            return false;
        p += n + 1;
    }
}

int config_check(const ecsd_config_t *cfg, unsigned scope)
{
    if (scope & CFG_SERVER) {
        if (!chars_in(cfg->account_id, "0123456789", 12, 12)) {
            fprintf(stderr, "ecsd: --account-id must be 12 digits, not '%s'\n", cfg->account_id);
            return -1;
        }
        if (!chars_in(cfg->region, REGION_CHARS, 1, 31)) {
            fprintf(stderr, "ecsd: --region '%s' is not a region name\n", cfg->region);
            return -1;
        }
        if (check_regions(cfg->regions, cfg->region) < 0)
            return -1;
        if (cfg->store[0] != '\0' && strncmp(cfg->store, "postgresql://", 13) != 0 &&
            strncmp(cfg->store, "postgres://", 11) != 0) {
            fprintf(stderr, "ecsd: --store must be empty (SQLite in --data-dir) or a postgresql:// URI\n");
            return -1;
        }
        long timeout = config_int(cfg->agent_timeout), retention = config_int(cfg->task_retention);
        if (timeout < 1 || timeout > 86400 || retention < 1 || retention > 30 * 86400) {
            fprintf(stderr, "ecsd: --agent-timeout must be 1..86400 and --task-retention 1..2592000\n");
            return -1;
        }
        long lost = config_int(cfg->host_lost_after);
        if (lost < 0 || lost > 30 * 86400) {
            fprintf(stderr, "ecsd: --host-lost-after must be 0..2592000 (0: hosts are never lost)\n");
            return -1;
        }
        long logs_mb = config_int(cfg->logs_max_mb);
        long sweep = config_int(cfg->logs_sweep_interval);
        if (logs_mb < 0 || logs_mb > 1024 * 1024 || sweep < 1 || sweep > 86400) {
            fprintf(stderr, "ecsd: --logs-max-mb must be 0..1048576 and --logs-sweep-interval 1..86400\n");
            return -1;
        }
        long t = config_int(cfg->threads);
        if (t < 1 || t > 256) {
            fprintf(stderr, "ecsd: --threads must be 1..256, not '%s'\n", cfg->threads);
            return -1;
        }
        long idle = config_int(cfg->idle_timeout);
        if (idle < 1 || idle > 3600) {
            fprintf(stderr, "ecsd: --idle-timeout must be 1..3600 (seconds), not '%s'\n", cfg->idle_timeout);
            return -1;
        }
        long tick = config_int(cfg->scheduler_tick);
        if (tick < 10 || tick > 600000) {
            fprintf(stderr, "ecsd: --scheduler-tick must be 10..600000 (ms), not '%s'\n", cfg->scheduler_tick);
            return -1;
        }
    }
    return 0;
}
