/* pg_schema.h - the PostgreSQL schema and its migrations. */
#ifndef ECSD_STORE_PG_SCHEMA_H
#define ECSD_STORE_PG_SCHEMA_H

#include <libpq-fe.h>

#include "common/error.h"

/* Brings the database to the newest schema version, each step in its own
 * transaction under an advisory lock; the table ecsd_schema records where
 * it stands. */
int pg_schema_migrate(PGconn *db, ecs_error_t *err);

#endif
