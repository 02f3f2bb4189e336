/* Tests for api/validate.c: the generic request check against the shapes. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "api/validate.h"
#include "test.h"

/* Parses json (single quotes stand for double quotes, for readability) and
 * validates it as a request of op. Returns api_validate_input's result, or
 * -2 if the test's JSON does not parse. */
static int check_json(const char *op, const char *json, ecs_error_t *err)
{
    char buf[8192];
    size_t n = strlen(json);
    if (n >= sizeof buf)
        return -2;
    for (size_t i = 0; i <= n; i++)
        buf[i] = json[i] == '\'' ? '"' : json[i];
    json_error_t jerr;
    json_t *in = json_loads(buf, 0, &jerr);
    if (in == NULL) {
        fprintf(stderr, "  bad test JSON: %s\n", jerr.text);
        return -2;
    }
    memset(err, 0, sizeof *err);
    int rc = api_validate_input(op, in, err);
    json_decref(in);
    return rc;
}

#define EXPECT_OK(op, json)                                                     \
    do {                                                                        \
        ecs_error_t e_;                                                         \
        int rc_ = check_json((op), (json), &e_);                                \
        if (rc_ != 0)                                                           \
            fprintf(stderr, "  unexpected: %s: %s\n", e_.type, e_.message);     \
        CHECK_INT(rc_, 0);                                                      \
    } while (0)

#define EXPECT_ERR(op, json, type_, message_)                                   \
    do {                                                                        \
        ecs_error_t e_;                                                         \
        CHECK_INT(check_json((op), (json), &e_), -1);                           \
        CHECK_INT(e_.status, 400);                                              \
        CHECK_STR(e_.type, (type_));                                            \
        CHECK_STR(e_.message, (message_));                                      \
    } while (0)

#define SER "SerializationException"
#define IPE "InvalidParameterException"

/* A minimal valid container definition, to embed. */
#define CDEF "{'name':'web','image':'nginx','memory':128}"

TEST(validate_valid_register_task_definition)
{
    EXPECT_OK("RegisterTaskDefinition",
              "{'family':'web','containerDefinitions':[{'name':'web','image':'nginx:1.9',"
              "'cpu':256,'memory':512,'links':['db:db'],"
              "'portMappings':[{'containerPort':80,'hostPort':8080,'protocol':'tcp'},"
              "{'containerPort':53,'protocol':'udp'}],"
              "'essential':true,'entryPoint':['/bin/sh','-c'],'command':['nginx','-g','daemon off;'],"
              "'environment':[{'name':'A','value':'1'}],"
              "'mountPoints':[{'sourceVolume':'data','containerPath':'/data','readOnly':false}],"
              "'volumesFrom':[{'sourceContainer':'db','readOnly':true}]},"
              "{'name':'db','image':'redis','memory':64,'essential':false}],"
              "'volumes':[{'name':'data','host':{'sourcePath':'/srv/data'}},{'name':'scratch'}]}");
}

TEST(validate_valid_run_task_and_start_task)
{
    EXPECT_OK("RunTask",
              "{'cluster':'default','taskDefinition':'web:1','count':2,'startedBy':'me',"
              "'overrides':{'containerOverrides':[{'name':'web','command':['echo','hi'],"
              "'environment':[{'name':'X','value':'y'}]}]}}");
    EXPECT_OK("StartTask",
              "{'taskDefinition':'web:1','containerInstances':['i-1','i-2'],"
              "'overrides':{'containerOverrides':[{'name':'web','environment':[]}]}}");
}

TEST(validate_valid_create_update_delete_service)
{
    EXPECT_OK("CreateService",
              "{'cluster':'c1','serviceName':'web','taskDefinition':'web:3','desiredCount':3,"
              "'clientToken':'tok','role':'ecsServiceRole',"
              "'loadBalancers':[{'loadBalancerName':'lb','containerName':'web','containerPort':80}],"
              "'deploymentConfiguration':{'maximumPercent':200,'minimumHealthyPercent':50}}");
    EXPECT_OK("UpdateService",
              "{'service':'web','desiredCount':0,'taskDefinition':'web:4',"
              "'deploymentConfiguration':{'maximumPercent':100,'minimumHealthyPercent':0}}");
    EXPECT_OK("DeleteService", "{'cluster':'c1','service':'web','force':true}");
}

