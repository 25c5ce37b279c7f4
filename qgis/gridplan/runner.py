"""Runs the gridplan command-line tool for the Processing algorithms.

The algorithms never link to the library: the CLI is the stable interface,
a crash in it cannot take QGIS down, and SIGINT gives a clean cancel (the
CLI removes what it began to write and leaves a previous output as it was).
"""
import json
import os
import queue
import shlex
import shutil
import signal
import subprocess
import threading
import time

from qgis.core import QgsProcessingException, QgsSettings

# Processing > Options > Providers > gridplan, stored like the settings of
# QGIS's own providers so that the options dialog shows it.
SETTING_BIN = 'GRIDPLAN_BIN'
SETTING_KEY = 'Processing/Configuration/' + SETTING_BIN

EXIT_NAMES = {
    1: 'internal error',
    2: 'bad command line',
    3: 'bad scenario file',
    4: 'bad or unreadable input data',
    5: 'bounds not met in some community',
    6: 'output cannot be written',
    129: 'stopped by SIGHUP',
    130: 'stopped by SIGINT',
    143: 'stopped by SIGTERM',
}
EXIT_INFEASIBLE = 5
EXIT_SIGNALS = (129, 130, 143)

# How often the feedback's cancel flag is read while gridplan runs.
POLL_S = 0.1
# gridplan stops within about a second of SIGINT; past this it is stuck and
# is killed (which may leave a DIR.tmp-PID folder beside the output).
CANCEL_GRACE_S = 30.0


def find_binary():
    """The gridplan executable: $GRIDPLAN_BIN, else the Processing setting,
    else gridplan on PATH. Raises QgsProcessingException naming what to set."""
    tried = []
    env = os.environ.get('GRIDPLAN_BIN', '').strip()
    if env:
        if os.path.isfile(env) and os.access(env, os.X_OK):
            return env
        tried.append('GRIDPLAN_BIN={} (not an executable file)'.format(env))
    setting = QgsSettings().value(SETTING_KEY, '')
    setting = str(setting).strip() if setting else ''
    if setting:
        if os.path.isfile(setting) and os.access(setting, os.X_OK):
            return setting
        tried.append('the Processing setting "gridplan executable" = {} (not an executable file)'.format(setting))
    found = shutil.which('gridplan')
    if found:
        return found
    tried.append('gridplan on PATH (not found)')
    raise QgsProcessingException(
        'gridplan executable not found: tried {}. Set the environment variable GRIDPLAN_BIN to the '
        'gridplan binary, or Settings > Options > Processing > Providers > gridplan > gridplan '
        'executable, or put gridplan on PATH.'.format('; '.join(tried)))


class Result:
    """What one gridplan process did: exit code, summary (stdout), messages."""

    def __init__(self, code, stdout, errors, warnings, messages, cancelled, killed=False):
        self.code = code
        self.stdout = stdout
        self.errors = errors
        self.warnings = warnings
        self.messages = messages
        self.cancelled = cancelled
        self.killed = killed


def _overall(p):
    """Fraction of the whole run from one progress object: the finished
    steps plus the current step's share (stages without a count are worth
    nothing until they finish)."""
    steps = p.get('steps') or 0
    if steps <= 0:
        return None
    step = p.get('step') or 1
    total = p.get('total') or 0
    if total > 0:
        part = min(max(p.get('done') or 0, 0) / total, 1.0)
    else:
        part = 1.0 if p.get('finished') else 0.0
    return min(max((step - 1 + part) / steps, 0.0), 1.0)


def _reader(stream, name, q):
    for raw in iter(stream.readline, b''):
        q.put((name, raw.decode('utf-8', 'replace').rstrip('\r\n')))
    stream.close()
    q.put((name, None))


