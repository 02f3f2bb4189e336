/* Unit tests of taskdef_normalize (api/taskdef_validate.c).
 *
 * Request texts are written with single quotes for readability; run()
 * turns them into double quotes before parsing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/validate.h"
#include "model/taskdef_validate.h"
#include "test.h"

/* Marks "out was not touched" in the failure checks. */
static json_t out_untouched_marker;
#define UNTOUCHED (&out_untouched_marker)

static json_t *parse(const char *text)
{
    char *s = strdup(text);
    if (s == NULL)
        abort();
    for (char *p = s; *p != '\0'; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t jerr;
    json_t *j = json_loads(s, JSON_ALLOW_NUL, &jerr);
    if (j == NULL) {
        fprintf(stderr, "test JSON does not parse: %s: %s\n", jerr.text, s);
        abort();
    }
    free(s);
    return j;
}

/* taskdef_normalize on a request text; *out is UNTOUCHED unless it succeeds. */
static int run(const char *text, json_t **out, ecs_error_t *err)
{
    json_t *in = parse(text);
    memset(err, 0, sizeof *err);
    *out = UNTOUCHED;
    api_strip_unknown("RegisterTaskDefinition", in); /* as the dispatcher does */
    int rc = taskdef_normalize(in, out, err);
    json_decref(in);
    return rc;
}

/* printf into one of two static buffers in turn (so one fmt() result can be
 * an argument of the next): builds request texts. */
__attribute__((format(printf, 1, 2))) static const char *fmt(const char *f, ...)
{
    static char bufs[2][20000];
    static int turn;
    char *buf = bufs[turn ^= 1];
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(buf, sizeof bufs[0], f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof bufs[0])
        abort();
    return buf;
}

/* A request with one container 'web' (busybox, 16 MiB) plus extra members. */
static const char *one(const char *extra)
{
    return fmt("{'family':'f','containerDefinitions':[{'name':'web','image':'busybox',"
               "'memory':16%s%s}]}",
               *extra ? "," : "", extra);
}

/* The request fails with ClientException/400 and exactly `msg`, out untouched. */
#define CHECK_REJECT(text, msg)                                                  \
    do {                                                                          \
        json_t *o_;                                                               \
        ecs_error_t e_;                                                           \
        int rc_ = run((text), &o_, &e_);                                          \
        CHECK_INT(rc_, -1);                                                       \
        CHECK(o_ == UNTOUCHED);                                                   \
        if (o_ != UNTOUCHED)                                                      \
            json_decref(o_);                                                      \
        CHECK_INT(e_.status, 400);                                                \
        CHECK_STR(e_.type, "ClientException");                                    \
        CHECK_STR(e_.message, (msg));                                             \
    } while (0)

/* The request is accepted. */
#define CHECK_ACCEPT(text)                                                       \
    do {                                                                          \
        json_t *o_;                                                               \
        ecs_error_t e_;                                                           \
        int rc_ = run((text), &o_, &e_);                                          \
        CHECK_INT(rc_, 0);                                                        \
        if (rc_ != 0)                                                             \
            fprintf(stderr, "  unexpected error: %s\n", e_.message);             \
        else                                                                      \
            json_decref(o_);                                                      \
    } while (0)

/* The request is accepted and normalised to exactly `expected`. */
#define CHECK_ECHO(text, expected)                                               \
    do {                                                                          \
        json_t *o_;                                                               \
        ecs_error_t e_;                                                           \
        int rc_ = run((text), &o_, &e_);                                          \
        CHECK_INT(rc_, 0);                                                        \
        if (rc_ != 0) {                                                           \
            fprintf(stderr, "  unexpected error: %s\n", e_.message);             \
        } else {                                                                  \
            json_t *x_ = parse(expected);                                         \
            /* the defaults of today's model, unless the case is about them */    \
            if (json_object_get(x_, "networkMode") == NULL)                       \
                json_object_set_new(x_, "networkMode", json_string("bridge"));    \
            if (json_object_get(x_, "compatibilities") == NULL)                   \
                json_object_set_new(x_, "compatibilities",                        \
                                    json_pack("[s,s]", "EC2", "EXTERNAL"));       \
            if (json_object_get(x_, "requiresAttributes") == NULL)                \
                json_object_set_new(x_, "requiresAttributes", json_array());      \
            CHECK(json_equal(o_, x_));                                            \
            if (!json_equal(o_, x_)) {                                            \
                char *d_ = json_dumps(o_, JSON_COMPACT);                          \
                fprintf(stderr, "  got %s\n", d_);                                \
                free(d_);                                                         \
            }                                                                     \
            json_decref(x_);                                                      \
            json_decref(o_);                                                      \
        }                                                                         \
    } while (0)

/* ---- normalised echo ---------------------------------------------------- */

TEST(taskdef_echo_multi_container)
{
    const char *req =
        "{'family':'web-app_2','unknownTop':1,"
        " 'volumes':[{'name':'data','host':{'sourcePath':'/srv/data','extra':1}},"
        "            {'name':'scratch'},"
        "            {'name':'tmp','host':{}}],"
        " 'containerDefinitions':["
        "  {'name':'db','image':'postgres:9.4','cpu':512,'memory':1024,'essential':true,"
        "   'portMappings':[{'containerPort':5432}],"
        "   'environment':[{'name':'PGDATA','value':'/var/lib/pg'},{'name':'EMPTY','value':''}],"
        "   'mountPoints':[{'sourceVolume':'data','containerPath':'/var/lib/pg','readOnly':false}],"
        "   'hostname':'dropped'},"
        "  {'name':'web','image':'registry.example.com:5000/team/web@sha256:abc#1',"
        "   'memory':256,"
        "   'links':['db:database'],"
        "   'portMappings':[{'containerPort':80,'hostPort':8080,'extra':true},"
        "                   {'containerPort':53,'hostPort':53,'protocol':'udp'},"
        "                   {'containerPort':53,'hostPort':53,'protocol':'tcp'},"
        "                   {'containerPort':9000,'hostPort':0}],"
        "   'mountPoints':[{'sourceVolume':'scratch','containerPath':'/scratch','readOnly':true}],"
        "   'entryPoint':['/bin/sh','-c'],'command':['exec web'],"
        "   'memoryReservation':128},"
        "  {'name':'sidecar','image':'busybox','memory':4,'essential':false,"
        "   'links':['web','db'],'command':[],"
        "   'volumesFrom':[{'sourceContainer':'web'},{'sourceContainer':'db','readOnly':true}]}"
        " ]}";
    const char *expected =
        "{'family':'web-app_2',"
        " 'volumes':[{'name':'data','host':{'sourcePath':'/srv/data'}},"
        "            {'name':'scratch'},"
        "            {'name':'tmp','host':{}}],"
        " 'containerDefinitions':["
        "  {'name':'db','image':'postgres:9.4','cpu':512,'memory':1024,'essential':true,"
        "   'portMappings':[{'containerPort':5432,'protocol':'tcp'}],"
        "   'environment':[{'name':'PGDATA','value':'/var/lib/pg'},{'name':'EMPTY','value':''}],"
        "   'mountPoints':[{'sourceVolume':'data','containerPath':'/var/lib/pg','readOnly':false}],"
        "   'volumesFrom':[],'hostname':'dropped'},"
        "  {'name':'web','image':'registry.example.com:5000/team/web@sha256:abc#1',"
        "   'cpu':0,'memory':256,'essential':true,'memoryReservation':128,"
        "   'links':['db:database'],"
        "   'portMappings':[{'containerPort':80,'hostPort':8080,'protocol':'tcp'},"
        "                   {'containerPort':53,'hostPort':53,'protocol':'udp'},"
        "                   {'containerPort':53,'hostPort':53,'protocol':'tcp'},"
        "                   {'containerPort':9000,'hostPort':0,'protocol':'tcp'}],"
        "   'environment':[],"
        "   'mountPoints':[{'sourceVolume':'scratch','containerPath':'/scratch','readOnly':true}],"
        "   'volumesFrom':[],"
        "   'entryPoint':['/bin/sh','-c'],'command':['exec web']},"
        "  {'name':'sidecar','image':'busybox','cpu':0,'memory':4,'essential':false,"
        "   'links':['web','db'],'command':[],"
        "   'portMappings':[],'environment':[],'mountPoints':[],"
        "   'volumesFrom':[{'sourceContainer':'web','readOnly':false},"
        "                  {'sourceContainer':'db','readOnly':true}]}"
        " ],"
        " 'requiresAttributes':[{'name':'com.amazonaws.ecs.capability.docker-remote-api.1.21'}]}";
    CHECK_ECHO(req, expected);
}

TEST(taskdef_echo_defaults)
{
    CHECK_ECHO("{'family':'sleep360','containerDefinitions':[{'name':'sleep','image':'busybox',"
               "'memory':10}]}",
               "{'family':'sleep360','volumes':[],'containerDefinitions':[{'name':'sleep',"
               "'image':'busybox','cpu':0,'memory':10,'essential':true,'portMappings':[],"
               "'environment':[],'mountPoints':[],'volumesFrom':[]}]}");
    /* JSON null counts as not given. */
    CHECK_ECHO("{'family':'f','volumes':null,'containerDefinitions':[{'name':'a','image':'i',"
               "'memory':10,'cpu':null,'essential':null,'links':null,'command':null,"
               "'portMappings':[{'containerPort':1,'hostPort':null,'protocol':null}],"
               "'environment':[{'name':'N','value':null}]}]}",
               "{'family':'f','volumes':[],'containerDefinitions':[{'name':'a','image':'i',"
               "'cpu':0,'memory':10,'essential':true,"
               "'portMappings':[{'containerPort':1,'protocol':'tcp'}],"
               "'environment':[{'name':'N'}],'mountPoints':[],'volumesFrom':[]}]}");
}

TEST(taskdef_echo_shares_nothing_with_request)
{
    json_t *in = parse("{'family':'f','containerDefinitions':[{'name':'a','image':'i',"
                       "'memory':10,'command':['x'],'links':[]},{'name':'b','image':'i',"
                       "'memory':10,'links':['a']}]}");
    json_t *out = NULL;
    ecs_error_t err;
    REQUIRE(taskdef_normalize(in, &out, &err) == 0);
    json_t *in_cmd = json_object_get(json_array_get(json_object_get(in, "containerDefinitions"), 0),
                                     "command");
    json_t *out_cmd = json_object_get(
        json_array_get(json_object_get(out, "containerDefinitions"), 0), "command");
    CHECK(out_cmd != NULL && out_cmd != in_cmd);
    CHECK(json_equal(out_cmd, in_cmd));
    CHECK_INT(in_cmd->refcount, 1);
    json_decref(in);
    CHECK_STR(json_string_value(json_array_get(out_cmd, 0)), "x");
    json_decref(out);
}

/* ---- family and container list ------------------------------------------ */

TEST(taskdef_family)
{
    CHECK_REJECT("{'containerDefinitions':[]}", "Family can not be blank.");
    CHECK_REJECT("{'family':'','containerDefinitions':[]}", "Family can not be blank.");
    CHECK_REJECT("{'family':null}", "Family can not be blank.");
    CHECK_REJECT("{'family':'a b'}", "Family contains invalid characters.");
    CHECK_REJECT("{'family':'a:1'}", "Family contains invalid characters.");
    CHECK_REJECT("{'family':'a\\u0000b'}", "Family contains invalid characters.");
    CHECK_REJECT("{'family':7}", "Family contains invalid characters.");
    char name[300];
    memset(name, 'x', 256);
    name[256] = '\0';
    CHECK_REJECT(fmt("{'family':'%s'}", name), "Family contains invalid characters.");
    name[255] = '\0';
    CHECK_ACCEPT(fmt("{'family':'%s','containerDefinitions':[{'name':'a','image':'i',"
                     "'memory':4}]}",
                     name));

    /* Not an object at all: nothing to read, nothing to crash on. */
    json_t *out = UNTOUCHED;
    ecs_error_t err;
    json_t *arr = json_array();
    CHECK_INT(taskdef_normalize(arr, &out, &err), -1);
    CHECK_STR(err.message, "Family can not be blank.");
    json_decref(arr);
    CHECK_INT(taskdef_normalize(NULL, &out, &err), -1);
    CHECK_STR(err.type, "ClientException");
    CHECK(out == UNTOUCHED);
}

TEST(taskdef_container_count)
{
    CHECK_REJECT("{'family':'f'}", "Container definitions can not be empty.");
    CHECK_REJECT("{'family':'f','containerDefinitions':[]}",
                 "Container definitions can not be empty.");
    CHECK_REJECT("{'family':'f','containerDefinitions':{}}",
                 "Invalid 'containerDefinitions' setting. It must be a list.");
    CHECK_REJECT("{'family':'f','containerDefinitions':[{'name':'a','image':'i','memory':4},7]}",
                 "Invalid 'containerDefinitions' setting. Container definition 2 is not an "
                 "object.");

    char defs[2000] = "";
    size_t used = 0;
    for (int i = 0; i < 11; i++) {
        used += (size_t)snprintf(defs + used, sizeof defs - used, "%s{'name':'c%d','image':'i','memory':4}",
                                 i ? "," : "", i);
        if (i == 9)
            CHECK_ACCEPT(fmt("{'family':'f','containerDefinitions':[%s]}", defs));
    }
    CHECK_REJECT(fmt("{'family':'f','containerDefinitions':[%s]}", defs),
                 "Too many containers (max 10).");
}

TEST(taskdef_size_limit)
{
    /* Pad an environment value so that the compact request is exactly N bytes. */
    const char *head = "{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":"
                       "\"i\",\"memory\":4,\"environment\":[{\"name\":\"P\",\"value\":\"";
    const char *tail = "\"}]}]}";
    size_t fixed = strlen(head) + strlen(tail);
    for (size_t total = TASKDEF_MAX_SIZE; total <= TASKDEF_MAX_SIZE + 1; total++) {
        char *buf = malloc(total + 1);
        REQUIRE(buf != NULL);
        memcpy(buf, head, strlen(head));
        memset(buf + strlen(head), 'v', total - fixed);
        memcpy(buf + strlen(head) + (total - fixed), tail, strlen(tail) + 1);
        json_t *in = json_loads(buf, 0, NULL);
        free(buf);
        REQUIRE(in != NULL);
        char *dumped = json_dumps(in, JSON_COMPACT);
        CHECK_INT(strlen(dumped), total);
        free(dumped);
        json_t *out = UNTOUCHED;
        ecs_error_t err;
        int rc = taskdef_normalize(in, &out, &err);
        if (total == TASKDEF_MAX_SIZE) {
            CHECK_INT(rc, 0);
            if (rc == 0)
                json_decref(out);
        } else {
            CHECK_INT(rc, -1);
            CHECK_STR(err.type, "ClientException");
            CHECK_STR(err.message,
                      "Task definition size of 65537 bytes exceeds the limit of 65536 bytes.");
        }
        json_decref(in);
    }
}

/* ---- container name, image, resources ------------------------------------- */

TEST(taskdef_container_name)
{
    const char *blank = "Container.name should not be null or empty.";
    const char *invalid = "Container.name contains invalid characters.";
    CHECK_REJECT("{'family':'f','containerDefinitions':[{'image':'i','memory':4}]}", blank);
    CHECK_REJECT("{'family':'f','containerDefinitions':[{'name':'','image':'i','memory':4}]}",
                 blank);
    CHECK_REJECT("{'family':'f','containerDefinitions':[{'name':'a.b','image':'i','memory':4}]}",
                 invalid);
    CHECK_REJECT("{'family':'f','containerDefinitions':[{'name':'a\\u0000','image':'i',"
                 "'memory':4}]}",
                 invalid);
    CHECK_REJECT("{'family':'f','containerDefinitions':[{'name':['a'],'image':'i','memory':4}]}",
                 invalid);
    CHECK_REJECT("{'family':'f','containerDefinitions':[{'name':'a','image':'i','memory':4},"
                 "{'name':'b','image':'i','memory':4},{'name':'a','image':'j','memory':4}]}",
                 "Duplicate container name: a");
}

TEST(taskdef_image)
{
    CHECK_REJECT("{'family':'f','containerDefinitions':[{'name':'web','memory':4}]}",
                 "Container.image should not be null or empty.");
    CHECK_REJECT(one("'image':''"), "Container.image should not be null or empty.");
    CHECK_REJECT(
        "{'family':'f','containerDefinitions':[{'name':'web','image':'bad image','memory':4}]}",
        "Invalid 'image' setting for container 'web'. Image 'bad image' contains invalid "
        "characters: letters, numbers, hyphens, underscores, colons, periods, forward slashes, "
        "number signs and at signs are allowed.");
    CHECK_REJECT(
        "{'family':'f','containerDefinitions':[{'name':'web','image':3,'memory':4}]}",
        "Invalid 'image' setting for container 'web'. Image '(not a string)' contains invalid "
        "characters: letters, numbers, hyphens, underscores, colons, periods, forward slashes, "
        "number signs and at signs are allowed.");
    char image[300];
    memset(image, 'a', 256);
    image[256] = '\0';
    CHECK_REJECT(fmt("{'family':'f','containerDefinitions':[{'name':'web','image':'%s',"
                     "'memory':4}]}",
                     image),
                 "Invalid 'image' setting for container 'web'. The image name must be at most 255 "
                 "characters.");
    image[255] = '\0';
    CHECK_ACCEPT(fmt("{'family':'f','containerDefinitions':[{'name':'web','image':'%s',"
                     "'memory':4}]}",
                     image));
    CHECK_ACCEPT("{'family':'f','containerDefinitions':[{'name':'web','image':"
                 "'Reg.io:443/A_b-c/d:1.0@sha256:ff#x','memory':4}]}");
}

TEST(taskdef_memory_and_cpu)
{
    CHECK_REJECT("{'family':'f','containerDefinitions':[{'name':'web','image':'i'}]}",
                 "Invalid setting for container 'web'. At least one of 'memory' or "
                 "'memoryReservation' must be specified.");
    /* a soft limit alone, or the task's own size, is enough (ECS) */
    CHECK_ACCEPT("{'family':'f','containerDefinitions':[{'name':'web','image':'i',"
                 "'memoryReservation':64}]}");
    CHECK_ACCEPT("{'family':'f','memory':'1 GB','containerDefinitions':[{'name':'web','image':'i'}]}");
    CHECK_REJECT("{'family':'f','containerDefinitions':[{'name':'web','image':'i','memory':3}]}",
                 "Invalid 'memory' setting for container 'web'. It must be at least 4 MiB, "
                 "Docker's minimum (got 3).");
    CHECK_REJECT("{'family':'f','containerDefinitions':[{'name':'web','image':'i','memory':-5}]}",
                 "Invalid 'memory' setting for container 'web'. It must be at least 4 MiB, "
                 "Docker's minimum (got -5).");
    CHECK_REJECT("{'family':'f','containerDefinitions':[{'name':'web','image':'i',"
                 "'memory':'512'}]}",
                 "Invalid 'memory' setting for container 'web'. It must be an integer number of "
                 "MiB.");
    CHECK_REJECT("{'family':'f','containerDefinitions':[{'name':'web','image':'i',"
                 "'memory':2147483648}]}",
                 "Invalid 'memory' setting for container 'web'. It must be at most 2147483647 MiB "
                 "(got 2147483648).");
    CHECK_ACCEPT("{'family':'f','containerDefinitions':[{'name':'web','image':'i','memory':4}]}");

    CHECK_REJECT(one("'cpu':-1"),
                 "Invalid 'cpu' setting for container 'web'. It must be an integer from 0 to "
                 "10240 (got -1).");
    CHECK_REJECT(one("'cpu':10241"),
                 "Invalid 'cpu' setting for container 'web'. It must be an integer from 0 to "
                 "10240 (got 10241).");
    CHECK_REJECT(one("'cpu':1.5"),
                 "Invalid 'cpu' setting for container 'web'. It must be an integer from 0 to "
                 "10240.");
    CHECK_ACCEPT(one("'cpu':10240"));
    CHECK_ACCEPT(one("'cpu':0"));
}

TEST(taskdef_essential)
{
    CHECK_REJECT(one("'essential':false"),
                 "Task definition must have at least one essential container.");
    CHECK_REJECT(one("'essential':'yes'"),
                 "Invalid 'essential' setting for container 'web'. It must be true or false.");
    CHECK_ACCEPT("{'family':'f','containerDefinitions':[{'name':'a','image':'i','memory':4,"
                 "'essential':false},{'name':'b','image':'i','memory':4}]}");
}

/* ---- port mappings -------------------------------------------------------- */

TEST(taskdef_port_mappings)
{
    CHECK_REJECT(one("'portMappings':[{'hostPort':80}]"),
                 "Invalid 'portMappings' setting for container 'web'. containerPort is "
                 "required.");
    CHECK_REJECT(one("'portMappings':[{'containerPort':0}]"),
                 "Invalid 'portMappings' setting for container 'web'. containerPort must be from "
                 "1 to 65535 (got 0).");
    CHECK_REJECT(one("'portMappings':[{'containerPort':65536}]"),
                 "Invalid 'portMappings' setting for container 'web'. containerPort must be from "
                 "1 to 65535 (got 65536).");
    CHECK_REJECT(one("'portMappings':[{'containerPort':'80'}]"),
                 "Invalid 'portMappings' setting for container 'web'. containerPort must be an "
                 "integer.");
    CHECK_REJECT(one("'portMappings':[{'containerPort':80,'hostPort':-1}]"),
                 "Invalid 'portMappings' setting for container 'web'. hostPort must be from 0 to "
                 "65535 (got -1).");
    CHECK_REJECT(one("'portMappings':[{'containerPort':80,'hostPort':65536}]"),
                 "Invalid 'portMappings' setting for container 'web'. hostPort must be from 0 to "
                 "65535 (got 65536).");
    CHECK_REJECT(one("'portMappings':[{'containerPort':80,'hostPort':true}]"),
                 "Invalid 'portMappings' setting for container 'web'. hostPort must be an "
                 "integer.");
    CHECK_REJECT(one("'portMappings':[{'containerPort':80,'protocol':'sctp'}]"),
                 "Invalid 'portMappings' setting for container 'web'. protocol must be tcp or udp "
                 "(got 'sctp').");
    CHECK_REJECT(one("'portMappings':[{'containerPort':80,'protocol':'TCP'}]"),
                 "Invalid 'portMappings' setting for container 'web'. protocol must be tcp or udp "
                 "(got 'TCP').");
    CHECK_REJECT(one("'portMappings':[80]"),
                 "Invalid 'portMappings' setting for container 'web'. It must be a list of port "
                 "mappings.");
    CHECK_REJECT(one("'portMappings':{'containerPort':80}"),
                 "Invalid 'portMappings' setting for container 'web'. It must be a list.");
    CHECK_ACCEPT(one("'portMappings':[{'containerPort':65535,'hostPort':65535}]"));
}

TEST(taskdef_host_port_clash)
{
    /* Within one container, and across containers (default protocol tcp). */
    CHECK_REJECT(one("'portMappings':[{'containerPort':80,'hostPort':8080},"
                     "{'containerPort':81,'hostPort':8080,'protocol':'tcp'}]"),
                 "Invalid 'portMappings' setting for container 'web'. Host port 8080/tcp is "
                 "mapped more than once in the task definition.");
    CHECK_REJECT("{'family':'f','containerDefinitions':["
                 "{'name':'a','image':'i','memory':4,'portMappings':[{'containerPort':53,"
                 "'hostPort':53,'protocol':'udp'}]},"
                 "{'name':'b','image':'i','memory':4,'portMappings':[{'containerPort':53,"
                 "'hostPort':53,'protocol':'udp'}]}]}",
                 "Invalid 'portMappings' setting for container 'b'. Host port 53/udp is mapped "
                 "more than once in the task definition.");
    /* Same port, other protocol; dynamic ports (0 or absent) never clash. */
    CHECK_ACCEPT("{'family':'f','containerDefinitions':["
                 "{'name':'a','image':'i','memory':4,'portMappings':[{'containerPort':53,"
                 "'hostPort':53,'protocol':'udp'},{'containerPort':80,'hostPort':0},"
                 "{'containerPort':80}]},"
                 "{'name':'b','image':'i','memory':4,'portMappings':[{'containerPort':53,"
                 "'hostPort':53},{'containerPort':80,'hostPort':0},{'containerPort':80}]}]}");
}

/* ---- links and start order ------------------------------------------------ */

static const char *two_linked(const char *a_links, const char *b_links)
{
    return fmt("{'family':'f','containerDefinitions':["
               "{'name':'a','image':'i','memory':4,'links':%s},"
               "{'name':'b','image':'i','memory':4,'links':%s}]}",
               a_links, b_links);
}

TEST(taskdef_links)
{
    CHECK_REJECT(two_linked("['c']", "[]"), "Invalid link 'c' in container 'a'.");
    CHECK_REJECT(two_linked("['a']", "[]"), "Invalid link 'a' in container 'a'.");
    CHECK_REJECT(two_linked("['b:al ias']", "[]"), "Invalid link 'b:al ias' in container 'a'.");
    CHECK_REJECT(two_linked("['b:']", "[]"), "Invalid link 'b:' in container 'a'.");
    CHECK_REJECT(two_linked("[':b']", "[]"), "Invalid link ':b' in container 'a'.");
    CHECK_REJECT(two_linked("['b:x:y']", "[]"), "Invalid link 'b:x:y' in container 'a'.");
    CHECK_REJECT(two_linked("['']", "[]"), "Invalid link '' in container 'a'.");
    CHECK_REJECT(two_linked("[]", "['a\\u0000']"), "Invalid link 'a' in container 'b'.");
    CHECK_REJECT(two_linked("[1]", "[]"),
                 "Invalid 'links' setting for container 'a'. It must be a list of strings.");
    CHECK_REJECT(two_linked("'b'", "[]"),
                 "Invalid 'links' setting for container 'a'. It must be a list of strings.");
    CHECK_ACCEPT(two_linked("['b:db-alias_1']", "[]"));
    CHECK_ACCEPT(two_linked("[]", "['a','a:x']"));
}

TEST(taskdef_dependency_cycles)
{
    CHECK_REJECT(two_linked("['b']", "['a']"), "Invalid link 'a' in container 'b'.");
    CHECK_REJECT("{'family':'f','containerDefinitions':["
                 "{'name':'a','image':'i','memory':4,'links':['b:x']},"
                 "{'name':'b','image':'i','memory':4,'links':['c']},"
                 "{'name':'c','image':'i','memory':4,'links':['a:first']}]}",
                 "Invalid link 'a:first' in container 'c'.");
    /* volumesFrom also orders the start: a cycle through it is refused. */
    CHECK_REJECT("{'family':'f','containerDefinitions':["
                 "{'name':'a','image':'i','memory':4,'links':['b']},"
                 "{'name':'b','image':'i','memory':4,'volumesFrom':[{'sourceContainer':'a'}]}]}",
                 "Invalid 'volumesFrom' setting for container 'b'. sourceContainer 'a' makes the "
                 "containers depend on each other in a cycle.");
    /* A diamond is not a cycle. */
    CHECK_ACCEPT("{'family':'f','containerDefinitions':["
                 "{'name':'a','image':'i','memory':4,'links':['b','c']},"
                 "{'name':'b','image':'i','memory':4,'links':['d']},"
                 "{'name':'c','image':'i','memory':4,'volumesFrom':[{'sourceContainer':'d'}]},"
                 "{'name':'d','image':'i','memory':4}]}");
}

static const char *a_mounts_from(const char *volumes_from)
{
    return fmt("{'family':'f','containerDefinitions':["
               "{'name':'a','image':'i','memory':4,'volumesFrom':[%s]},"
               "{'name':'b','image':'i','memory':4}]}",
               volumes_from);
}

TEST(taskdef_volumes_from)
{
    CHECK_REJECT(a_mounts_from("{'sourceContainer':'zz'}"),
                 "Invalid 'volumesFrom' setting for container 'a'. sourceContainer 'zz' is not "
                 "another container of this task definition.");
    CHECK_REJECT(a_mounts_from("{'sourceContainer':'a'}"),
                 "Invalid 'volumesFrom' setting for container 'a'. sourceContainer 'a' is not "
                 "another container of this task definition.");
    CHECK_REJECT(a_mounts_from("{'readOnly':true}"),
                 "Invalid 'volumesFrom' setting for container 'a'. sourceContainer should not be "
                 "null or empty.");
    CHECK_REJECT(a_mounts_from("{'sourceContainer':'b','readOnly':'no'}"),
                 "Invalid 'volumesFrom' setting for container 'a'. readOnly must be true or "
                 "false.");
    CHECK_REJECT(a_mounts_from("'b'"),
                 "Invalid 'volumesFrom' setting for container 'a'. It must be a list of objects.");
}

/* ---- volumes and mount points --------------------------------------------- */

static const char *with_volumes(const char *volumes, const char *mounts)
{
    return fmt("{'family':'f','volumes':%s,'containerDefinitions':[{'name':'web','image':'i',"
               "'memory':4,'mountPoints':%s}]}",
               volumes, mounts);
}

TEST(taskdef_volumes)
{
    CHECK_REJECT(with_volumes("[{'host':{'sourcePath':'/x'}}]", "[]"),
                 "Volume.name should not be null or empty.");
    CHECK_REJECT(with_volumes("[{'name':''}]", "[]"), "Volume.name should not be null or empty.");
    CHECK_REJECT(with_volumes("[{'name':'my vol'}]", "[]"),
                 "Invalid volume name 'my vol'. Up to 255 letters (uppercase and lowercase), "
                 "numbers, hyphens, and underscores are allowed.");
    CHECK_REJECT(with_volumes("[{'name':'v'},{'name':'w'},{'name':'v'}]", "[]"),
                 "Duplicate volume name: v");
    CHECK_REJECT(with_volumes("[{'name':'v','host':{'sourcePath':'relative/x'}}]", "[]"),
                 "Invalid 'host' setting for volume 'v'. sourcePath 'relative/x' must be an "
                 "absolute path of at most 4096 characters.");
    CHECK_REJECT(with_volumes("[{'name':'v','host':'/x'}]", "[]"),
                 "Invalid 'host' setting for volume 'v'. It must be an object.");
    CHECK_REJECT(with_volumes("{'name':'v'}", "[]"),
                 "Invalid 'volumes' setting. It must be a list of volumes.");
    CHECK_REJECT(with_volumes("['v']", "[]"),
                 "Invalid 'volumes' setting. Volume 1 is not an object.");

    char path[5000];
    path[0] = '/';
    memset(path + 1, 'p', 4096);
    path[4097] = '\0';
    json_t *o;
    ecs_error_t e;
    CHECK_INT(run(with_volumes(fmt("[{'name':'v','host':{'sourcePath':'%s'}}]", path), "[]"), &o,
                  &e),
              -1);
    CHECK(strncmp(e.message, "Invalid 'host' setting for volume 'v'. sourcePath '/ppp", 55) == 0);
    path[4096] = '\0';
    CHECK_ACCEPT(with_volumes(fmt("[{'name':'v','host':{'sourcePath':'%s'}}]", path), "[]"));

    /* An empty sourcePath means "Docker picks the path", echoed as given. */
    CHECK_ECHO(with_volumes("[{'name':'v','host':{'sourcePath':''}}]", "[]"),
               "{'family':'f','volumes':[{'name':'v','host':{'sourcePath':''}}],"
               "'containerDefinitions':[{'name':'web','image':'i','cpu':0,'memory':4,"
               "'essential':true,'portMappings':[],'environment':[],'mountPoints':[],"
               "'volumesFrom':[]}]}");
}

TEST(taskdef_mount_points)
{
    const char *vols = "[{'name':'data'}]";
    CHECK_REJECT(with_volumes(vols, "[{'sourceVolume':'logs','containerPath':'/l'}]"),
                 "Unknown volume 'logs' referenced by container 'web'.");
    CHECK_REJECT(with_volumes("[]", "[{'sourceVolume':'data','containerPath':'/l'}]"),
                 "Unknown volume 'data' referenced by container 'web'.");
    CHECK_REJECT(with_volumes(vols, "[{'containerPath':'/l'}]"),
                 "Invalid 'mountPoints' setting for container 'web'. sourceVolume should not be "
                 "null or empty.");
    CHECK_REJECT(with_volumes(vols, "[{'sourceVolume':'data'}]"),
                 "Invalid 'mountPoints' setting for container 'web'. containerPath should not be "
                 "null or empty.");
    CHECK_REJECT(with_volumes(vols, "[{'sourceVolume':'data','containerPath':'data'}]"),
                 "Invalid 'mountPoints' setting for container 'web'. containerPath 'data' must be "
                 "an absolute path of at most 4096 characters.");
    CHECK_REJECT(with_volumes(vols, "[{'sourceVolume':'data','containerPath':'/d',"
                                    "'readOnly':1}]"),
                 "Invalid 'mountPoints' setting for container 'web'. readOnly must be true or "
                 "false.");
    CHECK_REJECT(with_volumes(vols, "[[]]"),
                 "Invalid 'mountPoints' setting for container 'web'. It must be a list of mount "
                 "points.");
    CHECK_ECHO(with_volumes(vols, "[{'sourceVolume':'data','containerPath':'/d'}]"),
               "{'family':'f','volumes':[{'name':'data'}],"
               "'containerDefinitions':[{'name':'web','image':'i','cpu':0,'memory':4,"
               "'essential':true,'portMappings':[],'environment':[],"
               "'mountPoints':[{'sourceVolume':'data','containerPath':'/d','readOnly':false}],"
               "'volumesFrom':[]}]}");
}

/* ---- environment, entryPoint, command ------------------------------------- */

TEST(taskdef_environment)
{
    CHECK_REJECT(one("'environment':[{'value':'x'}]"),
                 "Invalid 'environment' setting for container 'web'. name should not be null or "
                 "empty.");
    CHECK_REJECT(one("'environment':[{'name':'','value':'x'}]"),
                 "Invalid 'environment' setting for container 'web'. name should not be null or "
                 "empty.");
    CHECK_REJECT(one("'environment':[{'name':5,'value':'x'}]"),
                 "Invalid 'environment' setting for container 'web'. name must be a string.");
    CHECK_REJECT(one("'environment':[{'name':'A','value':'1'},{'name':'B'},{'name':'A',"
                     "'value':'2'}]"),
                 "Invalid 'environment' setting for container 'web'. Duplicate environment "
                 "variable name: A");
    CHECK_REJECT(one("'environment':[{'name':'A','value':1}]"),
                 "Invalid 'environment' setting for container 'web'. The value of 'A' must be a "
                 "string.");
    CHECK_REJECT(one("'environment':['A=1']"),
                 "Invalid 'environment' setting for container 'web'. It must be a list of "
                 "name/value pairs.");
    /* Names differing only after an embedded NUL are different names. */
    CHECK_ACCEPT(one("'environment':[{'name':'A\\u0000x','value':'1'},{'name':'A\\u0000y'}]"));
}

TEST(taskdef_entry_point_and_command)
{
    CHECK_REJECT(one("'entryPoint':['sh',1]"),
                 "Invalid 'entryPoint' setting for container 'web'. It must be a list of "
                 "strings.");
    CHECK_REJECT(one("'command':'sleep 1'"),
                 "Invalid 'command' setting for container 'web'. It must be a list of strings.");
    CHECK_ECHO(one("'entryPoint':[],'command':['sleep','360']"),
               "{'family':'f','volumes':[],'containerDefinitions':[{'name':'web',"
               "'image':'busybox','cpu':0,'memory':16,'essential':true,'portMappings':[],"
               "'environment':[],'mountPoints':[],'volumesFrom':[],'entryPoint':[],"
               "'command':['sleep','360']}]}");
}

/* ---- order of the checks -------------------------------------------------- */

TEST(taskdef_first_fault_wins)
{
    /* Names of every container are checked before any other member. */
    CHECK_REJECT("{'family':'f','containerDefinitions':[{'name':'a','memory':4},"
                 "{'name':'a b','image':'i','memory':4}]}",
                 "Container.name contains invalid characters.");
    /* Volumes before containers. */
    CHECK_REJECT("{'family':'f','volumes':[{'name':'v v'}],'containerDefinitions':[{'name':'a'}]}",
                 "Invalid volume name 'v v'. Up to 255 letters (uppercase and lowercase), "
                 "numbers, hyphens, and underscores are allowed.");
    /* Family before containers. */
    CHECK_REJECT("{'family':'f f','containerDefinitions':[]}",
                 "Family contains invalid characters.");
}
