#!/usr/bin/python3
"""Allocation failures: the demo run by a gridplan built with
-DGP_FAILALLOC=ON (and the sanitizers), where the Nth allocation of
libgridplan fails. First a run counts the allocations and finds every
allocation site (file:line) and its first call; then the run is repeated
with the failure at N = 1, 2, ... 40 and at the first call of every site.

Each run must end with a status, not a crash: exit 1 with "out of memory"
(or, where gridplan can do without that allocation, a complete result);
no sanitizer report (leaks included); no partial output; the previous
output in the same place untouched; nothing left beside it.

usage: check_failalloc.py GRIDPLAN_FAILALLOC_BINARY [JOBS]
"""
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from treehash import tree_hash

BIN = sys.argv[1]
JOBS = int(sys.argv[2]) if len(sys.argv) > 2 else 2
SRC = os.environ.get("GP_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAN = {"ASAN_OPTIONS": "exitcode=86:detect_leaks=1:malloc_context_size=8",
       "UBSAN_OPTIONS": "halt_on_error=1:exitcode=87:print_stacktrace=1",
       "LSAN_OPTIONS": f"suppressions={SRC}/tests/lsan.supp"}


def scenario(work):
    """The demo, small effort and one thread, so that the Nth allocation
    is the same call in every run."""
    demo = os.path.join(SRC, "datasets/demo")
    with open(os.path.join(demo, "scenario.ini")) as f:
        text = f.read()
    text = re.sub(r"(?m)^(units|communities|cases|existing_plan|workers) = (\S+\.(?:gpkg|csv))\b",
                  lambda m: f"{m.group(1)} = {demo}/{m.group(2)}", text)
    text = re.sub(r"(?m)^effort = .*$", "effort = 0.05\nthreads = 1", text)
    path = os.path.join(work, "demo.ini")
    with open(path, "w") as f:
        f.write(text)
    return path


def run(ini, out, n, log=None):
    env = dict(os.environ, **SAN, GP_FAIL_ALLOC=str(n))
    if log:
        env["GP_FAIL_ALLOC_LOG"] = log
    return subprocess.run([BIN, "--quiet", "run", ini, "--out", out], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=600)


DIGEST = [None]  # the plan digest of the run where nothing fails


def digest(out):
    with open(os.path.join(out, "report.json")) as f:
        return json.load(f).get("plan_digest", "")


def one(base, ini, n):
    """Fails the Nth allocation in a copy of base (a folder holding a good
    output); returns (n, problem or None, how it ended)."""
    work = tempfile.mkdtemp(prefix=f"gp-fa-{n}-")
    try:
        out = os.path.join(work, "out")
        shutil.copytree(os.path.join(base, "out"), out)
        before = tree_hash(out)
        p = run(ini, out, n)
        err = p.stderr.strip().splitlines()
        last = err[-1] if err else ""
        left = sorted(os.listdir(work))
        if p.returncode in (86, 87) or p.returncode < 0 or p.returncode >= 128:
            return n, f"crashed or sanitizer report (exit {p.returncode}):\n" + "\n".join(err[-30:]), "crash"
        if left != ["out"]:
            return n, f"left {left} beside the output (exit {p.returncode})", "leftover"
        if p.returncode == 1:
            if "out of memory" not in p.stderr:
                return n, f"exit 1 without 'out of memory': {last}", "message"
            if tree_hash(out) != before:
                return n, "a failed run changed the previous output", "output"
            return n, None, "nomem"
        if p.returncode in (0, 5):
            if not os.path.isfile(os.path.join(out, "report.json")):
                return n, f"exit {p.returncode} but no report.json", "output"
            # an allocation gridplan can do without must not change the plan
            got = digest(out)
            if got != DIGEST[0]:
                return n, f"exit {p.returncode} with another plan ({got[:19]}..., not {DIGEST[0][:19]}...)", "plan"
            return n, None, "done"
        return n, f"exit {p.returncode} (expected 1 and 'out of memory'): {last}", "message"
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    base = tempfile.mkdtemp(prefix="gp-fa-base-")
    try:
        ini = scenario(base)
        log = os.path.join(base, "count.log")
        p = run(ini, os.path.join(base, "out"), 0, log)
        if p.returncode not in (0, 5):
            print(p.stderr)
            print(f"check.failalloc: the counting run failed (exit {p.returncode})")
            return 1
        DIGEST[0] = digest(os.path.join(base, "out"))
        calls, sites = 0, {}
        with open(log) as f:
            for line in f:
                k, *rest = line.split()
                if k == "calls":
                    calls = int(rest[0])
                elif k == "site":
                    sites[rest[1]] = int(rest[0])
        ns = sorted(set(range(1, 41)) | set(sites.values()))
        print(f"check.failalloc: {calls} allocations at {len(sites)} sites in one run; failing {len(ns)} of them "
              f"(N = 1..40 and the first call of every site)", flush=True)
        problems, ends, tolerated = [], {}, []
        with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
            for n, problem, how in ex.map(lambda n: one(base, ini, n), ns):
                ends[how] = ends.get(how, 0) + 1
                if how == "done":
                    tolerated.extend(s for s, k in sites.items() if k == n)
                if problem:
                    where = [s for s, k in sites.items() if k == n]
                    problems.append(n)
                    print(f"FAIL  N={n} ({', '.join(where) or 'a later call'}): {problem}", flush=True)
        covered = sum(1 for k in sites.values() if k in ns)
        print(f"check.failalloc: {len(ns)} runs: {ends.get('nomem', 0)} stopped with 'out of memory', "
              f"{ends.get('done', 0)} finished without that allocation; {covered} of {len(sites)} allocation sites "
              f"failed at least once; {len(problems)} problem(s)")
        if tolerated:
            print("check.failalloc: runs that finished with the same plan when this site's first call failed: "
                  + ", ".join(sorted(os.path.relpath(s, SRC) for s in tolerated)))
        return 1 if problems else 0
    finally:
        shutil.rmtree(base, ignore_errors=True)


sys.exit(main())