def run(args, feedback, progress_range=(0.0, 100.0)):
    """Runs `gridplan --progress=json ARGS`, feeding progress and messages to
    feedback and interrupting it (SIGINT) when feedback is cancelled.

    Progress is mapped onto progress_range (percent) so that an algorithm
    that does more than one run can share the bar. Returns a Result; never
    raises for the exit code (see check())."""
    binary = find_binary()
    cmd = [binary, '--progress=json'] + [str(a) for a in args]
    if feedback:
        feedback.pushCommandInfo(' '.join(shlex.quote(c) for c in cmd))
    lo, hi = progress_range
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    except OSError as e:
        raise QgsProcessingException('cannot start {}: {}'.format(binary, e))

    q = queue.Queue()
    readers = [threading.Thread(target=_reader, args=(proc.stdout, 'out', q), daemon=True),
               threading.Thread(target=_reader, args=(proc.stderr, 'err', q), daemon=True)]
    for t in readers:
        t.start()

    open_streams = 2
    stdout, errors, warnings, messages = [], [], [], []
    cancelled = killed = False
    cancel_at = None
    stage = None
    while open_streams or proc.poll() is None:
        try:
            name, line = q.get(timeout=POLL_S)
        except queue.Empty:
            name, line = None, None
        if name is not None and line is None:
            open_streams -= 1
        elif name == 'out':
            stdout.append(line)
            if feedback:
                feedback.pushConsoleInfo(line)
        elif name == 'err':
            stage = _stderr_line(line, feedback, errors, warnings, messages, stage, lo, hi)

        if feedback and feedback.isCanceled() and not cancelled:
            cancelled = True
            cancel_at = time.monotonic()
            if proc.poll() is None:
                feedback.pushInfo('gridplan: cancelling (SIGINT): nothing will be written')
                try:
                    proc.send_signal(signal.SIGINT)
                except OSError:
                    pass
        if cancel_at is not None and proc.poll() is None and time.monotonic() - cancel_at > CANCEL_GRACE_S:
            proc.kill()
            killed = True
            cancel_at = None
    code = proc.wait()
    for t in readers:
        t.join(1.0)
    return Result(code, '\n'.join(stdout), errors, warnings, messages, cancelled, killed)


def _stderr_line(line, feedback, errors, warnings, messages, stage, lo, hi):
    """One line of gridplan's stderr: a JSON progress object or a message."""
    if line.startswith('{'):
        try:
            p = json.loads(line)
        except ValueError:
            p = None
        if isinstance(p, dict) and 'stage' in p:
            frac = _overall(p)
            if feedback and frac is not None:
                feedback.setProgress(lo + (hi - lo) * frac)
            if p['stage'] != stage and feedback:
                feedback.setProgressText('gridplan: {} ({}/{})'.format(p['stage'], p.get('step'), p.get('steps')))
            return p['stage']
    if line.startswith('gridplan: error: '):
        errors.append(line[len('gridplan: error: '):])
        if feedback:
            feedback.reportError(line, False)
    elif line.startswith('gridplan: warning: '):
        warnings.append(line[len('gridplan: warning: '):])
        if feedback:
            feedback.pushWarning(line)
    elif line.startswith('gridplan: '):
        # usage errors (exit 2) have no "error:" tag: the last such line is
        # the message when a run fails without one
        messages.append(line[len('gridplan: '):])
        if feedback:
            feedback.pushInfo(line)
    elif line and feedback:
        feedback.pushConsoleInfo(line)
    return stage


def check(result, what='gridplan'):
    """Raises QgsProcessingException for a failed or cancelled run, with the
    CLI's own message. Exit 0 and exit 5 (results written, some community
    infeasible) return normally."""
    if result.code in (0, EXIT_INFEASIBLE):
        return
    if result.killed:
        raise QgsProcessingException('{} did not stop within {:.0f} s of SIGINT and was killed: a '
                                     'temporary folder OUTPUT.tmp-PID may remain beside the output folder; '
                                     'a previous output is as it was'.format(what, CANCEL_GRACE_S))
    if result.cancelled or result.code in EXIT_SIGNALS:
        raise QgsProcessingException('{} was cancelled ({}): nothing was written, a previous output '
                                     'in the same place is as it was'.format(
                                         what, EXIT_NAMES.get(result.code, 'exit {}'.format(result.code))))
    name = EXIT_NAMES.get(result.code, 'exit code {}'.format(result.code))
    detail = (result.errors[-1] if result.errors else result.messages[-1] if result.messages
              else 'no message')
    hint = ''
    if result.code == 2:
        hint = (' (this plugin needs a gridplan that knows --set and --progress=json, '
                'as gridplan 0.1.0 does: check `gridplan --help`)')
    elif result.code < 0:
        name = 'killed by signal {}'.format(-result.code)
    raise QgsProcessingException('{} failed (exit {}, {}): {}{}'.format(what, result.code, name, detail, hint))


def read_report(out_dir):
    """report.json of an output folder as a dict ({} when unreadable)."""
    try:
        with open(os.path.join(out_dir, 'report.json'), encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def number(value):
    """A number as gridplan reads it: '.' as the decimal mark whatever
    LC_NUMERIC QGIS set (Python's own formatting ignores the locale), no
    needless '.0'."""
    v = float(value)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return format(v, '.15g')
