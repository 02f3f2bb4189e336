/* error.h - the one error type of ecsd: an ECS error, ready for the wire.
 *
 * Filled where a fault is found, rendered as {"__type","message"} in one
 * place (api/dispatch.c). Functions that can fail return -1 and fill it.
 */
#ifndef ECSD_COMMON_ERROR_H
#define ECSD_COMMON_ERROR_H

#include <stdarg.h>

#define ECS_ERROR_TYPE_MAX 64
#define ECS_ERROR_MESSAGE_MAX 1024

typedef struct ecs_error {
    int status;                       /* HTTP status: 400, or 500 for ServerException */
    char type[ECS_ERROR_TYPE_MAX];    /* bare exception name, e.g. "ClientException" */
    char message[ECS_ERROR_MESSAGE_MAX]; /* safe to show the client */
} ecs_error_t;

/* Fill err (if not NULL) and return -1, so callers can `return ecs_err(...)`. */
int ecs_err(ecs_error_t *err, int status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Shorthands for the exceptions used most. All return -1. */
#define ecs_client_err(err, ...) ecs_err((err), 400, "ClientException", __VA_ARGS__)
#define ecs_invalid_param(err, ...) ecs_err((err), 400, "InvalidParameterException", __VA_ARGS__)
#define ecs_server_err(err, ...) ecs_err((err), 500, "ServerException", __VA_ARGS__)

#endif
