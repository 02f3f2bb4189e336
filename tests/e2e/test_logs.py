"""CloudWatch Logs on ecsd's endpoint (issue 14, part 1), driven with boto3's
`logs` client and the aws CLI's `aws logs` commands: every served operation,
its limits and its errors, tokens and paging, filter patterns, retention
enforced by the janitor, tags by name and by ARN, (account, region) scopes,
and the calls `aws logs tail` (CLI v2) makes, with and without --follow.
"""
import json
import os
import subprocess
import time

import boto3
import botocore.config

from harness import (ACCOUNT, KEY_ID, KEY_ID2, REGION, SECRET, SECRET2, expect_error, own_server, sign_headers,
                     unique)

GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"


def logs(server, region=REGION, key=(KEY_ID, SECRET), validate=True):
    """A boto3 `logs` client; validate=False sends what botocore would refuse, so the server's checks show."""
    return boto3.client("logs", endpoint_url=server.endpoint, region_name=region, aws_access_key_id=key[0],
                        aws_secret_access_key=key[1],
                        config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"},
                                                      parameter_validation=validate))


def now_ms():
    return int(time.time() * 1000)


def cli(server, *args, check=True):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION=REGION,
               AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
    p = subprocess.run(["aws", "--endpoint-url", server.endpoint, "--output", "json", "logs"] + list(args),
                       capture_output=True, text=True, env=env, timeout=60)
    if not check:
        return p
    assert p.returncode == 0, f"aws logs {' '.join(args)} failed: {p.stderr}"
    return json.loads(p.stdout) if p.stdout.strip() else {}


def group_with_stream(c, prefix="g"):
    g, s = unique("/ecs/" + prefix), "app/web/" + unique("t")
    c.create_log_group(logGroupName=g)
    c.create_log_stream(logGroupName=g, logStreamName=s)
    return g, s


def put(c, g, s, messages, t0=None, step=1):
    t0 = now_ms() - 1000 if t0 is None else t0
    return c.put_log_events(logGroupName=g, logStreamName=s,
                            logEvents=[{"timestamp": t0 + i * step, "message": m} for i, m in enumerate(messages)])


# ---- groups ----

def test_log_groups_create_describe_delete(server):
    c = logs(server)
    base = unique("/ecs/grp")
    for i in range(3):
        c.create_log_group(logGroupName=f"{base}/{i}", **({"tags": {"team": "a"}} if i == 0 else {}))
    expect_error(lambda: c.create_log_group(logGroupName=f"{base}/0"), "ResourceAlreadyExistsException",
                 "already exists")
    got = c.describe_log_groups(logGroupNamePrefix=base)["logGroups"]
    assert [x["logGroupName"] for x in got] == [f"{base}/{i}" for i in range(3)]
    g0 = got[0]
    assert g0["arn"] == GROUP_ARN + f"{base}/0:*" and g0["logGroupArn"] == GROUP_ARN + f"{base}/0"
    assert g0["storedBytes"] == 0 and g0["metricFilterCount"] == 0 and g0["logGroupClass"] == "STANDARD"
    assert "retentionInDays" not in g0 and abs(g0["creationTime"] - now_ms()) < 60000
    # paging, one at a time
    seen, token = [], None
    while True:
        kw = {"nextToken": token} if token else {}
        page = c.describe_log_groups(logGroupNamePrefix=base, limit=1, **kw)
        seen += [x["logGroupName"] for x in page["logGroups"]]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == [f"{base}/{i}" for i in range(3)]
    # a pattern matches anywhere, case-insensitively
    tail = base.split("-")[-1].upper()
    assert len(c.describe_log_groups(logGroupNamePattern=tail)["logGroups"]) == 3
    assert [x["logGroupName"] for x in c.describe_log_groups(logGroupIdentifiers=[f"{base}/1", GROUP_ARN + f"{base}/2"])
            ["logGroups"]] == [f"{base}/1", f"{base}/2"]
    expect_error(lambda: c.describe_log_groups(logGroupNamePrefix=base, logGroupNamePattern="x"),
                 "InvalidParameterException", "mutually exclusive")
    expect_error(lambda: c.describe_log_groups(limit=51), "InvalidParameterException", "limit")
    expect_error(lambda: c.describe_log_groups(nextToken="nonsense"), "InvalidParameterException", "nextToken")
    c.delete_log_group(logGroupName=f"{base}/1")
    expect_error(lambda: c.delete_log_group(logGroupName=f"{base}/1"), "ResourceNotFoundException",
                 "The specified log group does not exist.")
    assert len(c.describe_log_groups(logGroupNamePrefix=base)["logGroups"]) == 2


