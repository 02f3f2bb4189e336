/* json_write.h - compact JSON text of a jansson value, faster than
 * json_dumps for what ecsd writes on every request (answers, stored
 * documents): strings are copied in runs, not character by character.
 * Output equals json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(13)). */
#ifndef ECSD_COMMON_JSON_WRITE_H
#define ECSD_COMMON_JSON_WRITE_H

#include <jansson.h>
#include <stddef.h>

/* A new NUL-terminated string (free() it) and its length; NULL when out of
 * memory or j is NULL. */
char *json_write(const json_t *j, size_t *len);

#endif
