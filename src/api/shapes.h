/* shapes.h - the input shapes of the ECS operations, as tables.
 *
 * The tables are generated from botocore's ECS model by
 * scripts/gen-shapes.py into api/shapes_gen.c; api/validate.c walks them.
 * A shape refers to others by index into api_shapes[]. All of it is
 * read-only data: no locking needed.
 */
#ifndef ECSD_API_SHAPES_H
#define ECSD_API_SHAPES_H

#include <stddef.h>
#include <stdint.h>

typedef enum api_shape_kind {
    API_SHAPE_STRUCTURE, /* JSON object; members api_members[first .. first+count) */
    API_SHAPE_LIST,      /* JSON array of `item` */
    API_SHAPE_MAP,       /* JSON object, keys of shape `key`, values of shape `item` */
    API_SHAPE_STRING,
    API_SHAPE_ENUM,      /* string, one of api_enum_values[first .. first+count) */
    API_SHAPE_INTEGER,   /* JSON integer in int32 range */
    API_SHAPE_LONG,      /* JSON integer */
    API_SHAPE_BOOLEAN,
    API_SHAPE_DOUBLE,    /* JSON number */
    API_SHAPE_TIMESTAMP, /* JSON number (epoch seconds) or string */
    API_SHAPE_DOCUMENT,  /* any JSON value */
} api_shape_kind_t;

typedef struct api_shape {
    const char *name;   /* botocore's shape name, e.g. "ContainerDefinition" */
    uint8_t kind;       /* api_shape_kind_t */
    uint16_t first;     /* structure: first member; enum: first value */
    uint16_t count;     /* structure: members (sorted by name); enum: values */
    uint16_t nrequired; /* structure: how many members are required */
    uint16_t item;      /* list: element shape; map: value shape */
    uint16_t key;       /* map: key shape */
} api_shape_t;

enum api_member_flags {
    API_MEMBER_REQUIRED = 1u << 0,    /* botocore "required" */
};

typedef struct api_member {
    const char *name;  /* wire name, e.g. "containerDefinitions" */
    uint16_t shape;    /* index into api_shapes */
    uint8_t flags;     /* api_member_flags */
} api_member_t;

typedef struct api_op_input {
    const char *op;    /* e.g. "RunTask" */
    uint16_t shape;    /* its input structure */
} api_op_input_t;

/* One service's tables, so one walker serves several models (ECS's here;
 * CloudWatch Logs' in api/logs_shapes_gen.c). */
typedef struct api_shape_table {
    const api_shape_t *shapes;
    const api_member_t *members;
    const char *const *enums;
    const api_op_input_t *ops; /* sorted by op */
    size_t n_ops;
} api_shape_table_t;

/* CloudWatch Logs' input shapes (api/logs_shapes_gen.c, scripts/gen-shapes.py --service logs). */
extern const api_shape_table_t api_logs_shapes;
/* Parameter Store's and Secrets Manager's (api/ssm_shapes_gen.c, api/secrets_shapes_gen.c). */
extern const api_shape_table_t api_ssm_shapes;
extern const api_shape_table_t api_secrets_shapes;

extern const api_shape_t api_shapes[];
extern const api_member_t api_members[];
extern const char *const api_enum_values[];
extern const api_op_input_t api_op_inputs[]; /* sorted by op */
extern const size_t api_op_inputs_count;
extern const size_t api_shapes_count;

#endif
