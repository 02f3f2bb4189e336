/* pg_schema.c - the PostgreSQL schema and its migrations (pg_schema.h).
 *
 * The same table and indexes as SQLite's (sqlite_schema.c), so the same
 * queries serve both. Every text column has the "C" collation: keys,
 * families and cursors order by their bytes, as in SQLite, whatever the
 * database's locale, so listings and pages are identical on both backends.
 * The document stays text (jsonb would reorder its members).
 *
 * No counts table: SQLite's triggers keep one row per (kind, cluster,
 * status), which under SERIALIZABLE would make every two task writes in a
 * cluster collide; counts are counted from the (kind, account, cluster,
 * status) index instead.
 */
#include "store/pg_schema.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Taken for the whole migration, in its transaction: two servers starting
 * at once migrate one after the other, and the second finds nothing to do.
 * The number is arbitrary ("ecsd" in ASCII) and only ecsd uses it. */
#define MIGRATE_LOCK 0x65637364

/* Migrations in order; never edit one that has shipped, append a new one.
 * Version N is reached by applying migrations[N-1]. */
static const char *const migrations[] = {
    /* 1: one table of resources, as SQLite's migrations 1 to 3 left it. */
    "CREATE TABLE resources ("
    "  kind smallint NOT NULL, account text COLLATE \"C\" NOT NULL, key text COLLATE \"C\" NOT NULL,"
    "  cluster text COLLATE \"C\", status text COLLATE \"C\", desired text COLLATE \"C\","
    "  family text COLLATE \"C\", num bigint NOT NULL DEFAULT 0, started_by text COLLATE \"C\","
    "  service text COLLATE \"C\", instance text COLLATE \"C\", doc text NOT NULL,"
    "  version bigint NOT NULL DEFAULT 1, PRIMARY KEY (kind, account, key));"
    "CREATE INDEX resources_cluster ON resources (kind, account, cluster, status);"
    "CREATE INDEX resources_family ON resources (kind, account, family, num);"
    "CREATE INDEX resources_num ON resources (kind, account, num, key);"
    "CREATE INDEX resources_instance ON resources (kind, account, instance) WHERE instance IS NOT NULL;"
    "CREATE INDEX resources_service ON resources (kind, account, service) WHERE service IS NOT NULL;"
    "CREATE INDEX resources_started_by ON resources (kind, account, started_by) WHERE started_by IS NOT NULL;"
    "CREATE INDEX resources_desired ON resources (kind, account, cluster, desired, key);"
    "CREATE INDEX resources_status_num ON resources (kind, status, num);"
    "CREATE INDEX resources_service_tasks ON resources"
    " (kind, account, cluster, service, status, desired, num, key, started_by) WHERE service IS NOT NULL;",
    /* 2: the table every write transaction locks first, so that writers
     * of all servers run one at a time (store_pg.c, WRITER_LOCK). */
    "CREATE TABLE ecsd_writer ();",
};

static int fail(PGconn *db, PGresult *res, ecs_error_t *err, const char *what)
{
    ecs_server_err(err, "store: %s failed: %s", what, res ? PQresultErrorMessage(res) : PQerrorMessage(db));
    PQclear(res);
    PQclear(PQexec(db, "ROLLBACK"));
    return -1;
}

static bool ok(PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

int pg_schema_migrate(PGconn *db, ecs_error_t *err)
{
    const int newest = (int)(sizeof migrations / sizeof migrations[0]);
    char lock[96];
    snprintf(lock, sizeof lock, "SELECT pg_advisory_xact_lock(%d)", MIGRATE_LOCK);
    for (;;) {
        PGresult *res = PQexec(db, "BEGIN");
        if (!ok(res))
            return fail(db, res, err, "begin migration");
        PQclear(res);
        res = PQexec(db, lock);
        if (!ok(res))
            return fail(db, res, err, "migration lock");
        PQclear(res);
        res = PQexec(db, "CREATE TABLE IF NOT EXISTS ecsd_schema (version integer NOT NULL);"
                         "INSERT INTO ecsd_schema SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM ecsd_schema)");
        if (!ok(res))
            return fail(db, res, err, "schema version table");
        PQclear(res);
        res = PQexec(db, "SELECT version FROM ecsd_schema");
        if (!ok(res) || PQntuples(res) != 1)
            return fail(db, res, err, "reading the schema version");
        int version = atoi(PQgetvalue(res, 0, 0));
        PQclear(res);
        if (version < 0 || version > newest) {
            PQclear(PQexec(db, "ROLLBACK"));
            return ecs_server_err(err, "store: schema version %d is unknown to this ecsd (newest %d)", version,
                                  newest);
        }
        if (version == newest) {
            res = PQexec(db, "COMMIT");
            if (!ok(res))
                return fail(db, res, err, "commit");
            PQclear(res);
            return 0;
        }
        res = PQexec(db, migrations[version]);
        if (!ok(res)) {
            char what[32];
            snprintf(what, sizeof what, "migration %d", version + 1);
            return fail(db, res, err, what);
        }
        PQclear(res);
        char bump[64];
        snprintf(bump, sizeof bump, "UPDATE ecsd_schema SET version = %d", version + 1);
        res = PQexec(db, bump);
        if (!ok(res))
            return fail(db, res, err, "schema version update");
        PQclear(res);
        res = PQexec(db, "COMMIT");
        if (!ok(res) || strcmp(PQcmdStatus(res), "COMMIT") != 0)
            return fail(db, res, err, "commit of the migration");
        PQclear(res);
    }
}
