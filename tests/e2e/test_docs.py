"""The docs users have (issue 10, point 7): docs/operations.md and
docs/fields.md are what scripts/gen-docs.py makes of the operation table and
botocore's ECS model now (so they cannot drift), every member of a served
operation has a note, and no file of the repository points outside it."""
import os
import re
import subprocess

import harness

REPO = harness.REPO
TEXT_DIRS = ("README.md", "docs", "scripts", "src", "tests", "bench", "Makefile", ".ci", ".clang-format",
             ".gitignore")
# A relative path that starts with ../ (not one inside a longer path such as a URL's /a/b/../c).
UP_PATH = re.compile(r"(?<![\w./-])((?:\.\./)+[\w./-]*)")
# Paths of the machine the project was written on (the folder beside the
# repository that held its reference notes); spelt in pieces so that this
# file does not match itself.
OUTSIDE = re.compile("/" + "work/" + r"|(?<![\w.-])" + "shared" + r"/(?:docs|seed)\b|\.\./" + "shared" + r"\b")
MD_LINK = re.compile(r"\]\(([^)\s]+)\)")


def tracked_files():
    p = subprocess.run(["git", "ls-files", "-z", "--"] + list(TEXT_DIRS), cwd=REPO, capture_output=True,
                       timeout=60)
    if p.returncode == 0 and p.stdout:
        names = [n for n in p.stdout.decode().split("\0") if n]
    else:  # not a git checkout: every file below the folders
        names = []
        for top in TEXT_DIRS:
            path = os.path.join(REPO, top)
            if os.path.isfile(path):
                names.append(top)
            for d, _, files in os.walk(path):
                names += [os.path.relpath(os.path.join(d, f), REPO) for f in files]
    return [n for n in names if os.path.isfile(os.path.join(REPO, n))]


def text_of(name):
    with open(os.path.join(REPO, name), "rb") as f:
        data = f.read()
    if b"\0" in data:
        return None
    return data.decode("utf-8", errors="replace")


def inside(base_dir, target):
    full = os.path.normpath(os.path.join(REPO, base_dir, target))
    return full == REPO or full.startswith(REPO + os.sep)


def test_generated_docs_are_current(_server):
    p = subprocess.run(["python3", "scripts/gen-docs.py", "--check"], cwd=REPO, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, "docs/operations.md or docs/fields.md is out of date or a note is missing " \
                              "(run python3 scripts/gen-docs.py):\n" + p.stderr[-6000:]


def test_every_served_operation_is_listed_as_served(_server):
    # the doc says what the server really answers: served rows are served, the others are not
    text = open(os.path.join(REPO, "docs/operations.md")).read()
    rows = dict(re.findall(r"^\| `(\w+)` \| (served|not served)", text, re.M))
    assert len(rows) > 70, len(rows)
    for op, state in sorted(rows.items()):
        st, _, doc = _server.raw(b"{}", target=op)
        unknown = st == 400 and isinstance(doc, dict) and doc.get("__type") == "UnknownOperationException"
        assert unknown == (state == "not served"), (op, state, st, doc)


def test_no_file_points_outside_the_repository(_server):
    bad = []
    for name in tracked_files():
        text = text_of(name)
        if text is None:
            continue
        base = os.path.dirname(name)
        for n, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                bad.append(f"{name}:{n}: {line.strip()[:160]}")
            for m in UP_PATH.finditer(line):
                if not inside(base, m.group(1)):
                    bad.append(f"{name}:{n}: {m.group(1)} leaves the repository")
    assert not bad, "files that point outside the repository:\n" + "\n".join(bad[:50])


def test_doc_links_resolve_inside_the_repository(_server):
    bad = []
    for name in tracked_files():
        if not name.endswith(".md"):
            continue
        base = os.path.dirname(name)
        for n, line in enumerate(text_of(name).splitlines(), 1):
            for m in MD_LINK.finditer(line):
                target = m.group(1).split("#", 1)[0]
                if not target or re.match(r"[a-z]+:", target):
                    continue  # an anchor, or http(s)/mailto
                if not inside(base, target) or not os.path.exists(os.path.join(REPO, base, target)):
                    bad.append(f"{name}:{n}: {m.group(1)}")
    assert not bad, "links to files that are not in the repository:\n" + "\n".join(bad[:50])
    readme = text_of("README.md")
    for doc in ("docs/architecture.md", "docs/ecs-behavior.md", "docs/agent-protocol.md", "docs/operations.md",
                "docs/fields.md", "docs/style.md"):
        assert f"({doc})" in readme, f"README.md does not link {doc}"
