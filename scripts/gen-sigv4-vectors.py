#!/usr/bin/env python3
"""Generates tests/unit/data/sigv4_vectors.json: SigV4 known-answer vectors
signed by botocore itself (botocore.auth.SigV4Auth / SigV4QueryAuth on a
botocore.awsrequest.AWSRequest), with a frozen clock, as botocore's own
tests do (patching botocore.auth.get_current_datetime).

Each vector is what the server receives plus what it knows:
  name, method, path, query (raw, without '?', or null),
  headers [[name, value], ...] as on the wire (Host as urllib3 adds it,
  and the headers botocore/urllib3 add after signing), body (base64),
  access_key, secret, account (the server's one key), region (the served
  region, null = any), service, now (server clock, epoch seconds),
  expect ("ok" or the exception name), and optionally message (exact
  text), expect_region (scope region on success).

The file is a JSON list of such objects. Deterministic: re-running gives the
same bytes for the same botocore.

Usage: scripts/gen-sigv4-vectors.py [output]   (run from the repo root)
"""
import base64
import calendar
import copy
import datetime
import hashlib
import json
import sys
from unittest import mock
from urllib.parse import urlsplit

import botocore
from botocore.auth import SigV4Auth, SigV4QueryAuth, _host_from_url
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ACCOUNT = "123456789012"
TOKEN = ("IQoJb3JpZ2luX2VjEXAMPLETOKEN//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+abc/def"
         "+ghi=")
CREDS = Credentials(AKID, SECRET)
T0 = datetime.datetime(2026, 11, 29, 17, 47, 42)
NOW = calendar.timegm(T0.timetuple())
ENDPOINT = "http://127.0.0.1:5871"
TARGET = "AmazonEC2ContainerServiceV20141113."
JSON11 = "application/x-amz-json-1.1"
MISMATCH = ("The request signature we calculated does not match the signature you "
            "provided. Check your AWS Secret Access Key and signing method. Consult the "
            "service documentation for details.")
BOTO_UA = "Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.1.0 lang/python#3.11.7 Botocore/1.43.11"


