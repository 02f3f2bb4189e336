/* Tests for common/arn.c: building, parsing and comparing ECS ARNs. */
#include <stdlib.h>
#include <string.h>

#include "common/arn.h"
#include "model/instance.h"
#include "model/service.h"
#include "model/task.h"
#include "test.h"

/* A parsed part as a NUL-terminated copy, for CHECK_STR. */
static const char *part(char *buf, size_t size, const char *p, size_t len)
{
    if (len >= size)
        len = size - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return buf;
}

TEST(arn_build_cluster_and_task_definition)
{
    char *a = arn_build("us-east-1", "000000000000", "cluster", "web");
    CHECK_STR(a, "arn:aws:ecs:us-east-1:000000000000:cluster/web");
    free(a);
    a = arn_build("eu-west-3", "123456789012", "task-definition", "app:7");
    CHECK_STR(a, "arn:aws:ecs:eu-west-3:123456789012:task-definition/app:7");
    free(a);
    /* The path is kept as given, slashes included (newer service ARNs). */
    a = arn_build("us-east-1", "000000000000", "service", "web/api");
    CHECK_STR(a, "arn:aws:ecs:us-east-1:000000000000:service/web/api");
    free(a);
}

TEST(arn_parse_round_trip)
{
    char buf[128];
    char *a = arn_build("us-west-2", "123456789012", "task-definition", "fam_1-x:42");
    arn_parts_t p;
    REQUIRE(arn_parse(a, &p) == 0);
    CHECK_STR(part(buf, sizeof buf, p.region, p.region_len), "us-west-2");
    CHECK_STR(part(buf, sizeof buf, p.account, p.account_len), "123456789012");
    CHECK_STR(part(buf, sizeof buf, p.type, p.type_len), "task-definition");
    CHECK_STR(part(buf, sizeof buf, p.path, p.path_len), "fam_1-x:42");
    /* The parts point into the parsed text. */
    CHECK(p.region == a + strlen("arn:aws:ecs:"));
    CHECK(p.path + p.path_len == a + strlen(a));
    free(a);
}

TEST(arn_parse_path_keeps_slashes_and_colons)
{
    char buf[128];
    arn_parts_t p;
    REQUIRE(arn_parse("arn:aws:ecs:us-east-1:000000000000:service/web/api", &p) == 0);
    CHECK_STR(part(buf, sizeof buf, p.type, p.type_len), "service");
    CHECK_STR(part(buf, sizeof buf, p.path, p.path_len), "web/api");
    REQUIRE(arn_parse("arn:aws:ecs:us-east-1:000000000000:task/c/0123:abc", &p) == 0);
    CHECK_STR(part(buf, sizeof buf, p.type, p.type_len), "task");
    CHECK_STR(part(buf, sizeof buf, p.path, p.path_len), "c/0123:abc");
}

TEST(arn_parse_rejects_malformed)
{
    static const char *const bad[] = {
        "",
        "arn",
        "arn:",
        "arn:aws",
        "arn:aws:ecs",
        "arn:aws:ecs:",
        "arn:aws:ecs:us-east-1",
        "arn:aws:ecs:us-east-1:",
        "arn:aws:ecs:us-east-1:000000000000",
        "arn:aws:ecs:us-east-1:000000000000:",
        "arn:aws:ecs:us-east-1:000000000000:cluster",   /* no '/' */
        "arn:aws:ecs:us-east-1:000000000000:cluster/",  /* empty path */
        "arn:aws:ecs:us-east-1:000000000000:/web",      /* empty type */
        "arn:aws:ecs::000000000000:cluster/web",        /* empty region */
        "arn:aws:ecs:us-east-1::cluster/web",           /* empty account */
        "arn:aws:ecs:::cluster/web",
        "arn:aws:ec2:us-east-1:000000000000:cluster/web", /* other service */
        "arn:aws-cn:ecs:us-east-1:000000000000:cluster/web", /* other partition */
        "ARN:aws:ecs:us-east-1:000000000000:cluster/web",  /* case matters */
        " arn:aws:ecs:us-east-1:000000000000:cluster/web", /* leading blank */
        "arn:aws:ecs:us-east-1/000000000000/cluster/web",
        "web",
        "cluster/web",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        arn_parts_t p;
        if (arn_parse(bad[i], &p) != -1) {
            fprintf(stderr, "  accepted malformed ARN '%s'\n", bad[i]);
            CHECK(0);
        }
    }
}

TEST(arn_is_arn)
{
    CHECK(arn_is_arn("arn:aws:ecs:us-east-1:000000000000:cluster/web"));
    CHECK(arn_is_arn("arn:"));
    CHECK(arn_is_arn("arn:anything")); /* looks like one; arn_parse decides */
    CHECK(!arn_is_arn("web"));
    CHECK(!arn_is_arn(""));
    CHECK(!arn_is_arn("arn"));
    CHECK(!arn_is_arn("ARN:aws:ecs"));
    CHECK(!arn_is_arn("xarn:aws"));
}

