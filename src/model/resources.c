#include "model/resources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"

bool res_ports_has(const res_ports_t *s, uint16_t port)
{
    int lo = 0, hi = s->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (s->v[mid] == port)
            return true;
        if (s->v[mid] < port)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return false;
}

int res_ports_add(res_ports_t *s, uint16_t port)
{
    int i = 0;
    while (i < s->n && s->v[i] < port)
        i++;
    if (i < s->n && s->v[i] == port)
        return 0;
    if (s->n == RES_MAX_PORTS)
        return -1;
    memmove(&s->v[i + 1], &s->v[i], (size_t)(s->n - i) * sizeof s->v[0]);
    s->v[i] = port;
    s->n++;
    return 0;
}

void res_ports_remove(res_ports_t *s, uint16_t port)
{
    for (int i = 0; i < s->n; i++) {
        if (s->v[i] == port) {
            memmove(&s->v[i], &s->v[i + 1], (size_t)(s->n - i - 1) * sizeof s->v[0]);
            s->n--;
            return;
        }
    }
}

static int ports_from_strings(const json_t *set, const char *field, res_ports_t *out, ecs_error_t *err)
{
    size_t i;
    json_t *v;
    json_array_foreach(set, i, v) {
        const char *s = json_string_value(v);
        char *end;
        long p = s ? strtol(s, &end, 10) : -1;
        if (s == NULL || *s == '\0' || *end != '\0' || p < 0 || p > 65535)
            return ecs_invalid_param(err, "%s: '%.20s' is not a port number.", field, s ? s : "");
        if (res_ports_add(out, (uint16_t)p) < 0)
            return ecs_invalid_param(err, "%s: more than %d ports.", field, RES_MAX_PORTS);
    }
    return 0;
}

int res_from_resources(const json_t *list, const char *field, res_t *out, ecs_error_t *err)
{
    memset(out, 0, sizeof *out);
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r) {
        const char *name = json_string_value(json_object_get(r, "name"));
        json_t *iv = json_object_get(r, "integerValue");
        if (name == NULL)
            return ecs_invalid_param(err, "%s[%zu].name is required.", field, i);
        if (strcmp(name, "CPU") == 0 || strcmp(name, "MEMORY") == 0) {
            json_int_t v = json_integer_value(iv);
            if (!json_is_integer(iv) || v < 0)
                return ecs_invalid_param(err, "%s: %s needs a non-negative integerValue.", field, name);
            *(strcmp(name, "CPU") == 0 ? &out->cpu : &out->mem) = v;
        } else if (strcmp(name, "PORTS") == 0 || strcmp(name, "PORTS_UDP") == 0) {
            if (ports_from_strings(json_object_get(r, "stringSetValue"), field,
                                   strcmp(name, "PORTS") == 0 ? &out->tcp : &out->udp, err) < 0)
                return -1;
        }
    }
    return 0;
}

static json_t *resource(const char *name, const char *type, int64_t value, const res_ports_t *ports)
{
    json_t *r = json_pack("{s:s, s:s, s:f, s:I, s:I}", "name", name, "type", type, "doubleValue", 0.0,
                          "longValue", (json_int_t)0, "integerValue", (json_int_t)value);
    if (ports != NULL) {
        json_t *set = json_array();
        for (int i = 0; i < ports->n; i++) {
            char buf[8];
            snprintf(buf, sizeof buf, "%u", ports->v[i]);
            json_array_append_new(set, json_string(buf));
        }
        json_object_set_new(r, "stringSetValue", set);
    }
    return r;
}

json_t *res_to_resources(const res_t *r)
{
    return json_pack("[o, o, o, o]", resource("CPU", "INTEGER", r->cpu, NULL),
                     resource("MEMORY", "INTEGER", r->mem, NULL), resource("PORTS", "STRINGSET", 0, &r->tcp),
                     resource("PORTS_UDP", "STRINGSET", 0, &r->udp));
}

/* A task-level cpu or memory: a string ("256", "1 vCPU", "0.5GB") or, in
 * older documents, a number. 0 when absent or unreadable. */
static int64_t task_level(const json_t *v, int (*parse)(const char *, int64_t *))
{
    int64_t n = 0;
    if (json_is_integer(v))
        return json_integer_value(v) > 0 ? json_integer_value(v) : 0;
    return json_is_string(v) && parse(json_string_value(v), &n) == 0 ? n : 0;
}