TEST(validate_valid_agent_calls)
{
    EXPECT_OK("RegisterContainerInstance",
              "{'cluster':'default','instanceIdentityDocument':'{}',"
              "'instanceIdentityDocumentSignature':'','containerInstanceArn':'arn:x',"
              "'totalResources':[{'name':'CPU','type':'INTEGER','integerValue':2048},"
              "{'name':'MEMORY','type':'INTEGER','integerValue':3768},"
              "{'name':'PORTS','type':'STRINGSET','stringSetValue':['22','2375']},"
              "{'name':'X','type':'LONG','longValue':50000000000},"
              "{'name':'Y','type':'DOUBLE','doubleValue':1.5},{'name':'Z','type':'DOUBLE','doubleValue':2}],"
              "'versionInfo':{'agentVersion':'1.0.0','agentHash':'abc','dockerVersion':'1.6.0'}}");
    EXPECT_OK("SubmitContainerStateChange",
              "{'cluster':'default','task':'t','containerName':'web','status':'RUNNING',"
              "'exitCode':0,'reason':'','networkBindings':[{'bindIP':'0.0.0.0',"
              "'containerPort':80,'hostPort':32768,'protocol':'tcp'}]}");
    EXPECT_OK("SubmitTaskStateChange", "{'task':'t','status':'STOPPED','reason':'done'}");
    EXPECT_OK("DiscoverPollEndpoint", "{'containerInstance':'arn'}");
}

TEST(validate_empty_requests)
{
    EXPECT_OK("ListClusters", "{}");
    EXPECT_OK("DescribeClusters", "{}");
    EXPECT_OK("CreateCluster", "{}");
    EXPECT_OK("ListTaskDefinitions",
              "{'familyPrefix':'web','status':'INACTIVE','sort':'DESC','maxResults':10,'nextToken':'x'}");
    EXPECT_OK("ListTaskDefinitionFamilies", "{'status':'ALL'}");
    EXPECT_OK("ListTasks", "{'desiredStatus':'STOPPED','family':'web'}");
}

TEST(validate_type_errors_top_level)
{
    EXPECT_ERR("RunTask", "{'taskDefinition':'web','count':'3'}", SER,
               "Expected an integer for 'count', got a string.");
    EXPECT_ERR("RunTask", "{'taskDefinition':'web','count':1.5}", SER,
               "Expected an integer for 'count', got a floating-point number.");
    EXPECT_ERR("RunTask", "{'taskDefinition':'web','count':3000000000}", SER,
               "Expected an integer for 'count', got an integer outside the 32-bit range.");
    EXPECT_ERR("RunTask", "{'taskDefinition':5}", SER,
               "Expected a string for 'taskDefinition', got an integer.");
    EXPECT_ERR("DescribeClusters", "{'clusters':'default'}", SER,
               "Expected an array for 'clusters', got a string.");
    EXPECT_ERR("DeleteService", "{'service':'web','force':'true'}", SER,
               "Expected a boolean for 'force', got a string.");
    EXPECT_ERR("RunTask", "{'taskDefinition':'web','overrides':[]}", SER,
               "Expected an object for 'overrides', got an array.");
}

TEST(validate_type_errors_nested)
{
    EXPECT_ERR("RegisterTaskDefinition",
               "{'family':'f','containerDefinitions':[" CDEF ",{'name':'b','memory':'512'}]}", SER,
               "Expected an integer for 'containerDefinitions[1].memory', got a string.");
    EXPECT_ERR("RegisterTaskDefinition", "{'family':'f','containerDefinitions':{}}", SER,
               "Expected an array for 'containerDefinitions', got an object.");
    EXPECT_ERR("RegisterTaskDefinition",
               "{'family':'f','containerDefinitions':[{'name':'a','portMappings':[{'containerPort':80},"
               "{'containerPort':true}]}]}",
               SER,
               "Expected an integer for 'containerDefinitions[0].portMappings[1].containerPort', "
               "got a boolean.");
    EXPECT_ERR("RegisterTaskDefinition",
               "{'family':'f','containerDefinitions':[{'name':'a','command':['x',7]}]}", SER,
               "Expected a string for 'containerDefinitions[0].command[1]', got an integer.");
    EXPECT_ERR("RegisterTaskDefinition", "{'family':'f','containerDefinitions':[null]}", SER,
               "Expected an object for 'containerDefinitions[0]', got null.");
    EXPECT_ERR("RunTask",
               "{'taskDefinition':'t','overrides':{'containerOverrides':[{'name':'a',"
               "'environment':[{'name':'A','value':1}]}]}}",
               SER,
               "Expected a string for 'overrides.containerOverrides[0].environment[0].value', "
               "got an integer.");
    EXPECT_ERR("RegisterContainerInstance", "{'totalResources':[{'name':'CPU','doubleValue':'1'}]}",
               SER, "Expected a number for 'totalResources[0].doubleValue', got a string.");
    EXPECT_ERR("RegisterContainerInstance", "{'totalResources':[{'name':'CPU','longValue':1.0}]}",
               SER,
               "Expected an integer for 'totalResources[0].longValue', got a floating-point number.");
}