TEST(arn_part_eq)
{
    const char *s = "clusterX";
    CHECK(arn_part_eq(s, 7, "cluster"));
    CHECK(!arn_part_eq(s, 7, "clusterX"));  /* longer string */
    CHECK(!arn_part_eq(s, 7, "cluste"));    /* shorter string */
    CHECK(!arn_part_eq(s, 7, "Cluster"));   /* case matters */
    CHECK(arn_part_eq(s, 0, ""));
    CHECK(!arn_part_eq(s, 0, "c"));
    arn_parts_t p;
    REQUIRE(arn_parse("arn:aws:ecs:us-east-1:000000000000:cluster/web", &p) == 0);
    CHECK(arn_part_eq(p.type, p.type_len, "cluster"));
    CHECK(!arn_part_eq(p.type, p.type_len, "task-definition"));
    CHECK(arn_part_eq(p.region, p.region_len, "us-east-1"));
    CHECK(!arn_part_eq(p.region, p.region_len, "us-east-12"));
    CHECK(arn_part_eq(p.account, p.account_len, "000000000000"));
    CHECK(arn_part_eq(p.path, p.path_len, "web"));
}

/* Both formats of task, container-instance and service ARNs name the same
 * thing (model/task.c, model/instance.c, model/service.c). */
TEST(arn_both_formats_on_input)
{
    model_ctx_t ctx = {.region = "us-east-1", .account = "123456789012"};
    ecs_error_t err;
    char id[TASK_ID_MAX + 1];
    const char *tasks[] = {"0123456789abcdef0123456789abcdef",
                           "arn:aws:ecs:us-east-1:123456789012:task/0123456789abcdef0123456789abcdef",
                           "arn:aws:ecs:us-east-1:123456789012:task/web/0123456789abcdef0123456789abcdef",
                           /* another cluster's or region's: the id, found nowhere by the caller */
                           "arn:aws:ecs:us-east-1:123456789012:task/db/0123456789abcdef0123456789abcdef",
                           "arn:aws:ecs:eu-west-1:123456789012:task/web/0123456789abcdef0123456789abcdef"};
    for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++) {
        CHECK(task_id_from_param(&ctx, "task", tasks[i], "web", id, &err) == 0);
        CHECK_STR(id, "0123456789abcdef0123456789abcdef");
    }
    CHECK(task_id_from_param(&ctx, "task", "arn:aws:ecs:us-east-1:123456789012:task/ffe3d344-77e2-476c-a4d0-bf560ad50acb",
                             "web", id, &err) == 0);
    CHECK_STR(id, "ffe3d344-77e2-476c-a4d0-bf560ad50acb");
    const char *bad[] = {"arn:aws:ecs:us-east-1:123456789012:service/web/x", "arn:aws:ecs:us-east-1:123456789012:task/a/b/c",
                         "not-hex!", "arn:aws:ecs:us-east-1:123456789012:task/web/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(task_id_from_param(&ctx, "tasks", bad[i], "web", id, &err) < 0);
        CHECK_STR(err.type, "InvalidParameterException");
        CHECK(strstr(err.message, "tasks") == err.message);
    }
    char iid[INSTANCE_ID_MAX + 1];
    CHECK(instance_id_from_param(&ctx, "containerInstance",
                                 "arn:aws:ecs:us-east-1:123456789012:container-instance/web/0123456789abcdef0123456789abcdef",
                                 "web", iid, &err) == 0);
    CHECK_STR(iid, "0123456789abcdef0123456789abcdef");
    CHECK(instance_id_from_param(&ctx, "containerInstance",
                                 "arn:aws:ecs:us-east-1:123456789012:container-instance/0123456789abcdef0123456789abcdef",
                                 "web", iid, &err) == 0);
    CHECK_STR(iid, "0123456789abcdef0123456789abcdef");
    char name[API_NAME_MAX + 1];
    CHECK_INT(service_name_from_param(&ctx, "service", "arn:aws:ecs:us-east-1:123456789012:service/web/api", "web",
                                      name, &err), 0);
    CHECK_STR(name, "api");
    CHECK_INT(service_name_from_param(&ctx, "service", "arn:aws:ecs:us-east-1:123456789012:service/api", "web",
                                      name, &err), 0);
    CHECK_STR(name, "api");
    CHECK_INT(service_name_from_param(&ctx, "service", "api", "web", name, &err), 0);
    /* another cluster's (long form), region's or account's: nothing here */
    CHECK_INT(service_name_from_param(&ctx, "service", "arn:aws:ecs:us-east-1:123456789012:service/db/api", "web",
                                      name, &err), 1);
    CHECK_INT(service_name_from_param(&ctx, "service", "arn:aws:ecs:eu-west-1:123456789012:service/web/api", "web",
                                      name, &err), 1);
    CHECK_INT(service_name_from_param(&ctx, "service", "arn:aws:ecs:us-east-1:210987654321:service/api", "web",
                                      name, &err), 1);
}
