/* Tests for common/config.c: defaults, ECSD_* environment, flags, and
 * config_check. Only the paths that do not print to stdout (--help and
 * --print-config do) are driven here; every environment variable a test
 * touches is put back as it was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "test.h"

static const char *const env_names[] = {"ECSD_LISTEN",    "ECSD_DATA_DIR",  "ECSD_REGION",
                                        "ECSD_ACCOUNT_ID", "ECSD_THREADS",  "ECSD_LOG_LEVEL",
                                        "ECSD_CLUSTER",   "ECSD_ENDPOINT"};
#define N_ENV (sizeof env_names / sizeof env_names[0])

/* The environment as it was before a test, to put back. */
typedef struct env_saved {
    char *value[N_ENV]; /* NULL: was unset */
} env_saved_t;

/* Saves every ECSD_* option variable and unsets it. */
static void env_save_clear(env_saved_t *s)
{
    for (size_t i = 0; i < N_ENV; i++) {
        const char *v = getenv(env_names[i]);
        s->value[i] = v ? strdup(v) : NULL;
        unsetenv(env_names[i]);
    }
}

static void env_restore(env_saved_t *s)
{
    for (size_t i = 0; i < N_ENV; i++) {
        if (s->value[i] != NULL)
            setenv(env_names[i], s->value[i], 1);
        else
            unsetenv(env_names[i]);
        free(s->value[i]);
        s->value[i] = NULL;
    }
}

/* config_parse with argv given as a NULL-terminated list after the command. */
#define PARSE(cfg, scope, ...)                                                    \
    ({                                                                            \
        char *argv_[] = {__VA_ARGS__, NULL};                                      \
        config_parse((cfg), (scope), argv_[0], (int)(sizeof argv_ / sizeof argv_[0]) - 1, argv_); \
    })

TEST(config_defaults)
{
    env_saved_t saved;
    env_save_clear(&saved);
    ecsd_config_t cfg;
    CHECK_INT(PARSE(&cfg, CFG_SERVER, "server"), 0);
    CHECK_STR(cfg.listen, "127.0.0.1:7070");
    CHECK_STR(cfg.data_dir, "./ecsd-data");
    CHECK_STR(cfg.region, "us-east-1");
    CHECK_STR(cfg.account_id, "000000000000");
    CHECK_STR(cfg.threads, "8");
    CHECK_STR(cfg.log_level, "info");
    /* Every field has a value, whatever the scope. */
    CHECK_STR(cfg.cluster, "default");
    CHECK_STR(cfg.endpoint, "http://127.0.0.1:7070");
    CHECK_INT(config_check(&cfg, CFG_SERVER), 0);
    config_free(&cfg);
    CHECK(cfg.listen == NULL && cfg.region == NULL && cfg.endpoint == NULL);
    config_free(&cfg); /* twice is harmless */

    CHECK_INT(PARSE(&cfg, CFG_AGENT, "agent"), 0);
    CHECK_STR(cfg.cluster, "default");
    CHECK_STR(cfg.endpoint, "http://127.0.0.1:7070");
    CHECK_STR(cfg.data_dir, "./ecsd-data");
    CHECK_INT(config_check(&cfg, CFG_AGENT), 0);
    config_free(&cfg);
    env_restore(&saved);
}

TEST(config_environment_overrides_defaults)
{
    env_saved_t saved;
    env_save_clear(&saved);
    setenv("ECSD_LISTEN", "127.0.0.1:9999", 1);
    setenv("ECSD_REGION", "eu-west-3", 1);
    setenv("ECSD_ACCOUNT_ID", "123456789012", 1);
    setenv("ECSD_DATA_DIR", "/var/lib/ecsd", 1);
    setenv("ECSD_THREADS", "3", 1);
    setenv("ECSD_CLUSTER", "prod", 1);
    setenv("ECSD_LOG_LEVEL", "", 1); /* empty: the default */
    ecsd_config_t cfg;
    CHECK_INT(PARSE(&cfg, CFG_DEV, "dev"), 0);
    CHECK_STR(cfg.listen, "127.0.0.1:9999");
    CHECK_STR(cfg.region, "eu-west-3");
    CHECK_STR(cfg.account_id, "123456789012");
    CHECK_STR(cfg.data_dir, "/var/lib/ecsd");
    CHECK_STR(cfg.threads, "3");
    CHECK_STR(cfg.cluster, "prod");
    CHECK_STR(cfg.log_level, "info");
    CHECK_STR(cfg.endpoint, "http://127.0.0.1:7070"); /* unset: the default */
    CHECK_INT(config_check(&cfg, CFG_DEV), 0);
    config_free(&cfg);
    env_restore(&saved);
}

