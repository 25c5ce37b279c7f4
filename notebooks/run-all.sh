#!/usr/bin/env bash
# Execute the gridplan notebooks headless; exit non-zero if any cell fails.
#
#   notebooks/run-all.sh [PATH/TO/gridplan]
#
# $1            the gridplan program (default: $GRIDPLAN_BIN, else ROOT/build/gridplan)
# GP_SOURCE_DIR the gridplan source folder (default: the folder above this script)
# NB_OUT_DIR    where to write the executed notebooks (default: a new temporary folder,
#               deleted after a successful run unless KEEP_OUTPUT=1)
#
# Exit codes: 0 all notebooks ran, 1 a notebook failed, 2 usage error,
# 77 jupyter nbconvert or a Python package is missing (the test is skipped).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${GP_SOURCE_DIR:-$(dirname "$here")}"
root="$(cd "$root" && pwd)"
bin="${1:-${GRIDPLAN_BIN:-$root/build/gridplan}}"

packages="jupyter-nbconvert python3-nbconvert python3-nbformat python3-ipykernel python3-matplotlib python3-pandas python3-geopandas python3-gdal"

if command -v jupyter-nbconvert >/dev/null 2>&1; then
    nbconvert=(jupyter-nbconvert)
elif command -v jupyter >/dev/null 2>&1 && jupyter nbconvert --version >/dev/null 2>&1; then
    nbconvert=(jupyter nbconvert)
else
    echo "run-all.sh: jupyter nbconvert is not installed; on Debian 12 install it with" >&2
    echo "  apt-get install -y $packages" >&2
    exit 77
fi

# The notebooks run in the python3 kernel of the system Python (Debian's kernel spec).
python="${GP_PYTHON:-/usr/bin/python3}"
if [ -x "$python" ]; then
    if ! missing="$("$python" - <<'PY'
import importlib.util
mods = ["ipykernel", "nbformat", "matplotlib", "pandas", "geopandas", "osgeo"]
missing = [m for m in mods if importlib.util.find_spec(m) is None]
print(" ".join(missing))
raise SystemExit(1 if missing else 0)
PY
)"; then
        echo "run-all.sh: Python modules missing in $python: $missing; on Debian 12 install" >&2
        echo "  apt-get install -y $packages" >&2
        exit 77
    fi
fi

if [ ! -x "$bin" ] || [ -d "$bin" ]; then
    echo "run-all.sh: gridplan program not found at '$bin': build it (cmake --build build)" \
         "or pass its path as the first argument" >&2
    exit 2
fi
GRIDPLAN_BIN="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
export GRIDPLAN_BIN
export GRIDPLAN_ROOT="$root"
export MPLBACKEND=Agg
export PYDEVD_DISABLE_FILE_VALIDATION=1   # silence the kernel debugger's frozen-modules notice

if [ -n "${NB_OUT_DIR:-}" ]; then
    out="$NB_OUT_DIR"
    mkdir -p "$out"
    cleanup=0
else
    out="$(mktemp -d "${TMPDIR:-/tmp}/gridplan-notebooks.XXXXXX")"
    cleanup=1
fi
[ "${KEEP_OUTPUT:-0}" = 1 ] && cleanup=0

status=0
for nb in compare-scenarios census-update; do
    work="$out/work-$nb"
    rm -rf "$work"
    start=$(date +%s%N)
    if GRIDPLAN_WORK_DIR="$work" "${nbconvert[@]}" --to notebook --execute \
            --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.kernel_name=python3 \
            --output-dir "$out" --output "$nb" "$here/$nb.ipynb"; then
        result=ok
    else
        result=FAILED
        status=1
    fi
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    printf 'run-all.sh: %-18s %s in %d.%d s\n' "$nb" "$result" $((ms / 1000)) $((ms % 1000 / 100))
done

if [ "$status" -ne 0 ]; then
    echo "run-all.sh: a notebook failed; the executed notebooks are in $out" >&2
elif [ "$cleanup" = 1 ]; then
    rm -rf "$out"
else
    echo "run-all.sh: executed notebooks in $out"
fi
exit "$status"