def test_log_group_names_and_members_checked(server):
    c = logs(server, validate=False)
    for bad in ["has space", "colon:x", "x" * 513, "star*"]:
        expect_error(lambda: c.create_log_group(logGroupName=bad), "InvalidParameterException", "logGroupName")
    expect_error(lambda: c.create_log_group(logGroupName=unique("/x"), logGroupClass="CHEAP"),
                 "InvalidParameterException", "logGroupClass")
    expect_error(lambda: c.create_log_group(logGroupName=unique("/x"), tags={"aws:reserved": "1"}),
                 "InvalidParameterException", "aws:")
    expect_error(lambda: c.create_log_group(logGroupName=unique("/x"), tags={f"k{i}": "v" for i in range(51)}),
                 "InvalidParameterException")
    # a wrong JSON type is the front end's SerializationException
    status, _, body = raw_logs(server, "CreateLogGroup", {"logGroupName": 5})
    assert status == 400 and body["__type"] == "SerializationException", body
    # class, kms key and deletion protection are kept and shown
    g = unique("/ecs/keep")
    c.create_log_group(logGroupName=g, logGroupClass="INFREQUENT_ACCESS", kmsKeyId="arn:aws:kms:us-east-1:1:key/k",
                       deletionProtectionEnabled=True)
    d = c.describe_log_groups(logGroupNamePrefix=g)["logGroups"][0]
    assert d["logGroupClass"] == "INFREQUENT_ACCESS" and d["kmsKeyId"].endswith("key/k")
    assert d["deletionProtectionEnabled"] is True
    assert c.describe_log_groups(logGroupNamePrefix=g, logGroupClass="STANDARD")["logGroups"] == []
    expect_error(lambda: c.delete_log_group(logGroupName=g), "ValidationException", "deletion protection")
    assert c.describe_log_groups(logGroupNamePrefix=g)["logGroups"], "a refused delete changes nothing"


# ---- streams ----

def test_log_streams(server):
    c = logs(server, validate=False)
    g = unique("/ecs/streams")
    expect_error(lambda: c.create_log_stream(logGroupName=g, logStreamName="a"), "ResourceNotFoundException",
                 "log group does not exist")
    c.create_log_group(logGroupName=g)
    for name in ["b/1", "a/2", "a/1"]:
        c.create_log_stream(logGroupName=g, logStreamName=name)
    expect_error(lambda: c.create_log_stream(logGroupName=g, logStreamName="a/1"), "ResourceAlreadyExistsException",
                 "log stream already exists")
    for bad in ["x:y", "x*", ""]:
        expect_error(lambda: c.create_log_stream(logGroupName=g, logStreamName=bad), "InvalidParameterException")
    t = now_ms()
    put(c, g, "b/1", ["old"], t - 5000)
    put(c, g, "a/1", ["new"], t - 1000)
    names = lambda **kw: [x["logStreamName"] for x in c.describe_log_streams(logGroupName=g, **kw)["logStreams"]]
    assert names() == ["a/1", "a/2", "b/1"]
    assert names(descending=True) == ["b/1", "a/2", "a/1"]
    assert names(logStreamNamePrefix="a/") == ["a/1", "a/2"]
    assert names(orderBy="LastEventTime", descending=True)[:2] == ["a/1", "b/1"]
    expect_error(lambda: c.describe_log_streams(logGroupName=g, orderBy="LastEventTime", logStreamNamePrefix="a"),
                 "InvalidParameterException", "LastEventTime")
    expect_error(lambda: c.describe_log_streams(logGroupName=g, logGroupIdentifier=g), "InvalidParameterException",
                 "mutually exclusive")
    assert names(limit=1) == ["a/1"]
    page = c.describe_log_streams(logGroupIdentifier=GROUP_ARN + g, limit=2)
    assert len(page["logStreams"]) == 2 and page["nextToken"]
    rest = c.describe_log_streams(logGroupName=g, limit=2, nextToken=page["nextToken"])
    assert [x["logStreamName"] for x in rest["logStreams"]] == ["b/1"] and "nextToken" not in rest
    a1 = c.describe_log_streams(logGroupName=g, logStreamNamePrefix="a/1")["logStreams"][0]
    assert a1["firstEventTimestamp"] == a1["lastEventTimestamp"] == t - 1000 and a1["storedBytes"] == 3
    assert a1["arn"] == GROUP_ARN + g + ":log-stream:a/1"
    assert "firstEventTimestamp" not in c.describe_log_streams(logGroupName=g, logStreamNamePrefix="a/2")[
        "logStreams"][0]
    c.delete_log_stream(logGroupName=g, logStreamName="a/1")
    expect_error(lambda: c.delete_log_stream(logGroupName=g, logStreamName="a/1"), "ResourceNotFoundException",
                 "log stream does not exist")
    assert c.describe_log_groups(logGroupNamePrefix=g)["logGroups"][0]["storedBytes"] == 3  # "old" is left
    expect_error(lambda: c.describe_log_streams(logGroupName=g + "-none"), "ResourceNotFoundException")


