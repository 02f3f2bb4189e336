/* sqlite_schema.h - the SQLite schema and its migrations. */
#ifndef ECSD_STORE_SQLITE_SCHEMA_H
#define ECSD_STORE_SQLITE_SCHEMA_H

#include <sqlite3.h>

#include "common/error.h"

/* Brings the database to the newest schema version, each step in its own
 * transaction; PRAGMA user_version records where it stands. Rows stored
 * before regions existed are moved to default_region (store.h). */
int sqlite_schema_migrate(sqlite3 *db, const char *default_region, ecs_error_t *err);

#endif