void res_task_need(const json_t *taskdef, res_t *need)
{
    memset(need, 0, sizeof *need);
    const char *mode = json_string_value(json_object_get(taskdef, "networkMode"));
    bool host_mode = mode != NULL && strcmp(mode, "host") == 0;
    /* awsvpc: the task's ports are on its own address, not the host's */
    bool own_address = mode != NULL && strcmp(mode, "awsvpc") == 0;
    size_t i, j;
    json_t *c, *pm;
    json_array_foreach(json_object_get(taskdef, "containerDefinitions"), i, c) {
        need->cpu += json_integer_value(json_object_get(c, "cpu"));
        /* the soft limit is what is reserved when there is one */
        json_int_t soft = json_integer_value(json_object_get(c, "memoryReservation"));
        need->mem += soft > 0 ? soft : json_integer_value(json_object_get(c, "memory"));
        json_array_foreach(json_object_get(c, "portMappings"), j, pm) {
            json_int_t host = json_integer_value(json_object_get(pm, "hostPort"));
            const char *proto = json_string_value(json_object_get(pm, "protocol"));
            if (host <= 0 && host_mode) /* the container's port is the host's */
                host = json_integer_value(json_object_get(pm, "containerPort"));
            if (host > 0 && host <= 65535 && !own_address) /* 0 or absent: Docker chooses */
                res_ports_add(proto && strcmp(proto, "udp") == 0 ? &need->udp : &need->tcp, (uint16_t)host);
        }
    }
    /* task-level values, when set, are what the task reserves (ECS's rule) */
    int64_t cpu = task_level(json_object_get(taskdef, "cpu"), units_task_cpu);
    int64_t mem = task_level(json_object_get(taskdef, "memory"), units_task_memory);
    if (cpu > 0)
        need->cpu = cpu;
    if (mem > 0)
        need->mem = mem;
}

static bool ports_clash(const res_ports_t *used, const res_ports_t *want)
{
    for (int i = 0; i < want->n; i++)
        if (res_ports_has(used, want->v[i]))
            return true;
    return false;
}

const char *res_fit(const res_t *avail, const res_t *need)
{
    if (need->cpu > avail->cpu)
        return "RESOURCE:CPU";
    if (need->mem > avail->mem)
        return "RESOURCE:MEMORY";
    if (ports_clash(&avail->tcp, &need->tcp))
        return "RESOURCE:PORTS";
    if (ports_clash(&avail->udp, &need->udp))
        return "RESOURCE:PORTS_UDP";
    return NULL;
}

int res_reason_rank(const char *reason)
{
    static const char *const order[] = {"AGENT", "ATTRIBUTE", "MemberOf placement constraint unsatisfied.",
                                        "DistinctInstance placement constraint unsatisfied.", "RESOURCE:CPU", "RESOURCE:MEMORY", "RESOURCE:PORTS",
                                        "RESOURCE:PORTS_UDP"};
    for (int i = 0; i < (int)(sizeof order / sizeof order[0]); i++)
        if (strcmp(reason, order[i]) == 0)
            return i;
    return -1;
}

void res_reserve(res_t *avail, const res_t *need)
{
    avail->cpu -= need->cpu;
    avail->mem -= need->mem;
    for (int i = 0; i < need->tcp.n; i++)
        res_ports_add(&avail->tcp, need->tcp.v[i]);
    for (int i = 0; i < need->udp.n; i++)
        res_ports_add(&avail->udp, need->udp.v[i]);
}

void res_release(res_t *avail, const res_t *need)
{
    avail->cpu += need->cpu;
    avail->mem += need->mem;
    for (int i = 0; i < need->tcp.n; i++)
        res_ports_remove(&avail->tcp, need->tcp.v[i]);
    for (int i = 0; i < need->udp.n; i++)
        res_ports_remove(&avail->udp, need->udp.v[i]);
}

static json_t *ports_json(const res_ports_t *p)
{
    json_t *a = json_array();
    for (int i = 0; i < p->n; i++)
        json_array_append_new(a, json_integer(p->v[i]));
    return a;
}

json_t *res_to_json(const res_t *r)
{
    return json_pack("{s:I, s:I, s:o, s:o}", "cpu", (json_int_t)r->cpu, "mem", (json_int_t)r->mem, "tcp",
                     ports_json(&r->tcp), "udp", ports_json(&r->udp));
}

static void ports_from_json(const json_t *a, res_ports_t *p)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        json_int_t port = json_integer_value(v);
        if (port > 0 && port <= 65535)
            res_ports_add(p, (uint16_t)port);
    }
}

int res_from_json(const json_t *j, res_t *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(j))
        return -1;
    out->cpu = json_integer_value(json_object_get(j, "cpu"));
    out->mem = json_integer_value(json_object_get(j, "mem"));
    ports_from_json(json_object_get(j, "tcp"), &out->tcp);
    ports_from_json(json_object_get(j, "udp"), &out->udp);
    return 0;
}
