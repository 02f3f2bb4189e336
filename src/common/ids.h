/* ids.h - random identifiers from the kernel's CSPRNG: UUIDs (container
 * ids, request ids, the ids of resources in ECS's short ARN format) and
 * the 32-hex-digit ids of today's long ARN format (tasks, container
 * instances). */
#ifndef ECSD_COMMON_IDS_H
#define ECSD_COMMON_IDS_H

#include <stdbool.h>
#include <stddef.h>

#define IDS_UUID_LEN 36
#define IDS_HEX32_LEN 32

/* Writes a lower-case version-4 UUID and a NUL into out[37]. */
void ids_uuid4(char out[IDS_UUID_LEN + 1]);
/* Writes 32 lower-case hex digits (128 random bits, no hyphens) and a NUL
 * into out[33], e.g. "d6f51cc5bbc94a47969c92035e9f66f8". */
void ids_hex32(char out[IDS_HEX32_LEN + 1]);
/* True when s[0..n) is 32 hex digits: an id of the long ARN format. */
bool ids_is_hex32(const char *s, size_t n);

#endif