TEST(validate_body_not_object)
{
    EXPECT_ERR("ListClusters", "[]", SER, "Expected an object for the request body, got an array.");
    ecs_error_t e;
    CHECK_INT(api_validate_input("ListClusters", NULL, &e), -1);
    CHECK_STR(e.type, SER);
}

TEST(validate_required_missing)
{
    EXPECT_ERR("RegisterTaskDefinition", "{'containerDefinitions':[" CDEF "]}", IPE,
               "Missing required parameter 'family'.");
    EXPECT_ERR("RegisterTaskDefinition", "{'family':null,'containerDefinitions':[" CDEF "]}", IPE,
               "Missing required parameter 'family'.");
    EXPECT_ERR("RegisterTaskDefinition", "{'family':'f'}", IPE,
               "Missing required parameter 'containerDefinitions'.");
    EXPECT_ERR("StartTask", "{'taskDefinition':'t'}", IPE,
               "Missing required parameter 'containerInstances'.");
    EXPECT_ERR("DescribeTasks", "{}", IPE, "Missing required parameter 'tasks'.");
    /* A type error anywhere wins over a missing member. */
    EXPECT_ERR("RegisterTaskDefinition", "{'containerDefinitions':[{'cpu':'x'}]}", SER,
               "Expected an integer for 'containerDefinitions[0].cpu', got a string.");
}

TEST(validate_enum)
{
    EXPECT_ERR("ListTasks", "{'desiredStatus':'running'}", IPE,
               "Invalid value 'running' for 'desiredStatus'; allowed values: RUNNING, PENDING, "
               "STOPPED.");
    EXPECT_ERR("RegisterTaskDefinition",
               "{'family':'f','containerDefinitions':[{'name':'a','portMappings':"
               "[{'containerPort':1,'protocol':'sctp'}]}]}",
               IPE,
               "Invalid value 'sctp' for 'containerDefinitions[0].portMappings[0].protocol'; "
               "allowed values: tcp, udp.");
    EXPECT_ERR("ListTaskDefinitions", "{'sort':5}", SER, "Expected a string for 'sort', got an integer.");
    /* A long bad value is cut in the message. */
    char json[400];
    snprintf(json, sizeof json, "{'sort':'%0200d'}", 0);
    ecs_error_t e;
    CHECK_INT(check_json("ListTaskDefinitions", json, &e), -1);
    CHECK_STR(e.type, IPE);
    CHECK(strlen(e.message) < 160);
    CHECK(strstr(e.message, "...' for 'sort'") != NULL);
}

TEST(validate_unknown_members_ignored)
{
    EXPECT_OK("RegisterTaskDefinition",
              "{'family':'f','fooBar':[1,{'x':2}],'containerDefinitions':[{'name':'a','zzz':'q',"
              "'memory':4,'portMappings':[{'containerPort':1,'unknownThing':true}]}]}");
    EXPECT_OK("ListClusters", "{'include':['X'],'futureMember':{'a':{'b':[[[[[[1]]]]]]}}}");
    /* A member whose name only starts like a known one is unknown. */
    EXPECT_OK("RunTask", "{'taskDefinition':'t','countX':'x','coun':'y'}");
}

