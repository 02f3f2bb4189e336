#include "store/sqlite_schema.h"

#include <stddef.h>
#include <stdio.h>

/* Migrations in order; never edit one that has shipped, append a new one.
 * Version N is reached by applying migrations[N-1]. */
static const char *const migrations[] = {
    /* 1: one table of resources: a JSON document plus the columns queries
     * filter and order on. */
    "CREATE TABLE resources ("
    "  kind INTEGER NOT NULL, account TEXT NOT NULL, key TEXT NOT NULL,"
    "  cluster TEXT, status TEXT, desired TEXT, family TEXT, num INTEGER NOT NULL DEFAULT 0,"
    "  started_by TEXT, service TEXT, instance TEXT,"
    "  doc TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);"
    /* a rowid table: documents are a few KiB, too big for WITHOUT ROWID */
    "CREATE UNIQUE INDEX resources_key ON resources (kind, account, key);"
    "CREATE INDEX resources_cluster ON resources (kind, account, cluster, status);"
    "CREATE INDEX resources_family ON resources (kind, account, family, num);"
    "CREATE INDEX resources_num ON resources (kind, account, num, key);"
    "CREATE INDEX resources_instance ON resources (kind, account, instance) WHERE instance IS NOT NULL;"
    "CREATE INDEX resources_service ON resources (kind, account, service) WHERE service IS NOT NULL;"
    "CREATE INDEX resources_started_by ON resources (kind, account, started_by) WHERE started_by IS NOT NULL;",
    /* 2: ListTasks by desired status in key order without a scan; the
     * janitor's oldest-stopped-first walk across accounts. */
    "CREATE INDEX resources_desired ON resources (kind, account, cluster, desired, key);"
    "CREATE INDEX resources_status_num ON resources (kind, status, num);",
    /* 3: a service's tasks, counted by deployment and status on every
     * scheduler pass, and its newly stopped ones in stop order, read from
     * the index alone (the cluster-wide indexes above would visit every
     * task of the cluster). */
    "CREATE INDEX resources_service_tasks ON resources"
    " (kind, account, cluster, service, status, desired, num, key, started_by) WHERE service IS NOT NULL;",
    /* 4: how many rows of each kind, cluster and status there are, kept by
     * triggers in the writing transaction, so that a cluster's counters cost
     * a lookup instead of a count over its tasks. */
    "CREATE TABLE counts (kind INTEGER NOT NULL, account TEXT NOT NULL, cluster TEXT NOT NULL,"
    "  status TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (kind, account, cluster, status)) WITHOUT ROWID;"
    "INSERT INTO counts SELECT kind, account, cluster, status, count(*) FROM resources"
    "  WHERE cluster IS NOT NULL AND status IS NOT NULL GROUP BY kind, account, cluster, status;"
    "CREATE TRIGGER counts_insert AFTER INSERT ON resources"
    "  WHEN new.cluster IS NOT NULL AND new.status IS NOT NULL BEGIN"
    "  INSERT INTO counts VALUES (new.kind, new.account, new.cluster, new.status, 1)"
    "    ON CONFLICT (kind, account, cluster, status) DO UPDATE SET n = n + 1;"
    "END;"
    "CREATE TRIGGER counts_delete AFTER DELETE ON resources"
    "  WHEN old.cluster IS NOT NULL AND old.status IS NOT NULL BEGIN"
    "  UPDATE counts SET n = n - 1 WHERE kind = old.kind AND account = old.account AND cluster = old.cluster"
    "    AND status = old.status;"
    "END;"
    "CREATE TRIGGER counts_update AFTER UPDATE OF cluster, status ON resources"
    "  WHEN old.cluster IS NOT new.cluster OR old.status IS NOT new.status BEGIN"
    "  UPDATE counts SET n = n - 1 WHERE old.cluster IS NOT NULL AND old.status IS NOT NULL"
    "    AND kind = old.kind AND account = old.account AND cluster = old.cluster AND status = old.status;"
    "  INSERT INTO counts SELECT new.kind, new.account, new.cluster, new.status, 1"
    "    WHERE new.cluster IS NOT NULL AND new.status IS NOT NULL"
    "    ON CONFLICT (kind, account, cluster, status) DO UPDATE SET n = n + 1;"
    "END;",
    /* 5: resources live in (account, region): the account column holds the
     * scope "ACCOUNT:REGION" (model/context.h). Rows of before belong to the
     * server's default region, which sqlite_schema_migrate puts in the
     * temporary table migrate_args. The scheduler's lease (account "") is
     * of no account and stays. */
    "UPDATE resources SET account = account || ':' || (SELECT default_region FROM migrate_args)"
    "  WHERE account <> '' AND instr(account, ':') = 0;"
    "UPDATE counts SET account = account || ':' || (SELECT default_region FROM migrate_args)"
    "  WHERE account <> '' AND instr(account, ':') = 0;",
};

/* What migrations may read: a temporary table of this connection. */
static int set_migrate_args(sqlite3 *db, const char *default_region, ecs_error_t *err)
{
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_exec(db, "CREATE TEMP TABLE IF NOT EXISTS migrate_args (default_region TEXT NOT NULL);"
                              "DELETE FROM migrate_args;", NULL, NULL, NULL) == SQLITE_OK &&
             sqlite3_prepare_v2(db, "INSERT INTO migrate_args VALUES (?)", -1, &st, NULL) == SQLITE_OK &&
             sqlite3_bind_text(st, 1, default_region, -1, SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : ecs_server_err(err, "store: cannot prepare the migration: %s", sqlite3_errmsg(db));
}

int sqlite_schema_migrate(sqlite3 *db, const char *default_region, ecs_error_t *err)
{
    const int newest = (int)(sizeof migrations / sizeof migrations[0]);
    if (set_migrate_args(db, default_region, err) < 0)
        return -1;
    for (;;) {
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
            return ecs_server_err(err, "store: cannot begin migration: %s", sqlite3_errmsg(db));
        sqlite3_stmt *st = NULL;
        int version = -1;
        if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (version < 0 || version > newest) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return ecs_server_err(err, "store: schema version %d is unknown to this ecsd (newest %d)",
                                  version, newest);
        }
        if (version == newest)
            return sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK
                       ? 0
                       : ecs_server_err(err, "store: commit failed: %s", sqlite3_errmsg(db));
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", version + 1);
        if (sqlite3_exec(db, migrations[version], NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, bump, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            ecs_server_err(err, "store: migration %d failed: %s", version + 1, sqlite3_errmsg(db));
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
}
