/* Tests for model/cql.c: every subject and operator, precedence, lists,
 * patterns, dates, and the syntax errors with their positions. */
#include <string.h>

#include "common/cleanup.h"
#include "model/cql.h"
#include "test.h"

static const char *const groups_a[] = {"service:web", "family:batch"};

/* Instance A: zone a, t2.small, 3 running, agent 1.10.0, connected. */
static cql_instance_t inst_a(json_t *attrs)
{
    return (cql_instance_t){.attrs = attrs, .agent_connected = true, .agent_version = "1.10.0",
                            .ec2_instance_id = "i-aaaa1111", .registered_at_ms = 1529360908000LL, /* 2018-06-18T22:28:28Z */
                            .running_tasks = 3, .groups = groups_a, .n_groups = 2};
}

/* 1 true, 0 false, -1 refused. */
static int run(const char *expr, const cql_instance_t *in)
{
    cql_t *q = NULL;
    ecs_error_t err = {0};
    if (cql_parse(expr, "expression", &q, &err) < 0) {
        return -1;
    }
    int r = cql_eval(q, in) ? 1 : 0;
    cql_free(q);
    return r;
}

static json_t *attrs_a(void)
{
    return json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s}, {s:s, s:s}]", "name", "ecs.availability-zone", "value",
                     "us-east-1a", "name", "ecs.instance-type", "value", "t2.small", "name", "flag", "name", "weight",
                     "value", "10");
}

TEST(cql_subjects_and_operators)
{
    cleanup_json json_t *attrs = attrs_a();
    cql_instance_t a = inst_a(attrs);
    CHECK_INT(run("attribute:ecs.availability-zone == us-east-1a", &a), 1);
    CHECK_INT(run("attribute:ecs.availability-zone equals us-east-1b", &a), 0);
    CHECK_INT(run("attribute:ecs.availability-zone != us-east-1b", &a), 1);
    CHECK_INT(run("attribute:ecs.availability-zone in [us-east-1b, us-east-1a]", &a), 1);
    CHECK_INT(run("attribute:ecs.availability-zone !in [us-east-1b, 'us-east-1c']", &a), 1);
    CHECK_INT(run("attribute:ecs.availability-zone not_in [us-east-1a]", &a), 0);
    CHECK_INT(run("attribute:ecs.instance-type =~ t2.*", &a), 1);
    CHECK_INT(run("attribute:ecs.instance-type =~ t2", &a), 0); /* the whole value */
    CHECK_INT(run("attribute:ecs.instance-type !~ m5.*", &a), 1);
    CHECK_INT(run("attribute:ecs.instance-type matches 't2\\.(small|micro)'", &a), 1);
    CHECK_INT(run("attribute:ecs.instance-type =~ 't[0-9]{1,}\\.s[a-z]+'", &a), 1);
    CHECK_INT(run("attribute:flag exists", &a), 1);
    CHECK_INT(run("attribute:nope exists", &a), 0);
    CHECK_INT(run("attribute:nope !exists", &a), 1);
    CHECK_INT(run("attribute:nope == x", &a), 0);
    CHECK_INT(run("attribute:nope != x", &a), 1);
    CHECK_INT(run("attribute:weight > 9", &a), 1); /* numbers compare as numbers */
    CHECK_INT(run("attribute:weight <= 9", &a), 0);
    CHECK_INT(run("attribute:weight >= 10", &a), 1);
    CHECK_INT(run("agentConnected == true", &a), 1);
    CHECK_INT(run("agentConnected != true", &a), 0);
    CHECK_INT(run("agentVersion > 1.9.2", &a), 1); /* part by part */
    CHECK_INT(run("agentVersion < 1.10.1", &a), 1);
    CHECK_INT(run("agentVersion == 1.10.0", &a), 1);
    CHECK_INT(run("agentVersion greater_than_equal 2.0.0", &a), 0);
    CHECK_INT(run("ec2InstanceId in ['i-aaaa1111', 'i-bbbb2222']", &a), 1);
    CHECK_INT(run("ec2InstanceId =~ i-b.*", &a), 0);
    CHECK_INT(run("registeredAt < 2018-06-19", &a), 1);
    CHECK_INT(run("registeredAt >= 2018-06-18T22:28:28Z", &a), 1);
    CHECK_INT(run("registeredAt > 2018-06-18T22:28:28", &a), 0);
    CHECK_INT(run("registeredAt < 2018-06-18T23:28:28+01:00", &a), 0); /* the same instant */
    CHECK_INT(run("runningTasksCount == 3", &a), 1);
    CHECK_INT(run("runningTasksCount less_than 3", &a), 0);
    CHECK_INT(run("runningTasksCount >= 2", &a), 1);
    CHECK_INT(run("task:group == service:web", &a), 1);
    CHECK_INT(run("task:group != service:web", &a), 0); /* no task of that group */
    CHECK_INT(run("task:group == service:db", &a), 0);
    CHECK_INT(run("task:group =~ family:.*", &a), 1);
    CHECK_INT(run("task:group in [service:db, family:batch]", &a), 1);
    CHECK_INT(run("task:group exists", &a), 1);
    cql_instance_t empty = {0};
    CHECK_INT(run("task:group !exists", &empty), 1);
    CHECK_INT(run("agentVersion == 1.0.0", &empty), 0);
}

