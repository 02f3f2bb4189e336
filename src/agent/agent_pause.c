/* agent_pause.c - see agent_pause.h. */
#include "agent/agent_pause.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 512

bool agent_pause_supported(void)
{
#if defined(__x86_64__)
    return true;
#else
    return false;
#endif
}

/* One ustar header: name, mode, size, a regular file of root's. */
static void header(unsigned char h[BLOCK], const char *name, size_t size)
{
    memset(h, 0, BLOCK);
    snprintf((char *)h, 100, "%s", name);
    snprintf((char *)h + 100, 8, "%07o", 0755);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011zo", size);
    snprintf((char *)h + 136, 12, "%011o", 0);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8); /* the checksum counts its own field as spaces */
    unsigned sum = 0;
    for (size_t i = 0; i < BLOCK; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
}

int agent_pause_tar(unsigned char **tar, size_t *len)
{
    size_t data = (agent_pause_bin_len + BLOCK - 1) / BLOCK * BLOCK;
    *len = BLOCK + data + 2 * BLOCK; /* header, data, the two zero blocks of the end */
    *tar = calloc(1, *len);
    if (*tar == NULL)
        return -1;
    header(*tar, "pause", agent_pause_bin_len);
    memcpy(*tar + BLOCK, agent_pause_bin, agent_pause_bin_len);
    return 0;
}

int agent_pause_ensure(const agent_runtime_t *rt, ecs_error_t *err)
{
    if (!agent_pause_supported())
        return ecs_client_err(err, "the pause container's program is built for x86-64 only");
    if (rt->image_import == NULL)
        return ecs_server_err(err, "this runtime cannot import images");
    int present = rt->image_present(rt->impl, AGENT_PAUSE_IMAGE, err);
    if (present != 0)
        return present < 0 ? -1 : 0;
    unsigned char *tar = NULL;
    size_t len = 0;
    if (agent_pause_tar(&tar, &len) < 0)
        return ecs_server_err(err, "out of memory");
    int rc = rt->image_import(rt->impl, AGENT_PAUSE_REPO, AGENT_PAUSE_TAG, "CMD [\"/pause\"]", tar, len, err);
    free(tar);
    return rc;
}