def amz(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def sign(method, url, headers=(), body=None, *, params=None, region="us-west-2", service="ecs",
         creds=CREDS, when=T0, presign=None, after=()):
    """Signs like botocore's request flow, then returns what goes on the wire."""
    req = AWSRequest(method=method, url=url, data=body, params=params or {})
    for name, value in headers:  # HTTPHeaders: setting twice adds a second header
        req.headers[name] = value
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        if presign is not None:
            SigV4QueryAuth(creds, service, region, expires=presign).add_auth(req)
        else:
            SigV4Auth(creds, service, region).add_auth(req)
    prepared = req.prepare()
    parts = urlsplit(prepared.url)
    data = prepared.body or b""
    if isinstance(data, str):
        data = data.encode()
    wire = [["Host", _host_from_url(prepared.url)]]
    wire += [[k, v.strip(" \t")] for k, v in req.headers.items()]  # the HTTP parser strips OWS
    wire += [["Accept-Encoding", "identity"],
             ["amz-sdk-invocation-id", "2f232ce8-f94d-4e1e-a49e-93bdc5f6656f"],
             ["amz-sdk-request", "attempt=1"]]
    if data or method == "POST":
        wire.append(["Content-Length", str(len(data))])
    wire += [list(h) for h in after]
    return {
        "method": method,
        "path": parts.path,
        "query": parts.query or None,
        "headers": wire,
        "body": base64.b64encode(data).decode(),
        "access_key": AKID,
        "secret": SECRET,
        "account": ACCOUNT,
        "region": "us-west-2",
        "service": "ecs",
        "now": NOW,
        "expect": "ok",
        "expect_region": region,
    }


def ecs_post(op, body=b"{}", extra=(), **kw):
    headers = [("X-Amz-Target", TARGET + op), ("Content-Type", JSON11),
               ("User-Agent", BOTO_UA)] + list(extra)
    return sign("POST", ENDPOINT + "/", headers, body, **kw)


def hdr_get(v, name):
    return next(h[1] for h in v["headers"] if h[0].lower() == name.lower())


def hdr_set(v, name, value):
    for h in v["headers"]:
        if h[0].lower() == name.lower():
            h[1] = value
            return
    v["headers"].append([name, value])


def hdr_del(v, name):
    v["headers"] = [h for h in v["headers"] if h[0].lower() != name.lower()]


VECTORS = []


def add(name, v, expect="ok", message=None, **changes):
    v = copy.deepcopy(v)
    v.update(changes)
    v = {"name": name, **{k: x for k, x in v.items() if k != "name"}, "expect": expect}
    if expect != "ok":
        v.pop("expect_region", None)
    if message is not None:
        v["message"] = message
    VECTORS.append(v)
    return v


def mutate(v, fn):
    v = copy.deepcopy(v)
    fn(v)
    return v


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/unit/data/sigv4_vectors.json"

    # ---- accepted ----
    base = ecs_post("ListClusters", b'{"maxResults": 5}')
    add("ecs_list_clusters", base)
    add("ecs_security_token_any_region",
        ecs_post("DescribeClusters", b'{"clusters": ["default"]}',
                 creds=Credentials(AKID, SECRET, TOKEN), region="eu-central-1"),
        region=None)
    add("extra_headers_spaces_repeated_mixed_case",
        ecs_post("ListTasks", b'{"cluster": "default"}',
                 extra=[("X-Amz-Meta-Spaces", "  a   b \t c    d  "), ("X-Dup", "one"),
                        ("X-Dup", "  two   too "), ("X-MiXeD-Case", "MiXeD"), ("X-Empty", "")]))
    add("header_names_lower_cased_on_the_wire",
        mutate(base, lambda v: v.update(headers=[[k.lower(), x] for k, x in v["headers"]])))
    add("header_names_upper_cased_on_the_wire",
        mutate(base, lambda v: v.update(headers=[[k.upper(), x] for k, x in v["headers"]])))
    add("unsigned_headers_changed",
        mutate(base, lambda v: (hdr_set(v, "User-Agent", "aws-cli/1.45.11"),
                                hdr_set(v, "amz-sdk-request", "attempt=2; max=5"))))
    add("query_reserved_characters_params",
        sign("GET", "http://ecs.example.com:8443/",
             [("X-Amz-Target", TARGET + "ListClusters")],
             params={"a b": "c/d", "x": "~!*()'", "utf": "\u00e9\u4e2d", "empty": "",
                     "plus": "a+b", "eq": "k=v&z", "Zeta": "1", "_u": "-._~"}))
    add("query_raw_url_sorted_repeated_keys",
        sign("GET", ENDPOINT + "/?b=2&a=1&a=0&c=%2F%20x&d&e=%2A~"))
    add("path_normalisation_and_double_encoding",
        sign("GET", ENDPOINT + "/a/./b/../c//d%20e/f~g:h$/"))
    add("empty_body", sign("POST", ENDPOINT + "/", [("Content-Type", JSON11)], b""))
    add("get_no_body", sign("GET", ENDPOINT + "/"))
    big = (b'{"blob": "' + bytes(b"0123456789abcdef"[i % 16] for i in range(100 * 1024 - 12))
           + b'"}')
    assert len(big) == 100 * 1024
    add("large_body_100k", ecs_post("RegisterTaskDefinition", big))
    add("binary_body", ecs_post("ListClusters", bytes(range(256)) * 3))
    add("date_header_instead_of_x_amz_date",
        ecs_post("ListClusters", extra=[("Date", "Sun, 01 Jan 2000 00:00:00 GMT")]))
    add("x_amz_content_sha256_header",
        ecs_post("ListClusters", b'{"a": 1}',
                 extra=[("X-Amz-Content-SHA256", hashlib.sha256(b'{"a": 1}').hexdigest())]))
    add("x_amz_content_sha256_upper_case_hex",
        ecs_post("ListClusters", b'{"a": 1}',
                 extra=[("X-Amz-Content-SHA256",
                         hashlib.sha256(b'{"a": 1}').hexdigest().upper())]))
    add("x_amz_content_sha256_unsigned_payload_empty_body",
        sign("GET", ENDPOINT + "/", [("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD")]))
    add("presigned_x_amz_content_sha256_unsigned_payload",
        sign("GET", ENDPOINT + "/", [("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD")], presign=300))
    long_secret = "s3cr3t/+" * 25  # "AWS4" + 200 bytes: longer than the HMAC block
    add("long_secret_longer_than_hmac_block",
        ecs_post("ListClusters", creds=Credentials(AKID, long_secret)), secret=long_secret)
    add("clock_skew_edge_past", base, now=NOW + 900)
    add("clock_skew_edge_future", base, now=NOW - 900)
    auth = hdr_get(base, "Authorization")
    c, sh, sg = auth[len("AWS4-HMAC-SHA256 "):].split(", ")
    for label, text in [("no_spaces", f"AWS4-HMAC-SHA256 {c},{sh},{sg}"),
                        ("reordered", f"AWS4-HMAC-SHA256 {sg}, {c}, {sh}"),
                        ("extra_whitespace", f"  AWS4-HMAC-SHA256   {c} ,\t{sh} ,  {sg}  "),
                        ("unknown_component", f"AWS4-HMAC-SHA256 {c}, Foo=bar, {sh}, {sg}")]:
        add("authorization_format_" + label,
            mutate(base, lambda v, t=text: hdr_set(v, "Authorization", t)))
    pre_get = sign("GET", ENDPOINT + "/", presign=300)
    add("presigned_get", pre_get, now=NOW + 200)
    add("presigned_get_long_expiry_beyond_skew", sign("GET", ENDPOINT + "/", presign=3600),
        now=NOW + 3000)
    pre_post = sign("POST", ENDPOINT + "/",
                    [("X-Amz-Target", TARGET + "ListClusters"), ("Content-Type", JSON11)],
                    b'{"maxResults": 5}', presign=900)
    add("presigned_post_body_moved_to_query", pre_post)
    add("presigned_security_token",
        sign("GET", ENDPOINT + "/", creds=Credentials(AKID, SECRET, TOKEN), presign=600))

    # ---- rejected ----
    add("no_authentication", mutate(base, lambda v: hdr_del(v, "Authorization")),
        "MissingAuthenticationTokenException", "Missing Authentication Token")
    add("body_altered_one_byte",
        mutate(base, lambda v: v.update(body=base64.b64encode(b'{"maxResults": 6}').decode())),
        "InvalidSignatureException", MISMATCH)
    add("wrong_secret", base, "InvalidSignatureException", MISMATCH,
        secret="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ")
    add("unknown_access_key", base, "UnrecognizedClientException",
        "The security token included in the request is invalid.", access_key="AKIDOTHER")
    add("wrong_region", ecs_post("ListClusters", region="eu-west-1"), "InvalidSignatureException",
        "Credential should be scoped to a valid region, not 'eu-west-1'. ")
    add("wrong_service", ecs_post("ListClusters", service="ec2"), "InvalidSignatureException",
        "Credential should be scoped to correct service: 'ecs'. ")
    add("expired", base, "InvalidSignatureException",
        f"Signature expired: {amz(NOW)} is now earlier than {amz(NOW + 1)} "
        f"({amz(NOW + 901)} - 15 min.)", now=NOW + 901)
    add("not_yet_current", base, "InvalidSignatureException",
        f"Signature not yet current: {amz(NOW)} is still later than {amz(NOW - 1)} "
        f"({amz(NOW - 901)} + 15 min.)", now=NOW - 901)
    no_sig = f"AWS4-HMAC-SHA256 {c}, {sh}"
    add("missing_signature_part", mutate(base, lambda v: hdr_set(v, "Authorization", no_sig)),
        "IncompleteSignatureException",
        "Authorization header requires 'Signature' parameter. Authorization=" + no_sig)
    add("missing_all_parts_bearer",
        mutate(base, lambda v: hdr_set(v, "Authorization", "Bearer abc")),
        "IncompleteSignatureException",
        "Authorization header requires 'Credential' parameter. Authorization header requires "
        "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
        "Authorization=Bearer abc")
    add("missing_date", mutate(base, lambda v: hdr_del(v, "X-Amz-Date")),
        "IncompleteSignatureException",
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=" + auth)
    add("bad_date_format",
        mutate(base, lambda v: hdr_set(v, "X-Amz-Date", "2026-11-29T17:47:42Z")),
        "IncompleteSignatureException",
        "Date must be in ISO-8601 'basic format'. Got '2026-11-29T17:47:42Z'. "
        "See http://en.wikipedia.org/wiki/ISO_8601")
    add("scope_date_differs_from_x_amz_date",
        mutate(base, lambda v: hdr_set(v, "X-Amz-Date", "20261130T001000Z")),
        "InvalidSignatureException",
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '20261129' != '20261130', from '20261130T001000Z'.", now=NOW + 23000)
    add("wrong_algorithm",
        mutate(base, lambda v: hdr_set(v, "Authorization",
                                       auth.replace("HMAC-SHA256", "HMAC-SHA512", 1))),
        "IncompleteSignatureException", "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'")
    add("credential_not_five_elements",
        mutate(base, lambda v: hdr_set(v, "Authorization",
                                       auth.replace("/aws4_request", "", 1))),
        "IncompleteSignatureException",
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got 'AKIDEXAMPLE/20261129/us-west-2/ecs'")
    add("host_not_signed",
        mutate(base, lambda v: hdr_set(v, "Authorization", auth.replace(";host;", ";", 1))),
        "IncompleteSignatureException",
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    add("signed_header_changed",
        mutate(base, lambda v: hdr_set(v, "X-Amz-Target", TARGET + "DeleteCluster")),
        "InvalidSignatureException", MISMATCH)
    add("host_port_changed", mutate(base, lambda v: hdr_set(v, "Host", "127.0.0.1:5872")),
        "InvalidSignatureException", MISMATCH)
    add("signature_tampered",
        mutate(base, lambda v: hdr_set(v, "Authorization", auth[:-1] + (
            "0" if auth[-1] != "0" else "1"))),
        "InvalidSignatureException", MISMATCH)
    sha_v = VECTORS[[x["name"] for x in VECTORS].index("x_amz_content_sha256_header")]
    add("x_amz_content_sha256_header_body_altered",
        mutate(sha_v, lambda v: v.update(body=base64.b64encode(b'{"a": 2}').decode())),
        "InvalidSignatureException",
        "The provided 'x-amz-content-sha256' header does not match what was computed.")
    add("x_amz_content_sha256_unsigned_payload_with_body",
        ecs_post("ListClusters", b'{"a": 1}', extra=[("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD")]),
        "InvalidSignatureException",
        "The provided 'x-amz-content-sha256' header does not match what was computed.")
    add("query_param_added_after_signing",
        mutate(VECTORS[[x["name"] for x in VECTORS].index("query_raw_url_sorted_repeated_keys")],
               lambda v: v.update(query=v["query"] + "&f=1")),
        "InvalidSignatureException", MISMATCH)
    add("presigned_expired", sign("GET", ENDPOINT + "/", presign=60),
        "InvalidSignatureException",
        f"Signature expired: {amz(NOW)} is now earlier than {amz(NOW + 1)} "
        f"({amz(NOW + 61)} - 60 sec.)", now=NOW + 61)
    add("presigned_not_yet_current", pre_get, "InvalidSignatureException",
        f"Signature not yet current: {amz(NOW)} is still later than {amz(NOW - 1)} "
        f"({amz(NOW - 901)} + 15 min.)", now=NOW - 901)
    add("presigned_wrong_secret", pre_post, "InvalidSignatureException", MISMATCH,
        secret="not-the-secret")
    add("presigned_query_tampered",
        mutate(pre_post, lambda v: v.update(query=v["query"].replace("maxResults=5",
                                                                     "maxResults=50"))),
        "InvalidSignatureException", MISMATCH)
    add("presigned_body_added",
        mutate(pre_post, lambda v: v.update(body=base64.b64encode(b'{"maxResults": 5}').decode())),
        "InvalidSignatureException", MISMATCH)
    add("presigned_missing_signature",
        mutate(pre_get, lambda v: v.update(query="&".join(
            p for p in v["query"].split("&") if not p.startswith(("X-Amz-Signature=",
                                                                  "X-Amz-Expires="))))),
        "IncompleteSignatureException",
        "AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string "
        "parameters must include 'X-Amz-Expires'. Re-examine the query-string parameters.",
        now=NOW + 1)
    add("presigned_and_authorization_header",
        mutate(pre_get, lambda v: hdr_set(v, "Authorization", auth)),
        "IncompleteSignatureException",
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature "
        "query string parameter or the Authorization header should be specified")
    add("presigned_expires_over_a_week",
        mutate(pre_get, lambda v: v.update(query=v["query"].replace("X-Amz-Expires=300",
                                                                    "X-Amz-Expires=604801"))),
        "IncompleteSignatureException",
        "X-Amz-Expires must be less than a week (in seconds) that is 604800", now=NOW + 1)

    names = [v["name"] for v in VECTORS]
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    with open(out, "w") as f:
        json.dump(VECTORS, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print(f"{out}: {len(VECTORS)} vectors from botocore {botocore.__version__} "
          f"({sum(v['expect'] == 'ok' for v in VECTORS)} ok)")


if __name__ == "__main__":
    main()
