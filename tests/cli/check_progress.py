#!/usr/bin/env python3
"""Progress and overrides on the demo: --progress=json gives one JSON object
per stderr line whose stages run in order to the end, with counts that only
grow; progress changes nothing in the plan; a pipe gets no progress unless
asked; --set overrides a key; compare --csv writes one row per folder."""
import csv, json, os, subprocess, sys, tempfile

gp = sys.argv[1]
src = os.environ["GP_SOURCE_DIR"]
scenario = os.path.join(src, "datasets", "demo", "scenario.ini")
tmp = tempfile.mkdtemp()
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("check.progress: FAIL:", what)


def run(*args):
    p = subprocess.run([gp, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def digest(d):
    return json.load(open(os.path.join(d, "report.json")))["plan_digest"]


# 1. JSON progress
rc, out, err = run("--quiet", "--progress=json", "run", scenario, "--out", f"{tmp}/json")
check(rc == 0, f"run --progress=json exited {rc}: {err[-500:]}")
events = []
for line in err.splitlines():
    try:
        events.append(json.loads(line))
    except ValueError:
        check(False, f"a stderr line is not JSON: {line!r}")
check(len(events) > 0, "no progress reported")
if events:
    steps = events[0]["steps"]
    check(all(e["steps"] == steps for e in events), "the number of steps changes during the run")
    check(events[0]["stage"] == "load" and events[0]["step"] == 1, f"the first event is {events[0]}")
    last = events[-1]
    check(last["stage"] == "commit" and last["step"] == steps and last["finished"], f"the last event is {last}")
    prev = None
    finished = set()
    for e in events:
        check(0 <= e["done"] and (e["total"] == 0 or e["done"] <= e["total"]), f"done beyond total: {e}")
        check(e["elapsed_s"] >= e["stage_elapsed_s"] >= 0, f"elapsed times: {e}")
        if prev:
            check(e["step"] >= prev["step"], f"steps go back: {prev} then {e}")
            check(e["elapsed_s"] >= prev["elapsed_s"], f"time goes back: {prev} then {e}")
            if e["step"] == prev["step"]:
                check(e["done"] >= prev["done"], f"done goes back: {prev} then {e}")
        if e["finished"]:
            finished.add(e["step"])
        prev = e
    check(finished == set(range(1, steps + 1)), f"stages that did not finish: {set(range(1, steps + 1)) - finished}")
    part = [e for e in events if e["stage"] == "partition" and e["finished"]]
    communities = len(json.load(open(f"{tmp}/json/report.json"))["communities"])
    check(part and part[0]["unit"] == "communities" and part[0]["total"] >= communities,
          f"the partition counts {part[0] if part else None}, the demo has {communities} communities")

# 2. the same plan without progress; a pipe gets none unless asked
rc, out, err = run("run", scenario, "--out", f"{tmp}/plain")
check(rc == 0, f"plain run exited {rc}")
check("\r" not in err and '{"stage"' not in err and "[1/" not in err, "progress written to a pipe without --progress")
check(digest(f"{tmp}/json") == digest(f"{tmp}/plain"), "progress changed the plan digest")
rc, out, err = run("--quiet", "--progress", "validate", scenario)
check(rc == 0 and "[4/4] staff" in err, f"--progress (line) on validate: rc {rc}, {err[-300:]!r}")

# 3. --set overrides a key, and names a bad one
rc, out, err = run("--quiet", "run", scenario, "--out", f"{tmp}/set", "--set", "grid.households=300..480")
bounds = json.load(open(f"{tmp}/set/report.json"))["bounds"]["households"] if rc in (0, 5) else None
check(bounds == {"min": 300, "max": 480}, f"--set grid.households=300..480 gave bounds {bounds} (exit {rc})")
rc, out, err = run("validate", scenario, "--set", "grid.nosuchkey=1")
check(rc == 3 and "nosuchkey" in err, f"--set of an unknown key: exit {rc}, {err.strip()!r}")
rc, out, err = run("validate", scenario, "--set", "grid.households")
check(rc == 3 and "SECTION.KEY=VALUE" in err, f"--set without a value: exit {rc}, {err.strip()!r}")
for order in (("atoms.mode=cells", "atoms.size=150"), ("atoms.size=150", "atoms.mode=cells")):
    rc, out, err = run("--quiet", "validate", scenario, "--set", order[0], "--set", order[1])
    check(rc in (0, 5), f"--set {order[0]} --set {order[1]}: exit {rc}, {err.strip()[-300:]!r}")
rc, out, err = run("validate", scenario, "--set", "output.postgis=PG:host=127.0.0.1 password=hunter2", "--set",
                   "output.nosuch=1")
check(rc == 3 and "hunter2" not in err, f"a refused --set echoes a password: exit {rc}, {err.strip()!r}")
rc, out, err = run("--progress=sometimes", "validate", scenario)
check(rc == 2, f"--progress=sometimes exited {rc}")

# 4. compare --csv
rc, out, err = run("compare", f"{tmp}/json", f"{tmp}/set", "--csv", f"{tmp}/cmp.csv")
rows = list(csv.DictReader(open(f"{tmp}/cmp.csv"))) if rc == 0 else []
check(len(rows) == 2, f"compare --csv: exit {rc}, {len(rows)} rows")
for row, d in zip(rows, ("json", "set")):
    n = sum(c["grids"] for c in json.load(open(f"{tmp}/{d}/report.json"))["communities"])
    check(int(row["grids"]) == n, f"compare --csv: {d} has {row['grids']} grids, report.json {n}")

subprocess.run(["rm", "-rf", tmp])
if failures:
    sys.exit(1)
print("check.progress: JSON progress in order to the end, same digest, --set and compare --csv: ok")
