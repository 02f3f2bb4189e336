"""Opt-in (issue 15): three PostgreSQL nodes under Patroni in synchronous
mode (strict), one etcd member as Patroni's store, two ecsd servers on the
multi-host URI of the three; under RunTask load the leader node (Patroni
and its PostgreSQL together) is killed -9, Patroni promotes a synchronous
standby, and the checks of test_pg_failover must hold: every acknowledged
task there, every unknown outcome retried with its token giving exactly
one task, nothing else, nothing over-committed.

    ECSD_PATRONI=1 python3 tests/e2e/run.py test_pg_patroni

Needs root (the nodes run as user postgres) and the Debian packages patroni
and etcd-server (apt-get install patroni etcd-server). Everything listens
on 127.0.0.1 and lives in a temporary folder. About a minute.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

import harness
from test_pg_failover import children, kill_tree, load_and_check

BIN = "/usr/lib/postgresql/15/bin"


def as_postgres(args, **kw):
    return subprocess.Popen(["runuser", "-u", "postgres", "--"] + args, **kw)


def rest(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, {}
    except OSError:
        return None, {}


def node_config(d, name, etcd_port, rest_port, pg_port):
    # JSON is YAML: Patroni reads it as its configuration file
    return {
        "scope": "ecsd", "namespace": "/ecsd-test/", "name": name,
        "restapi": {"listen": f"127.0.0.1:{rest_port}", "connect_address": f"127.0.0.1:{rest_port}"},
        "etcd3": {"hosts": f"127.0.0.1:{etcd_port}"},
        "bootstrap": {
            "dcs": {"ttl": 10, "loop_wait": 2, "retry_timeout": 4, "synchronous_mode": True,
                    "synchronous_mode_strict": True,
                    "postgresql": {"parameters": {"max_connections": 200, "fsync": "off",
                                                  "wal_log_hints": "on"}}},
            "initdb": [{"encoding": "UTF8"}, {"locale": "C"}, {"auth": "trust"}],
            "pg_hba": ["local all all trust", "host all all 127.0.0.1/32 trust",
                       "host replication all 127.0.0.1/32 trust"],
        },
        "postgresql": {
            "listen": f"127.0.0.1:{pg_port}", "connect_address": f"127.0.0.1:{pg_port}",
            "data_dir": os.path.join(d, name), "bin_dir": BIN, "pgpass": os.path.join(d, f"pgpass-{name}"),
            "authentication": {"replication": {"username": "postgres"}, "superuser": {"username": "postgres"}},
            "parameters": {"unix_socket_directories": d},
        },
    }


if os.environ.get("ECSD_PATRONI"):

    def test_patroni_leader_killed_under_load(server):
        d = tempfile.mkdtemp(prefix="ecsd-patroni-")
        os.chmod(d, 0o700)
        shutil.chown(d, "postgres", "postgres")
        procs = {}
        logs = []
        try:
            etcd_port, etcd_peer = harness.free_port(), harness.free_port()
            log = open(os.path.join(d, "etcd.log"), "wb")
            logs.append(log)
            procs["etcd"] = as_postgres(
                ["etcd", "--name", "e1", "--data-dir", os.path.join(d, "etcd"),
                 "--listen-client-urls", f"http://127.0.0.1:{etcd_port}",
                 "--advertise-client-urls", f"http://127.0.0.1:{etcd_port}",
                 "--listen-peer-urls", f"http://127.0.0.1:{etcd_peer}",
                 "--initial-advertise-peer-urls", f"http://127.0.0.1:{etcd_peer}",
                 "--initial-cluster", f"e1=http://127.0.0.1:{etcd_peer}"], stdout=log, stderr=subprocess.STDOUT)
            nodes = {}
            for name in ("n1", "n2", "n3"):
                rest_port, pg_port = harness.free_port(), harness.free_port()
                path = os.path.join(d, f"{name}.yml")
                with open(path, "w") as f:
                    json.dump(node_config(d, name, etcd_port, rest_port, pg_port), f)
                shutil.chown(path, "postgres", "postgres")
                log = open(os.path.join(d, f"{name}.log"), "wb")
                logs.append(log)
                procs[name] = as_postgres(["patroni", path], stdout=log, stderr=subprocess.STDOUT)
                nodes[name] = (rest_port, pg_port)
                if name == "n1":
                    time.sleep(3)  # n1 bootstraps the cluster; the others clone it

            def leader():
                for name, (rp, _) in nodes.items():
                    if procs.get(name) and procs[name].poll() is None and rest(rp, "/leader")[0] == 200:
                        return name
                return None

            def streaming_sync():
                name = leader()
                if name is None:
                    return 0
                _, info = rest(nodes[name][0], "/cluster")
                return sum(1 for m in info.get("members", []) if m.get("role") == "sync_standby")

            deadline = time.time() + 120
            while time.time() < deadline and (leader() is None or streaming_sync() < 1 or
                                              sum(1 for n in nodes if rest(nodes[n][0], "/health")[0] == 200) < 3):
                time.sleep(0.5)
            first = leader()
            assert first and streaming_sync() >= 1, "Patroni did not come up with a synchronous standby"
            subprocess.run(["psql", "-X", "-q", f"postgresql://postgres@127.0.0.1:{nodes[first][1]}/postgres",
                            "-c", "CREATE DATABASE ecsd"], check=True, capture_output=True, timeout=60)
            hosts = ",".join(f"127.0.0.1:{pg}" for _, pg in nodes.values())
            servers = [harness.Server(extra_args=["--store", f"postgresql://postgres@{hosts}/ecsd"]).start()
                       for _ in range(2)]

            def disrupt():
                """The leader node dies whole: its Patroni and its PostgreSQL."""
                name = leader()
                with open(os.path.join(d, name, "postmaster.pid")) as f:
                    pm = int(f.readline())
                patronis = children(procs[name].pid)  # runuser's child, before runuser goes
                for p in patronis:
                    os.kill(p, signal.SIGKILL)
                kill_tree(pm)
                procs[name].send_signal(signal.SIGKILL)
                procs[name].wait()
                t = time.time()
                end = t + 60
                while time.time() < end and leader() in (None, name):
                    time.sleep(0.2)
                assert leader() not in (None, name), "no new leader"
                print(f"    leader {name} killed; {leader()} leads {time.time() - t:.1f}s later")
                return t

            try:
                r = load_and_check(servers, disrupt)
            finally:
                for s in servers:
                    s.stop()
                    s.cleanup()
            print(f"    {len(r['acked'])} acknowledged, {len(r['unknown'])} unknown, first write acknowledged "
                  f"{r['first_ack_s']:.2f}s after the kill" if r["first_ack_s"] is not None else "    no write after the kill")
            assert r["first_ack_s"] is not None, "no write acknowledged after the failover"
            assert len(r["acked"]) > 20
            assert not r["lost"], f"acknowledged tasks lost: {r['lost'][:5]}"
            assert all(len(v) == 1 for v in r["retried"].values())
            expected = set(r["acked"].values()) | {a for v in r["retried"].values() for a in v}
            assert r["listed"] == expected, (len(r["listed"]), len(expected))
            assert not r["over"], r["over"]
        finally:
            for name, p in procs.items():
                if p.poll() is None:
                    for c in children(p.pid):
                        kill_tree(c)
                    p.send_signal(signal.SIGKILL)
                    p.wait()
            for name in ("n1", "n2", "n3"):
                try:
                    with open(os.path.join(d, name, "postmaster.pid")) as f:
                        kill_tree(int(f.readline()))
                except (OSError, ValueError):
                    pass
            for log in logs:
                log.close()
            keep = "/tmp/ecsd-patroni-logs"  # for a look after a failure
            shutil.rmtree(keep, ignore_errors=True)
            os.makedirs(keep)
            for f in os.listdir(d):
                if f.endswith(".log"):
                    shutil.copy(os.path.join(d, f), keep)
            shutil.rmtree(d, ignore_errors=True)
