"""End-to-end test runner: runs every test_* function of tests/e2e/test_*.py
against a real ecsd (see harness.py) and ends with "N passed, N failed".
Arguments filter modules or tests by substring."""
import importlib.util
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402


def load(path):
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    filters = sys.argv[1:]
    passed = failed = 0
    for fname in sorted(os.listdir(HERE)):
        if not (fname.startswith("test_") and fname.endswith(".py")):
            continue
        mod = load(os.path.join(HERE, fname))
        tests = [(n, getattr(mod, n)) for n in sorted(dir(mod)) if n.startswith("test_")]
        tests = [(n, f) for n, f in tests if not filters or any(x in f"{fname}:{n}" for x in filters)]
        if not tests:
            continue
        fresh = getattr(mod, "FRESH_SERVER", False)
        shared = None if fresh else harness.Server().start()
        for name, fn in tests:
            server = harness.Server().start() if fresh else shared
            t0 = time.time()
            try:
                fn(server)
                ok = True
            except Exception:
                ok = False
                traceback.print_exc()
            if fresh:
                ok = check_stop(server, name) and ok
            print(f"{'ok  ' if ok else 'FAIL'} {fname}:{name} ({time.time() - t0:.2f}s)", flush=True)
            passed, failed = passed + ok, failed + (not ok)
        if shared is not None and not check_stop(shared, fname):
            print(f"FAIL {fname}: server did not stop cleanly", flush=True)
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def check_stop(server, what):
    """A server stopped with SIGTERM must exit 0: under ASan, a leak or a
    memory error found during the run makes the exit code non-zero."""
    rc = server.stop()
    ok = rc == 0
    if not ok:
        print(f"server for {what} exited {rc}; its log:\n{server.read_log()[-6000:]}", file=sys.stderr)
    server.cleanup()
    return ok


if __name__ == "__main__":
    sys.exit(main())