TEST(cql_compound_and_precedence)
{
    cleanup_json json_t *attrs = attrs_a();
    cql_instance_t a = inst_a(attrs);
    /* and binds tighter than or */
    CHECK_INT(run("runningTasksCount == 9 and runningTasksCount == 9 or agentConnected == true", &a), 1);
    CHECK_INT(run("runningTasksCount == 9 and (runningTasksCount == 9 or agentConnected == true)", &a), 0);
    CHECK_INT(run("agentConnected == true || runningTasksCount == 9 && runningTasksCount == 9", &a), 1);
    CHECK_INT(run("not(task:group == service:web)", &a), 0);
    CHECK_INT(run("!(task:group == service:db)", &a), 1);
    CHECK_INT(run("not not attribute:flag exists", &a), 1);
    CHECK_INT(run("attribute:ecs.availability-zone == us-east-1a and not attribute:ecs.instance-type =~ m.*", &a), 1);
    CHECK_INT(run("((attribute:flag exists))", &a), 1);
    CHECK_INT(run("  attribute:flag   exists  ", &a), 1);
}

static void check_error(int *test_failed_, const char *expr, const char *want)
{
    cql_t *q = NULL;
    ecs_error_t err = {0};
    CHECK(cql_parse(expr, "filter", &q, &err) < 0);
    CHECK(q == NULL);
    CHECK_STR(err.type, "InvalidParameterException");
    if (strstr(err.message, want) == NULL) {
        fprintf(stderr, "  '%s': message '%s' lacks '%s'\n", expr, err.message, want);
        *test_failed_ = 1;
    }
}

TEST(cql_errors_name_the_position)
{
    check_error(test_failed_, "", "position 1");
    check_error(test_failed_, "attribute:a", "position 12");
    check_error(test_failed_, "attribute:a == ", "expected an argument");
    check_error(test_failed_, "bogus == 1", "expected a subject");
    check_error(test_failed_, "attribute:a == 1 and", "position 21");
    check_error(test_failed_, "attribute:a == 1 attribute:b == 2", "position 18");
    check_error(test_failed_, "(attribute:a == 1", "expected ')'");
    check_error(test_failed_, "attribute:a in us-east-1a", "argument list");
    check_error(test_failed_, "attribute:a in [x, y", "expected ',' or ']'");
    check_error(test_failed_, "attribute:a == 'x", "closing quote");
    check_error(test_failed_, "attribute:a = x", "position 13");
    check_error(test_failed_, "attribute:a =~ '('", "regular expression");
    check_error(test_failed_, "attribute:a =~ 'x++++++++++++++++++++++++++++++++'", "fewer repetitions");
    check_error(test_failed_, "attribute:a =~ '((a{99}){99})'", "fewer repetitions");
    check_error(test_failed_, "attribute:a =~ 'a{3000,}'", "fewer repetitions");
    check_error(test_failed_, "attribute:a =~ 'x******+'", "fewer repetitions");
    check_error(test_failed_, "attribute:a =~ 'x{2}*'", "fewer repetitions");
    check_error(test_failed_, "runningTasksCount == many", "whole number");
    check_error(test_failed_, "runningTasksCount =~ 1", "not valid for this subject");
    check_error(test_failed_, "registeredAt > yesterday", "date");
    check_error(test_failed_, "agentConnected > true", "position 16");
    check_error(test_failed_, "attribute:a == 1 & attribute:b == 2", "'&&'");
    char deep[300];
    memset(deep, '(', 100);
    snprintf(deep + 100, sizeof deep - 100, "attribute:a exists");
    check_error(test_failed_, deep, "nested");
    char big[CQL_MAX_LEN + 20];
    memset(big, ' ', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "attribute:a exists", 18);
    check_error(test_failed_, big, "at most 2000 characters");
}

TEST(cql_needs_tasks)
{
    cql_t *q = NULL;
    ecs_error_t err = {0};
    REQUIRE(cql_parse("attribute:a exists", "e", &q, &err) == 0);
    CHECK_INT(cql_needs(q), 0);
    cql_free(q);
    REQUIRE(cql_parse("attribute:a exists or runningTasksCount > 1", "e", &q, &err) == 0);
    CHECK_INT(cql_needs(q), CQL_NEEDS_TASKS);
    cql_free(q);
    REQUIRE(cql_parse("not task:group == x", "e", &q, &err) == 0);
    CHECK_INT(cql_needs(q), CQL_NEEDS_TASKS);
    cql_free(q);
    REQUIRE(cql_parse("agentVersion > 1.0 and (ec2InstanceId == i-1 or registeredAt > 2020-01-01)", "e", &q, &err) == 0);
    CHECK_INT(cql_needs(q), CQL_NEEDS_RECORD);
    cql_free(q);
}
