/* cleanup.h - scope-bound ownership (crun's idea): a variable declared with
 * one of these attributes is released when it goes out of scope. Ownership
 * that leaves the scope is moved with steal_pointer(), so it can be found
 * by grep.
 */
#ifndef ECSD_COMMON_CLEANUP_H
#define ECSD_COMMON_CLEANUP_H

#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p) { free(*(void **)p); }
static inline void cleanup_closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void cleanup_json_decrefp(json_t **j) { json_decref(*j); }

#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))
#define cleanup_json __attribute__((cleanup(cleanup_json_decrefp)))

/* Returns *pp and sets it to NULL: the owner changes, the cleanup does nothing. */
static inline void *steal_pointer_impl(void *pp)
{
    void **p = pp;
    void *v = *p;
    *p = NULL;
    return v;
}
#define steal_pointer(pp) ((__typeof__(*(pp)))steal_pointer_impl(pp))

#endif
