/* ids.h - random identifiers: UUIDs (task, container, instance ids,
 * request ids) from the kernel's CSPRNG. */
#ifndef ECSD_COMMON_IDS_H
#define ECSD_COMMON_IDS_H

#define IDS_UUID_LEN 36

/* Writes a lower-case version-4 UUID and a NUL into out[37]. */
void ids_uuid4(char out[IDS_UUID_LEN + 1]);

#endif