TEST(validate_newer_members_checked_and_accepted)
{
    /* Every member of today's model is accepted ... */
    EXPECT_OK("RunTask", "{'taskDefinition':'t','launchType':'FARGATE','overrides':{'cpu':'256'}}");
    EXPECT_OK("RegisterTaskDefinition",
              "{'family':'f','networkMode':'host','tags':[{'key':'a','value':'b'}],'containerDefinitions':["
              CDEF ",{'name':'b','image':'i','memory':1,'privileged':true,"
              "'logConfiguration':{'logDriver':'json-file'}}]}");
    EXPECT_OK("CreateService",
              "{'serviceName':'s','deploymentConfiguration':{'maximumPercent':200,"
              "'deploymentCircuitBreaker':{'enable':true,'rollback':false}}}");
    EXPECT_OK("DescribeClusters", "{'include':['TAGS']}");
    /* ... and checked like the old ones: types, enums, required members inside them. */
    EXPECT_ERR("RunTask", "{'taskDefinition':'t','launchType':5}", SER,
               "Expected a string for 'launchType', got an integer.");
    EXPECT_ERR("RegisterTaskDefinition",
               "{'family':'f','containerDefinitions':[{'name':'a','dockerLabels':{'k':1}}]}", SER,
               "Expected a string for 'containerDefinitions[0].dockerLabels.k', got an integer.");
    EXPECT_ERR("RegisterTaskDefinition",
               "{'family':'f','containerDefinitions':[{'name':'a','logConfiguration':"
               "{'logDriver':'nope'}}]}",
               IPE,
               "Invalid value 'nope' for 'containerDefinitions[0].logConfiguration.logDriver'; allowed "
               "values: json-file, syslog, journald, gelf, fluentd, awslogs, splunk, awsfirelens.");
    EXPECT_ERR("RegisterTaskDefinition",
               "{'family':'f','containerDefinitions':[{'name':'a','logConfiguration':{}}]}", IPE,
               "Missing required parameter 'containerDefinitions[0].logConfiguration.logDriver'.");
    EXPECT_ERR("CreateService", "{'serviceName':'s','deploymentController':{'whatever':1}}", IPE,
               "Missing required parameter 'deploymentController.type'.");
    EXPECT_ERR("DescribeClusters", "{'include':['NOPE']}", IPE,
               "Invalid value 'NOPE' for 'include[0]'; allowed values: ATTACHMENTS, CONFIGURATIONS, "
               "SETTINGS, STATISTICS, TAGS.");
}

TEST(validate_fault_precedence)
{
    /* required > enum, whatever the order in the document. */
    EXPECT_ERR("RunTask", "{'launchType':'NOPE'}", IPE, "Missing required parameter 'taskDefinition'.");
    EXPECT_ERR("RegisterTaskDefinition",
               "{'family':'f','containerDefinitions':[{'name':'a','portMappings':[{'protocol':'x'}]},"
               "{'name':'b','portMappings':[{'protocol':'y'}]}]}",
               IPE,
               "Invalid value 'x' for 'containerDefinitions[0].portMappings[0].protocol'; allowed "
               "values: tcp, udp.");
}

TEST(validate_long_path_is_cut)
{
    char key[600];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    char json[1024];
    snprintf(json, sizeof json,
             "{'family':'f','containerDefinitions':[{'name':'a','dockerLabels':{'%s':1}}]}", key);
    ecs_error_t e;
    CHECK_INT(check_json("RegisterTaskDefinition", json, &e), -1);
    CHECK_STR(e.type, SER);
    CHECK(strstr(e.message, "Expected a string for 'containerDefinitions[0].dockerLabels.kkk") ==
          e.message);
    CHECK(strstr(e.message, "kkk...', got an integer.") != NULL);
}

TEST(validate_unknown_operation)
{
    ecs_error_t e;
    CHECK_INT(check_json("NoSuchOperation", "{'name':5}", &e), 0);
    /* every operation of the model has its shape, served or not yet */
    CHECK_INT(check_json("PutAccountSetting", "{'name':5}", &e), -1);
    CHECK_STR(e.type, SER);
}

TEST(validate_embedded_nul_key_is_unknown)
{
    json_t *in = json_pack("{s:s}", "taskDefinition", "t");
    json_object_setn_new(in, "count\0x", 7, json_string("not an int"));
    ecs_error_t e;
    CHECK_INT(api_validate_input("RunTask", in, &e), 0);
    json_decref(in);
}