TEST(config_flags_override_environment)
{
    env_saved_t saved;
    env_save_clear(&saved);
    setenv("ECSD_REGION", "eu-west-3", 1);
    setenv("ECSD_LISTEN", "127.0.0.1:9999", 1);
    setenv("ECSD_ACCOUNT_ID", "123456789012", 1);
    ecsd_config_t cfg;
    CHECK_INT(PARSE(&cfg, CFG_SERVER, "server", "--region", "us-west-2", "--listen=0.0.0.0:8080",
                    "--data-dir", "/tmp/x=y", "--threads=16"),
              0);
    CHECK_STR(cfg.region, "us-west-2");          /* --flag value */
    CHECK_STR(cfg.listen, "0.0.0.0:8080");       /* --flag=value */
    CHECK_STR(cfg.data_dir, "/tmp/x=y");         /* '=' inside a separate value is kept */
    CHECK_STR(cfg.threads, "16");
    CHECK_STR(cfg.account_id, "123456789012");   /* no flag: the environment */
    CHECK_STR(cfg.log_level, "info");            /* neither: the default */
    config_free(&cfg);

    /* The last of a repeated flag wins; "--flag=" sets the empty value. */
    CHECK_INT(PARSE(&cfg, CFG_SERVER, "server", "--region", "a-1", "--region=b-2", "--log-level="), 0);
    CHECK_STR(cfg.region, "b-2");
    CHECK_STR(cfg.log_level, "");
    config_free(&cfg);

    /* A value may start with dashes when given separately. */
    CHECK_INT(PARSE(&cfg, CFG_SERVER, "server", "--data-dir", "--odd"), 0);
    CHECK_STR(cfg.data_dir, "--odd");
    config_free(&cfg);

    /* Agent flags in the agent's scope. */
    CHECK_INT(PARSE(&cfg, CFG_AGENT, "agent", "--cluster", "c1", "--endpoint=http://10.0.0.1:1"), 0);
    CHECK_STR(cfg.cluster, "c1");
    CHECK_STR(cfg.endpoint, "http://10.0.0.1:1");
    config_free(&cfg);
    env_restore(&saved);
}

TEST(config_bad_flags)
{
    env_saved_t saved;
    env_save_clear(&saved);
    ecsd_config_t cfg;
    fprintf(stderr, "  (the error lines below are expected)\n");
    CHECK_INT(PARSE(&cfg, CFG_SERVER, "server", "--no-such-flag", "x"), -1);
    config_free(&cfg);
    CHECK_INT(PARSE(&cfg, CFG_SERVER, "server", "--no-such-flag=x"), -1);
    config_free(&cfg);
    CHECK_INT(PARSE(&cfg, CFG_SERVER, "server", "--regio", "x"), -1); /* no prefix matching */
    config_free(&cfg);
    CHECK_INT(PARSE(&cfg, CFG_SERVER, "server", "--regionx=x"), -1);
    config_free(&cfg);
    CHECK_INT(PARSE(&cfg, CFG_SERVER, "server", "--cluster", "c"), -1); /* an agent option */
    config_free(&cfg);
    CHECK_INT(PARSE(&cfg, CFG_AGENT, "agent", "--listen", "127.0.0.1:1"), -1); /* a server option */
    config_free(&cfg);
    CHECK_INT(PARSE(&cfg, CFG_SERVER, "server", "--region"), -1); /* no value */
    config_free(&cfg);
    CHECK_INT(PARSE(&cfg, CFG_SERVER, "server", "positional"), -1);
    config_free(&cfg);
    CHECK_INT(PARSE(&cfg, CFG_SERVER, "server", "-r", "x"), -1);
    config_free(&cfg);
    CHECK_INT(PARSE(&cfg, CFG_SERVER, "server", "--"), -1);
    config_free(&cfg);
    CHECK_INT(PARSE(&cfg, CFG_SERVER, "server", "--=x"), -1);
    config_free(&cfg);
    env_restore(&saved);
}

/* config_check on the defaults with one field replaced. */
static int check_with(unsigned scope, const char *field, const char *value)
{
    ecsd_config_t cfg;
    char *argv[] = {"server", NULL};
    if (config_parse(&cfg, CFG_DEV, "server", 1, argv) != 0)
        return -2;
    char **f = strcmp(field, "account") == 0  ? &cfg.account_id
               : strcmp(field, "region") == 0 ? &cfg.region
               : strcmp(field, "listen") == 0 ? &cfg.listen
                                              : &cfg.threads;
    free(*f);
    *f = strdup(value);
    int rc = config_check(&cfg, scope);
    config_free(&cfg);
    return rc;
}

TEST(config_check_values)
{
    env_saved_t saved;
    env_save_clear(&saved);
    fprintf(stderr, "  (the error lines below are expected)\n");
    CHECK_INT(check_with(CFG_SERVER, "account", "123456789012"), 0);
    static const char *const bad_accounts[] = {"", "12345", "1234567890123", "12345678901a", "-12345678901",
                                               " 12345678901", "12345678901 "};
    for (size_t i = 0; i < sizeof bad_accounts / sizeof bad_accounts[0]; i++)
        CHECK_INT(check_with(CFG_SERVER, "account", bad_accounts[i]), -1);

    static const char *const good_regions[] = {"us-east-1", "eu-central-2", "ap-southeast-4", "local"};
    for (size_t i = 0; i < sizeof good_regions / sizeof good_regions[0]; i++)
        CHECK_INT(check_with(CFG_SERVER, "region", good_regions[i]), 0);
    static const char *const bad_regions[] = {"", "US-EAST-1", "us east 1", "us_east_1", "us-east-1/x",
                                              "us:east", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 32 */};
    for (size_t i = 0; i < sizeof bad_regions / sizeof bad_regions[0]; i++)
        CHECK_INT(check_with(CFG_SERVER, "region", bad_regions[i]), -1);

    CHECK_INT(check_with(CFG_SERVER, "threads", "1"), 0);
    CHECK_INT(check_with(CFG_SERVER, "threads", "256"), 0);
    static const char *const bad_threads[] = {"0", "257", "-1", "", "abc", "99999999999"};
    for (size_t i = 0; i < sizeof bad_threads / sizeof bad_threads[0]; i++)
        CHECK_INT(check_with(CFG_SERVER, "threads", bad_threads[i]), -1);
    CHECK_INT(check_with(CFG_SERVER, "threads", "8abc"), -1);

    /* The agent does not serve ARNs: server-only values are not its concern. */
    CHECK_INT(check_with(CFG_AGENT, "account", "12345"), 0);
    CHECK_INT(check_with(CFG_AGENT, "threads", "0"), 0);
    env_restore(&saved);
}
