#!/usr/bin/python3
"""gridplan update on the demo: a run, then updates of it.

1. Nothing changed: every community is kept, the plan digest is the
   previous one, the grids layer is identical feature by feature and no
   worker changes.
2. One community's households and population up 30 %: that community alone
   is solved again (from its previous grids), the report says which atoms
   changed; every other community's grids are identical (polygons, ids,
   counts), and its atoms keep their grids.
3. A tighter bound: exactly the communities with a grid above it are
   solved again, each with the grid and the figure that broke it; the new
   plan meets the bound.
4. Updating the update with the same data changes nothing (same digest).
5. A folder that is not a gridplan output: exit 4, the message names it.
6. A damaged previous output (a truncated atoms layer, an assignments
   table without its columns): exit 4, the file named, nothing written.

usage: check_update.py GRIDPLAN
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

BIN = sys.argv[1]
SRC = os.environ.get("GP_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(SRC, "datasets", "demo")
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what, flush=True)
    if not ok:
        failures.append(what)


def run(args, expect=(0,)):
    p = subprocess.run([BIN, "--quiet"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=900)
    if p.returncode not in expect:
        print(p.stderr)
        raise SystemExit(f"check.update: gridplan {' '.join(args)} exited {p.returncode}")
    return p


def report(out):
    with open(os.path.join(out, "report.json")) as f:
        return json.load(f)


def grids(out):
    """grid_id -> (community, geometry blob, every attribute but workers)"""
    db = sqlite3.connect(os.path.join(out, "grids.gpkg"))
    cols = [r[1] for r in db.execute("PRAGMA table_info(grids)")]
    keep = [c for c in cols if c not in ("fid", "workers")]
    rows = db.execute(f"SELECT {', '.join(keep)} FROM grids").fetchall()
    db.close()
    gi = keep.index("grid_id")
    return {r[gi]: (r[keep.index("community")], r) for r in rows}


def atoms(out):
    db = sqlite3.connect(os.path.join(out, "atoms.gpkg"))
    rows = dict(db.execute("SELECT atom_id, grid_id FROM atoms").fetchall())
    db.close()
    return rows


def scenario(work, name, edit=None):
    """The demo's scenario with its inputs in work/data (copied once)."""
    data = os.path.join(work, "data")
    if not os.path.isdir(data):
        shutil.copytree(DEMO, data, ignore=shutil.ignore_patterns("*.py", "*.md"))
    with open(os.path.join(DEMO, "scenario.ini")) as f:
        text = f.read()
    if edit:
        text = edit(text)
    path = os.path.join(data, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def main():
    work = tempfile.mkdtemp(prefix="gp-update-")
    try:
        base = scenario(work, "scenario.ini")
        full = os.path.join(work, "full")
        run(["run", base, "--out", full])
        A, GA, TA = report(full), grids(full), atoms(full)

        # 1. nothing changed
        same = os.path.join(work, "same")
        p = run(["update", "--plan", full, base, "--out", same])
        B = report(same)
        n = len(A["communities"])
        check(B["plan_digest"] == A["plan_digest"], "nothing changed: the plan digest is the previous one")
        check(B["update"]["kept"] == n and B["update"]["previous_plan_digest"] == A["plan_digest"],
              f"nothing changed: all {n} communities kept ({B['update']})")
        check(grids(same) == GA, "nothing changed: the grids layer is identical (polygons, ids, counts, status)")
        check(all(c["work_units"] == 0 and c["search"] == "kept" for c in B["communities"]),
              "nothing changed: no search ran (0 work units)")
        with open(os.path.join(full, "assignments.csv")) as f1, open(os.path.join(same, "assignments.csv")) as f2:
            cols = lambda rows: [",".join(r.split(",")[:4]) for r in rows]  # id, name, community, grids
            check(cols(f1) == cols(f2), "nothing changed: every worker keeps its community and grids")
        check(B["workers"]["workers_changed"] == 0, "nothing changed: report.json counts no worker changed")

        # 2. one community's counts up 30 %
        target = "231002001003"
        grown = os.path.join(work, "data", "units_grown.gpkg")
        shutil.copy(os.path.join(work, "data", "units.gpkg"), grown)
        # through GDAL: a GeoPackage's triggers need its SQL functions
        subprocess.run(["ogrinfo", "-q", grown, "-sql", "UPDATE units SET hh = CAST(hh * 1.3 AS INTEGER), "
                        f"pop = CAST(pop * 1.3 AS INTEGER) WHERE community = '{target}'"], check=True,
                       stdout=subprocess.DEVNULL)
        ini = scenario(work, "grown.ini", lambda t: re.sub(r"(?m)^units = .*$", "units = units_grown.gpkg", t))
        one = os.path.join(work, "one")
        run(["update", "--plan", full, ini, "--out", one], expect=(0, 5))
        C, GC, TC = report(one), grids(one), atoms(one)
        acted = {c["id"]: c["update"] for c in C["communities"]}
        redone = sorted(k for k, u in acted.items() if u["action"] != "kept")
        check(redone == [target], f"one community changed: only it is solved again ({redone})")
        why = acted[target]["why"]
        check("atoms changed" in why and "new counts" in why and "households" in why and why.endswith("0 new, 0 gone"),
              f"one community changed: the report says what changed ({why})")
        check(acted[target]["action"] == "rebalanced", "one community changed: solved again from its previous grids")
        kept_a = {g: v for g, v in GA.items() if v[0] != target}
        kept_c = {g: v for g, v in GC.items() if v[0] != target}
        check(kept_a == kept_c, f"one community changed: the other {len(kept_a)} grids are identical")
        comm_of = {c["id"]: c for c in A["communities"]}
        moved = [a for a in TA if TA[a] != TC.get(a) and not TA[a].startswith(target)]
        check(not moved, f"one community changed: no atom elsewhere changes grid ({moved[:3]})")
        check(C["plan_digest"] != A["plan_digest"], "one community changed: a new plan digest")
        check(all(c["status"] in ("optimal", "feasible") for c in C["communities"]),
              "one community changed: every community within bounds")
        check(comm_of[target]["households"]["total"] < next(c for c in C["communities"]
                                                           if c["id"] == target)["households"]["total"],
              "one community changed: its households grew")

        # 3. a tighter bound: the grids above it are solved again
        tight = scenario(work, "tight.ini", lambda t: re.sub(r"(?m)^households = 300\.\.500", "households = 300..480", t))
        over = sorted({v[0] for g, v in GA.items() if v[1][list_index(full, "households")] > 480})
        bound = os.path.join(work, "bound")
        run(["update", "--plan", full, tight, "--out", bound], expect=(0, 5))
        D = report(bound)
        redone = sorted(c["id"] for c in D["communities"] if c["update"]["action"] != "kept")
        check(redone == over and over, f"tighter bound: the communities with a grid above 480 are solved again "
                                       f"({redone} == {over})")
        whys = [c["update"]["why"] for c in D["communities"] if c["update"]["action"] != "kept"]
        check(all("above the maximum of 480" in w for w in whys), f"tighter bound: the reason names it ({whys[:1]})")
        hh = [v[1][list_index(bound, "households")] for v in grids(bound).values()]
        check(max(hh) <= 480 + 1e-9 or any(c["status"] in ("infeasible", "not_found") for c in D["communities"]),
              f"tighter bound: the new plan meets it (max {max(hh)})")

        # 4. the update of the update, same data: nothing to do
        again = os.path.join(work, "again")
        run(["update", "--plan", one, ini, "--out", again], expect=(0, 5))
        E = report(again)
        check(E["plan_digest"] == C["plan_digest"] and E["update"]["kept"] == n,
              "the update of an update with the same data: all kept, same digest")

        # 5. not a gridplan output
        bad = os.path.join(work, "not-an-output")
        os.mkdir(bad)
        p = run(["update", "--plan", bad, base, "--out", os.path.join(work, "x")], expect=(4,))
        check("report.json" in p.stderr and bad in p.stderr and not os.path.exists(os.path.join(work, "x")),
              f"not a gridplan output: exit 4, the folder named, nothing written ({p.stderr.strip()[:160]})")

        # 6. a damaged previous output: a truncated atoms layer, an
        # assignments table without its columns; exit 4 naming the file
        for what, damage, words in (
                ("truncated atoms.gpkg", lambda d: open(os.path.join(d, "atoms.gpkg"), "wb").write(b"GPKG"),
                 "atoms.gpkg"),
                ("assignments.csv without its columns",
                 lambda d: open(os.path.join(d, "assignments.csv"), "w").write("who,where\nW001,x\n"),
                 "lacks one of the fields worker_id, community, grids")):
            broken = os.path.join(work, "broken")
            shutil.rmtree(broken, ignore_errors=True)
            shutil.copytree(full, broken)
            damage(broken)
            dest = os.path.join(work, "y")
            p = run(["update", "--plan", broken, base, "--out", dest], expect=(4,))
            check(words in p.stderr and "previous" in p.stderr and not os.path.exists(dest),
                  f"a damaged previous output ({what}): exit 4, the file named, nothing written "
                  f"({p.stderr.strip().splitlines()[-1][:160]})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"check.update: {len(failures)} failure(s)")
    return 1 if failures else 0


def list_index(out, col):
    db = sqlite3.connect(os.path.join(out, "grids.gpkg"))
    cols = [r[1] for r in db.execute("PRAGMA table_info(grids)") if r[1] not in ("fid", "workers")]
    db.close()
    return cols.index(col)


sys.exit(main())
