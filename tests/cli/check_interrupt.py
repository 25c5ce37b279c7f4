#!/usr/bin/python3
"""Interrupting a real run: SIGINT, SIGTERM and SIGHUP sent to the gridplan
binary while it loads, while it solves and while it writes, on the demo and
(when ../shared is beside the checkout) on San Francisco's 150 m cells.

Each time: the documented exit code (128 + the signal), a message that says
nothing was written, the previous output in the same folder byte for byte
as it was, nothing left beside it, and the process gone soon after the
signal (the time it took is printed, not asserted: machines differ).

usage: check_interrupt.py GRIDPLAN_BINARY
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from treehash import tree_hash

BIN = sys.argv[1]
SRC = os.environ.get("GP_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("GP_SHARED_DIR") or os.path.join(SRC, "..", "shared")
HANG = 60  # seconds after the signal before the run counts as hung

failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what, flush=True)
    if not ok:
        failures.append(what)


def interrupt(name, scenario, trigger, sig, delay, work):
    """Runs scenario into work/out (which holds a good output), sends sig
    delay seconds after a stderr line matches trigger, and checks what is
    left."""
    out = os.path.join(work, "out")
    before = tree_hash(out)
    entries = sorted(os.listdir(work))
    p = subprocess.Popen([BIN, "--verbose", "run", scenario, "--out", out],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log, sent, timer = [], [], None

    def send():
        if p.poll() is None:
            p.send_signal(sig)
            sent.append(time.monotonic())

    for line in p.stderr:
        log.append(line)
        if timer is None and re.search(trigger, line):
            timer = threading.Timer(delay, send)
            timer.start()
    if timer:
        timer.join()
    sent = sent[0] if sent else None
    try:
        rc = p.wait(timeout=HANG)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
        check(False, f"{name}: still running {HANG} s after the signal")
    took = time.monotonic() - sent if sent else float("nan")
    signame = signal.Signals(sig).name
    stopped = [l for l in log if "stopped by" in l]
    tag = f"{name}: {signame} {delay:g} s after /{trigger}/"
    if sent is None:
        check(timer is not None and rc == 0, f"{tag}: the run ended before the signal (exit {rc})")
        return
    where = re.search(r"cancelled in stage (\w+)", "".join(stopped))
    print(f"      {tag}: exit {rc} after {took:.2f} s, "
          f"{'stopped in stage ' + where.group(1) if where else 'run had finished'}", flush=True)
    if rc == 0:
        # the signal came after the output was in place: a complete new result
        check(os.path.isfile(os.path.join(out, "report.json")), f"{tag}: finished run has its output")
    else:
        check(rc == 128 + sig, f"{tag}: exit code {rc} == {128 + sig}")
        check(bool(stopped) and "nothing was written" in stopped[0],
              f"{tag}: message says where it stopped and that nothing was written")
        check(tree_hash(out) == before, f"{tag}: previous output untouched")
    check(sorted(os.listdir(work)) == entries, f"{tag}: nothing left beside the output ({sorted(os.listdir(work))})")


def case(name, scenario, triggers):
    work = tempfile.mkdtemp(prefix="gp-int-")
    try:
        out = os.path.join(work, "out")
        rc = subprocess.run([BIN, "--quiet", "run", scenario, "--out", out], stderr=subprocess.DEVNULL).returncode
        check(rc in (0, 5), f"{name}: a first good run (exit {rc})")
        for trigger, sig, delay in triggers:
            interrupt(name, scenario, trigger, sig, delay, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# Stage lines come from --verbose: "loaded ..." ends the load stage,
# "stage staff: done" starts the search, "stage assign: done" the writing.
case("demo", os.path.join(SRC, "datasets/demo/scenario.ini"), [
    (r"^gridplan: loaded ", signal.SIGINT, 0),
    (r"stage staff: done", signal.SIGTERM, 0),
    (r"stage assign: done", signal.SIGINT, 0),
    (r"stage write: done", signal.SIGHUP, 0),
])

sf = os.path.join(SHARED, "datasets/sf/SFCrime_blocks.shp")
if os.path.isfile(sf):
    work = tempfile.mkdtemp(prefix="gp-int-sf-")
    try:
        with open(os.path.join(SRC, "scenarios/sf-cells.ini")) as f:
            text = f.read().replace("../../shared/", os.path.abspath(SHARED) + "/")
        ini = os.path.join(work, "sf.ini")
        with open(ini, "w") as f:
            f.write(text)
        case("sf", ini, [
            (r"stage load: done", signal.SIGINT, 0),       # while the cells are made
            (r"stage staff: done", signal.SIGTERM, 0),     # as the search starts
            (r"stage staff: done", signal.SIGINT, 5),      # in the middle of the search
            (r"stage assign: done", signal.SIGTERM, 0),    # while the layers are written
        ])
    finally:
        shutil.rmtree(work, ignore_errors=True)
else:
    print(f"check.interrupt: San Francisco skipped: {SHARED}/datasets/sf not found beside the checkout")

print(f"check.interrupt: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