# ---- PutLogEvents ----

def test_put_log_events_limits(server):
    c = logs(server, validate=False)
    g, s = group_with_stream(c, "put")
    t = now_ms()
    ev = lambda ts, m="x": {"timestamp": ts, "message": m}
    expect_error(lambda: c.put_log_events(logGroupName=g, logStreamName=s, logEvents=[ev(t), ev(t - 1)]),
                 "InvalidParameterException", "chronological order")
    expect_error(lambda: c.put_log_events(logGroupName=g, logStreamName=s,
                                          logEvents=[ev(t - 25 * 3600 * 1000), ev(t)]),
                 "InvalidParameterException", "span more than 24 hours")
    expect_error(lambda: c.put_log_events(logGroupName=g, logStreamName=s, logEvents=[ev(t)] * 10001),
                 "InvalidParameterException", "logEvents")
    # 1,048,576 bytes counted as UTF-8 bytes plus 26 an event: exactly the bound passes, one more fails
    one = 1048576 // 4 - 26
    c.put_log_events(logGroupName=g, logStreamName=s, logEvents=[ev(t, "a" * one)] * 4)
    expect_error(lambda: c.put_log_events(logGroupName=g, logStreamName=s,
                                          logEvents=[ev(t, "a" * one)] * 3 + [ev(t, "a" * (one + 1))]),
                 "InvalidParameterException", "Upload too large")
    multi = "é" * (one // 2)  # two bytes each in UTF-8
    expect_error(lambda: c.put_log_events(logGroupName=g, logStreamName=s,
                                          logEvents=[ev(t, multi + "é")] + [ev(t, "a" * one)] * 3),
                 "InvalidParameterException", "Upload too large")
    expect_error(lambda: c.put_log_events(logGroupName=g, logStreamName=s, logEvents=[ev(t, "a" * 1048576)]),
                 "InvalidParameterException", "Log event too large")
    expect_error(lambda: c.put_log_events(logGroupName=g, logStreamName=s, logEvents=[ev(t, "")]),
                 "InvalidParameterException", "message")
    status, _, body = raw_logs(server, "PutLogEvents", {"logGroupName": g, "logStreamName": s,
                                                        "logEvents": [{"message": "no time"}]})
    assert status == 400 and body["__type"] == "InvalidParameterException" and "timestamp" in body["message"], body
    expect_error(lambda: c.put_log_events(logGroupName=g, logStreamName="absent", logEvents=[ev(t)]),
                 "ResourceNotFoundException", "log stream does not exist")
    expect_error(lambda: c.put_log_events(logGroupName=g + "-x", logStreamName=s, logEvents=[ev(t)]),
                 "ResourceNotFoundException", "log group does not exist")
    stored = c.describe_log_streams(logGroupName=g)["logStreams"][0]["storedBytes"]
    assert stored == 4 * one, "only the accepted batch is stored"


def test_put_log_events_rejects_too_new_too_old_expired(server):
    c = logs(server)
    g, s = group_with_stream(c, "rej")
    t = now_ms()
    day = 86400 * 1000
    evs = [{"timestamp": t - 15 * day, "message": "too old"}, {"timestamp": t - 15 * day + 1, "message": "old 2"},
           {"timestamp": t - 1000, "message": "kept"}, {"timestamp": t + 3 * 3600 * 1000, "message": "too new"}]
    r = c.put_log_events(logGroupName=g, logStreamName=s, logEvents=evs)
    # (the kept events span 24 h at most: the rejected ones are not counted)
    assert r["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 2, "tooNewLogEventStartIndex": 3}, r
    got = c.get_log_events(logGroupName=g, logStreamName=s, startFromHead=True)["events"]
    assert [e["message"] for e in got] == ["kept"]
    c.put_retention_policy(logGroupName=g, retentionInDays=1)
    r = c.put_log_events(logGroupName=g, logStreamName=s,
                         logEvents=[{"timestamp": t - 2 * day, "message": "expired"},
                                    {"timestamp": t, "message": "fresh"}])
    assert r["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 1}, r
    assert r["nextSequenceToken"]
    got = c.get_log_events(logGroupName=g, logStreamName=s, startFromHead=True)["events"]
    assert [e["message"] for e in got] == ["kept", "fresh"]


# ---- GetLogEvents ----

def test_get_log_events_tokens(server):
    c = logs(server, validate=False)
    g, s = group_with_stream(c, "get")
    t0 = now_ms() - 100000
    put(c, g, s, [f"m{i}" for i in range(25)], t0, step=10)
    msgs = lambda r: [e["message"] for e in r["events"]]
    latest = c.get_log_events(logGroupName=g, logStreamName=s, limit=5)
    assert msgs(latest) == [f"m{i}" for i in range(20, 25)], "without a token: the latest, oldest first"
    head = c.get_log_events(logGroupName=g, logStreamName=s, limit=5, startFromHead=True)
    assert msgs(head) == [f"m{i}" for i in range(5)]
    nxt = c.get_log_events(logGroupName=g, logStreamName=s, limit=5, nextToken=head["nextForwardToken"])
    assert msgs(nxt) == [f"m{i}" for i in range(5, 10)]
    back = c.get_log_events(logGroupName=g, logStreamName=s, limit=5, nextToken=latest["nextBackwardToken"])
    assert msgs(back) == [f"m{i}" for i in range(15, 20)]
    # reading forward to the end: the same token comes back, then new events show up with it
    tok, seen = head["nextForwardToken"], msgs(head)
    for _ in range(10):
        r = c.get_log_events(logGroupName=g, logStreamName=s, limit=7, nextToken=tok)
        seen += msgs(r)
        if r["nextForwardToken"] == tok:
            break
        tok = r["nextForwardToken"]
    assert seen == [f"m{i}" for i in range(25)]
    put(c, g, s, ["late"], t0 + 1000)
    assert msgs(c.get_log_events(logGroupName=g, logStreamName=s, nextToken=tok)) == ["late"]
    # time range: startTime inclusive, endTime exclusive
    r = c.get_log_events(logGroupName=g, logStreamName=s, startTime=t0 + 20, endTime=t0 + 50, startFromHead=True)
    assert msgs(r) == ["m2", "m3", "m4"]
    # the boto3 paginator-free loop of an empty stream ends at once, and its forward token sees new events
    c.create_log_stream(logGroupName=g, logStreamName="empty")
    e = c.get_log_events(logGroupName=g, logStreamName="empty")
    assert e["events"] == [] and e["nextForwardToken"]
    put(c, g, "empty", ["first"])
    assert msgs(c.get_log_events(logGroupName=g, logStreamName="empty", nextToken=e["nextForwardToken"])) == ["first"]
    expect_error(lambda: c.get_log_events(logGroupName=g, logStreamName=s, nextToken="f/x"),
                 "InvalidParameterException", "nextToken")
    expect_error(lambda: c.get_log_events(logGroupName=g, logStreamName=s, limit=10001), "InvalidParameterException")
    expect_error(lambda: c.get_log_events(logGroupName=g, logStreamName="nope"), "ResourceNotFoundException")
    expect_error(lambda: c.get_log_events(logStreamName=s), "InvalidParameterException", "LogGroup")
    # "late" (t0 + 1000) is the newest; the group named by its ARN, with or without ":*"
    assert msgs(c.get_log_events(logGroupIdentifier=GROUP_ARN + g + ":*", logStreamName=s, limit=1)) == ["late"]
    assert msgs(c.get_log_events(logGroupIdentifier=GROUP_ARN + g, logStreamName=s, limit=2)) == ["m24", "late"]


def test_get_log_events_keeps_bytes(server):
    c = logs(server)
    g, s = group_with_stream(c, "bytes")
    odd = ["tab\tand \"quotes\" and \\", "ünïcødé ✓ 😀", "nul\u0000inside", "line\nbreak"]
    put(c, g, s, odd)
    got = c.get_log_events(logGroupName=g, logStreamName=s, startFromHead=True)["events"]
    assert [e["message"] for e in got] == odd
    assert c.describe_log_streams(logGroupName=g)["logStreams"][0]["storedBytes"] == sum(
        len(m.encode()) for m in odd)


# ---- FilterLogEvents ----

def test_filter_log_events_patterns(server):
    c = logs(server, validate=False)
    g = unique("/ecs/filter")
    c.create_log_group(logGroupName=g)
    for s in ["web/a", "web/b", "db/a"]:
        c.create_log_stream(logGroupName=g, logStreamName=s)
    t = now_ms() - 10000
    put(c, g, "web/a", ["ERROR disk full", "INFO all good", '{"level": "error", "latency": 250, "ok": false}'], t)
    put(c, g, "web/b", ["WARN slow request", '{"level": "info", "latency": 20, "user": {"id": "u-17"}}'], t + 100)
    put(c, g, "db/a", ["ERROR connection lost here", '{"level": "error", "tags": ["a", "b"], "ok": true}'], t + 200)

    def f(pattern=None, **kw):
        if pattern is not None:
            kw["filterPattern"] = pattern
        return [e["message"] for e in c.filter_log_events(logGroupName=g, **kw)["events"]]

    assert len(f()) == 7 and len(f("")) == 7
    assert f("ERROR") == ["ERROR disk full", "ERROR connection lost here"]
    assert f("ERROR lost") == ["ERROR connection lost here"]
    assert f('"connection lost"') == ["ERROR connection lost here"]
    assert f('"lost connection"') == []
    assert f("?WARN ?INFO") == ["INFO all good", "WARN slow request"]
    assert f("ERROR -disk") == ["ERROR connection lost here"]
    assert f("error") == [m for m in f() if "error" in m], "terms are case-sensitive"
    assert f('{ $.level = "error" }') == [f()[2], f()[6]]
    assert f('{ $.level = "err*" }') == [f()[2], f()[6]]
    assert f('{ $.level != "error" }') == [f()[4]]
    assert f("{ $.latency > 100 }") == [f()[2]]
    assert f("{ $.latency <= 20 }") == [f()[4]]
    assert f('{ ($.level = "error") && ($.latency > 100) }') == [f()[2]]
    assert f('{ $.latency > 100 || $.user.id = "u-17" }') == [f()[2], f()[4]]
    assert f("{ $.ok IS TRUE }") == [f()[6]]
    assert f("{ $.ok IS FALSE }") == [f()[2]]
    assert f("{ $.user NOT EXISTS }") == [f()[2], f()[6]]
    assert f("{ $.user.id EXISTS }") == [f()[4]]
    assert f('{ $.tags[1] = "b" }') == [f()[6]]
    for bad in ['{ $.level = "x"', "{ level = 1 }", '"open', "{ $.a > x }", "[ip, user]", "%regex%"]:
        expect_error(lambda: c.filter_log_events(logGroupName=g, filterPattern=bad), "InvalidParameterException",
                     "filter pattern")
    assert f(logStreamNames=["web/b"]) == ["WARN slow request", f()[4]]
    assert f("ERROR", logStreamNamePrefix="db/") == ["ERROR connection lost here"]
    expect_error(lambda: c.filter_log_events(logGroupName=g, logStreamNames=["a"], logStreamNamePrefix="a"),
                 "InvalidParameterException", "mutually exclusive")
    # times: both ends inclusive
    assert f(startTime=t + 100, endTime=t + 200) == ["WARN slow request", f()[4], "ERROR connection lost here"]
    assert f(startTime=t + 101, endTime=t + 101) == [f()[4]]
    # ids are stable and unique; streams are named
    ev = c.filter_log_events(logGroupName=g)["events"]
    assert len({e["eventId"] for e in ev}) == 7 and ev[0]["logStreamName"] == "web/a"
    assert ev == c.filter_log_events(logGroupIdentifier=GROUP_ARN + g, interleaved=True)["events"]
    # paging: limit then nextToken, through the boto3 paginator
    pages = list(c.get_paginator("filter_log_events").paginate(logGroupName=g, limit=2))
    assert [e["message"] for p in pages for e in p["events"]] == f() and len(pages) == 4
    expect_error(lambda: c.filter_log_events(logGroupName=g, nextToken="zz"), "InvalidParameterException")
    expect_error(lambda: c.filter_log_events(logGroupName=g + "-none"), "ResourceNotFoundException")


def test_aws_logs_tail_calls(server):
    """`aws logs tail GROUP [--since 1h] [--filter-pattern P] [--follow]` is
    CLI v2's (the CLI installed here is v1, which has no `tail`): it calls
    only FilterLogEvents(logGroupName, interleaved=True, startTime, ...)
    through its paginator, and with --follow repeats the call every 5 s
    with startTime = the newest timestamp seen, dropping eventIds it has
    seen at that timestamp (awscli/customizations/logs/tail.py). The same
    calls, made here the way tail.py makes them."""
    c = logs(server)
    g, s = group_with_stream(c, "tail")
    t = now_ms() - 5000
    put(c, g, s, ["one", "two", "three"], t)
    kwargs = {"logGroupName": g, "interleaved": True, "startTime": now_ms() - 3600 * 1000}
    no_follow = [e["message"] for p in c.get_paginator("filter_log_events").paginate(**kwargs) for e in p["events"]]
    assert no_follow == ["one", "two", "three"]
    # --follow: poll, keep the ids of the newest timestamp seen, poll again from it
    seen_at, shown = {}, []

    def poll():
        nonlocal seen_at
        r = c.filter_log_events(**kwargs)
        for e in r["events"]:
            if e["eventId"] not in seen_at.get(e["timestamp"], set()):
                seen_at.setdefault(e["timestamp"], set()).add(e["eventId"])
                shown.append(e["message"])
        assert "nextToken" not in r
        newest = max(seen_at)
        seen_at = {newest: seen_at[newest]}
        kwargs["startTime"] = newest

    poll()
    put(c, g, s, ["four", "five"], t + 2)  # "four" has the newest timestamp seen, "five" comes after
    poll()
    poll()
    assert shown == ["one", "two", "three", "four", "five"], shown


# ---- retention ----

def test_retention_policy_values(server):
    c = logs(server, validate=False)
    g = unique("/ecs/ret")
    c.create_log_group(logGroupName=g)
    for bad in [0, 2, 4000, -1]:
        expect_error(lambda: c.put_retention_policy(logGroupName=g, retentionInDays=bad), "InvalidParameterException",
                     "retentionInDays")
    c.put_retention_policy(logGroupName=g, retentionInDays=14)
    assert c.describe_log_groups(logGroupNamePrefix=g)["logGroups"][0]["retentionInDays"] == 14
    c.delete_retention_policy(logGroupName=g)
    assert "retentionInDays" not in c.describe_log_groups(logGroupNamePrefix=g)["logGroups"][0]
    expect_error(lambda: c.put_retention_policy(logGroupName=g + "x", retentionInDays=1), "ResourceNotFoundException")
    expect_error(lambda: c.delete_retention_policy(logGroupName=g + "x"), "ResourceNotFoundException")


def test_retention_enforced_by_janitor(server):
    with own_server(extra_args=["--logs-sweep-interval", "1"]) as own:
        c = logs(own)
        g, s = group_with_stream(c, "janitor")
        day = 86400 * 1000
        t = now_ms()
        put(c, g, s, ["three days old", "two days old"], t - 3 * day, step=day)
        put(c, g, s, ["today"], t - 1000)
        c.put_retention_policy(logGroupName=g, retentionInDays=1)
        deadline = time.time() + 15
        msgs = []
        while time.time() < deadline:
            msgs = [e["message"] for e in c.get_log_events(logGroupName=g, logStreamName=s, startFromHead=True)
                    ["events"]]
            if msgs == ["today"]:
                break
            time.sleep(0.3)
        assert msgs == ["today"], msgs
        grp = c.describe_log_groups(logGroupNamePrefix=g)["logGroups"][0]
        assert grp["storedBytes"] == len("today"), grp


def test_store_bound_drops_oldest(server):
    with own_server(extra_args=["--logs-sweep-interval", "1", "--logs-max-mb", "1"]) as own:
        c = logs(own)
        g, s = group_with_stream(c, "bound")
        line = "x" * 1000
        for batch in range(3):  # 3 x 600 KB > 1 MiB
            put(c, g, s, [f"{batch}:{i}:" + line for i in range(600)])
        deadline, total = time.time() + 15, None
        while time.time() < deadline:
            total = c.describe_log_groups(logGroupNamePrefix=g)["logGroups"][0]["storedBytes"]
            if total <= 1024 * 1024:
                break
            time.sleep(0.3)
        assert total <= 1024 * 1024, total
        first = c.get_log_events(logGroupName=g, logStreamName=s, startFromHead=True, limit=1)["events"][0]
        assert not first["message"].startswith("0:0:"), "the oldest go first"
        last = c.get_log_events(logGroupName=g, logStreamName=s, limit=1)["events"][0]
        assert last["message"].startswith("2:599:"), "the newest stay"


# ---- tags ----

def test_tags_by_name_and_arn(server):
    c = logs(server, validate=False)
    g = unique("/ecs/tags")
    c.create_log_group(logGroupName=g, tags={"a": "1"})
    c.tag_log_group(logGroupName=g, tags={"b": "2"})
    assert c.list_tags_log_group(logGroupName=g)["tags"] == {"a": "1", "b": "2"}
    c.untag_log_group(logGroupName=g, tags=["a"])
    assert c.list_tags_log_group(logGroupName=g)["tags"] == {"b": "2"}
    arn = GROUP_ARN + g
    c.tag_resource(resourceArn=arn, tags={"c": "3"})
    assert c.list_tags_for_resource(resourceArn=arn)["tags"] == {"b": "2", "c": "3"}
    assert c.list_tags_for_resource(resourceArn=arn + ":*")["tags"] == {"b": "2", "c": "3"}
    c.untag_resource(resourceArn=arn, tagKeys=["b"])
    assert c.list_tags_log_group(logGroupName=g)["tags"] == {"c": "3"}
    expect_error(lambda: c.tag_resource(resourceArn=arn, tags={f"k{i}": "v" for i in range(50)}),
                 "TooManyTagsException")
    assert c.list_tags_log_group(logGroupName=g)["tags"] == {"c": "3"}, "a refused tagging changes nothing"
    expect_error(lambda: c.tag_log_group(logGroupName=g + "x", tags={"a": "1"}), "ResourceNotFoundException")
    expect_error(lambda: c.list_tags_for_resource(resourceArn=arn + "x"), "ResourceNotFoundException")
    expect_error(lambda: c.list_tags_for_resource(resourceArn="arn:aws:logs:us-east-1:1:destination:d"),
                 "ResourceNotFoundException")
    expect_error(lambda: c.list_tags_for_resource(resourceArn="not-an-arn"), "InvalidParameterException")
    expect_error(lambda: c.tag_log_group(logGroupName=g, tags={"x" * 129: "v"}), "InvalidParameterException")


def test_tag_reads_and_removals_errors(server):
    """The errors of ListTagsLogGroup, UntagLogGroup and UntagResource (the
    other tag calls' are in test_tags_by_name_and_arn)."""
    c = logs(server, validate=False)
    g = unique("/ecs/untag")
    c.create_log_group(logGroupName=g, tags={"a": "1"})
    arn = GROUP_ARN + g
    expect_error(lambda: c.list_tags_log_group(logGroupName=g + "x"), "ResourceNotFoundException")
    expect_error(lambda: c.list_tags_log_group(logGroupName=""), "InvalidParameterException")
    expect_error(lambda: c.untag_log_group(logGroupName=g + "x", tags=["a"]), "ResourceNotFoundException")
    expect_error(lambda: c.untag_log_group(logGroupName=g, tags=[]), "InvalidParameterException")
    expect_error(lambda: c.untag_resource(resourceArn=arn + "x", tagKeys=["a"]), "ResourceNotFoundException")
    expect_error(lambda: c.untag_resource(resourceArn="not-an-arn", tagKeys=["a"]), "InvalidParameterException")
    assert c.list_tags_log_group(logGroupName=g)["tags"] == {"a": "1"}, "a refused untagging changes nothing"


# ---- scopes, protocol ----

def test_accounts_and_regions_see_their_own(server):
    c = logs(server)
    g = unique("/ecs/scope")
    c.create_log_group(logGroupName=g)
    other = logs(server, key=(KEY_ID2, SECRET2))
    assert other.describe_log_groups(logGroupNamePrefix=g)["logGroups"] == []
    other.create_log_group(logGroupName=g)  # the same name in another account is another group
    eu = logs(server, region="eu-west-1")
    assert eu.describe_log_groups(logGroupNamePrefix=g)["logGroups"] == []
    expect_error(lambda: eu.delete_log_group(logGroupName=g), "ResourceNotFoundException")
    expect_error(lambda: c.list_tags_for_resource(resourceArn=f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:{g}"),
                 "ResourceNotFoundException")
    assert eu.describe_log_groups(logGroupIdentifiers=[GROUP_ARN + g])["logGroups"] == []
    assert len(c.describe_log_groups(logGroupNamePrefix=g)["logGroups"]) == 1


def raw_logs(server, op, body, service="logs", size_body=None):
    import urllib.request
    data = json.dumps(body).encode() if size_body is None else size_body
    h = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328." + op}
    h = sign_headers(server.endpoint + "/", "POST", h, data, service=service)
    req = urllib.request.Request(server.endpoint + "/", data=data, headers=h, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), json.loads(r.read())
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, dict(e.headers), json.loads(raw)
        except ValueError:
            return e.code, dict(e.headers), raw


def test_protocol_signing_and_sizes(server):
    status, _, body = raw_logs(server, "DescribeLogGroups", {}, service="ecs")
    assert status == 400 and body["__type"] == "InvalidSignatureException", body
    status, _, body = raw_logs(server, "StartQuery", {})
    assert status == 400 and body["__type"] == "UnknownOperationException", body
    status, _, body = raw_logs(server, "DescribeLogGroups", {})
    assert status == 200 and "logGroups" in body
    # a Logs batch may be larger than the ECS bodies' 256 KiB ...
    c = logs(server)
    g, s = group_with_stream(c, "big")
    big = {"logGroupName": g, "logStreamName": s,
           "logEvents": [{"timestamp": now_ms(), "message": "\\" * 200000} for _ in range(5)]}
    status, _, body = raw_logs(server, "PutLogEvents", big)
    assert status == 200, body
    # ... but not without bound: refused on its Content-Length, before the body is read
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.putrequest("POST", "/")
    for k, v in {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.PutLogEvents",
                 "Content-Length": str(6 * 1024 * 1024)}.items():
        conn.putheader(k, v)
    conn.endheaders()
    r = conn.getresponse()
    body = json.loads(r.read())
    conn.close()
    assert r.status == 413 and body["__type"] == "SerializationException" and "5242880" in body["message"], body
    # and the ECS API keeps its own limit and its own signing name
    st, _, b2 = server.raw("{}", target="ListClusters")
    assert st == 200, b2


def test_cli_logs_commands(server):
    g = unique("/ecs/cli")
    cli(server, "create-log-group", "--log-group-name", g)
    cli(server, "create-log-stream", "--log-group-name", g, "--log-stream-name", "s")
    t = now_ms()
    events = json.dumps([{"timestamp": t + i, "message": f"cli line {i}"} for i in range(3)])
    out = cli(server, "put-log-events", "--log-group-name", g, "--log-stream-name", "s", "--log-events", events)
    assert out["nextSequenceToken"]
    got = cli(server, "get-log-events", "--log-group-name", g, "--log-stream-name", "s", "--start-from-head")
    assert [e["message"] for e in got["events"]] == [f"cli line {i}" for i in range(3)]
    got = cli(server, "filter-log-events", "--log-group-name", g, "--filter-pattern", '"line 1"')
    assert [e["message"] for e in got["events"]] == ["cli line 1"]
    assert cli(server, "describe-log-groups", "--log-group-name-prefix", g)["logGroups"][0]["logGroupName"] == g
    assert cli(server, "describe-log-streams", "--log-group-name", g)["logStreams"][0]["logStreamName"] == "s"
    cli(server, "put-retention-policy", "--log-group-name", g, "--retention-in-days", "7")
    cli(server, "tag-log-group", "--log-group-name", g, "--tags", "k=v")
    assert cli(server, "list-tags-log-group", "--log-group-name", g)["tags"] == {"k": "v"}
    p = cli(server, "create-log-group", "--log-group-name", g, check=False)
    assert p.returncode != 0 and "ResourceAlreadyExistsException" in p.stderr
    cli(server, "delete-log-group", "--log-group-name", g)
    p = cli(server, "describe-log-streams", "--log-group-name", g, check=False)
    assert p.returncode != 0 and "ResourceNotFoundException" in p.stderr
