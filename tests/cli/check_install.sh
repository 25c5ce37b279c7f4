#!/usr/bin/env bash
# cmake --install into a temporary prefix, then what a user of the library
# does with it: the files are where docs/library.md says, libgridplan.so
# carries its SONAME and exports the functions of the public headers and
# nothing else, nothing installed points back into the build folder, a C
# program (tests/install/hello.c) builds with pkg-config and with
# find_package(gridplan) and runs against the installed library, the
# installed CLI runs, and its man page renders without warnings. With
# GP_INSTALL_STATIC=ON, hello.c is also linked with libgridplan.a both ways.
#
# usage: tests/cli/check_install.sh BUILD_DIR

# ok always succeeds, so "test && ok ... || fail ..." is an if-then-else
# shellcheck disable=SC2015
set -euo pipefail
build=$(cd "${1:?usage: check_install.sh BUILD_DIR}" && pwd)
src=${GP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cc=${CC:-cc}
demo=$src/datasets/demo/scenario.ini

if ! command -v pkg-config >/dev/null; then
  echo "check.install: skipped: pkg-config not found (apt-get install pkg-config)"
  exit 77
fi
for tool in "$cc" readelf nm; do
  if ! command -v "$tool" >/dev/null; then
    echo "check.install: skipped: $tool not found (apt-get install build-essential)"
    exit 77
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fails=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

if ! cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
  echo "check.install: cmake --install $build --prefix $prefix failed:"
  cat "$tmp/install.log"
  exit 1
fi
ok "cmake --install: $(grep -c '^-- Installing' "$tmp/install.log") files into a temporary prefix"

# GNUInstallDirs puts the libraries in lib here; under /usr on Debian it
# would be lib/<multiarch>. Find it rather than assume.
mapfile -t sonames < <(find "$prefix" -name 'libgridplan.so.*' -type l)
if [ ${#sonames[@]} -ne 1 ]; then
  echo "check.install: expected one libgridplan.so.MAJOR link under the prefix, found ${#sonames[@]}:"
  find "$prefix" | sed "s|^$prefix|  PREFIX|"
  exit 1
fi
libdir=$(dirname "${sonames[0]}")
soname=$(basename "${sonames[0]}")
rel=${libdir#"$prefix"/}
ok "libraries in PREFIX/$rel"

for f in bin/gridplan include/gridplan/gridplan.h include/gridplan/scenario.h include/gridplan/run.h \
         "$rel/pkgconfig/gridplan.pc" "$rel/cmake/gridplan/gridplanConfig.cmake" \
         "$rel/cmake/gridplan/gridplanConfigVersion.cmake" "$rel/cmake/gridplan/gridplanTargets.cmake" \
         share/man/man1/gridplan.1; do
  [ -f "$prefix/$f" ] && ok "PREFIX/$f" || fail "PREFIX/$f is missing"
done
[ -x "$prefix/bin/gridplan" ] || fail "PREFIX/bin/gridplan is not executable"

# libgridplan.so -> libgridplan.so.MAJOR -> libgridplan.so.MAJOR.MINOR.PATCH,
# and the SONAME is the middle name, so programs survive compatible updates
real=$(readlink "$libdir/$soname")
dev=$(readlink "$libdir/libgridplan.so" || true)
if [ "$dev" = "$soname" ] && [ -f "$libdir/$real" ] && [ ! -L "$libdir/$real" ] && [[ "$real" == "$soname".* ]]; then
  ok "libgridplan.so -> $soname -> $real"
else
  fail "link chain: libgridplan.so -> '${dev}', $soname -> '$real'"
fi
seen=$(readelf -d "$libdir/$real" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
[ "$seen" = "$soname" ] && ok "SONAME $seen (readelf -d)" || fail "SONAME '$seen', expected $soname"
version=${real#libgridplan.so.}

# The exports are the functions the installed headers declare, no more (the
# internal gp_* functions are no part of the ABI) and no less.
for h in "$prefix"/include/gridplan/*.h; do echo "#include <gridplan/$(basename "$h")>"; done >"$tmp/all.c"
"$cc" -E -P -I"$prefix/include" "$tmp/all.c" | grep -oE '(^|[^A-Za-z0-9_])gp_[a-z0-9_]+ *\(' |
  grep -oE 'gp_[a-z0-9_]+' | sort -u >"$tmp/declared"
nm -D --defined-only "$libdir/$real" | awk '{ print $NF }' | grep -v '^_' | sort -u >"$tmp/exported"
if cmp -s "$tmp/declared" "$tmp/exported"; then
  ok "libgridplan.so exports the $(wc -l <"$tmp/declared") functions of include/gridplan/*.h and nothing else"
else
  fail "exports differ from the declarations of include/gridplan/*.h (< declared only, > exported only):"
  diff "$tmp/declared" "$tmp/exported" | grep '^[<>]' | sed 's/^/       /' || true
fi
[ "$(nm -D --defined-only "$libdir/$real" | grep -c ' gp_')" -gt 0 ] || fail "no gp_ symbol exported"

# Nothing installed may name the build folder: no RUNPATH into it, no path
# in the pkg-config file or the CMake package.
leaks=$(grep -rl -- "$build" "$prefix" 2>/dev/null || true)
for bin in "$prefix/bin/gridplan" "$libdir/$real"; do
  if readelf -d "$bin" | grep -E 'R(UN)?PATH' | grep -q -- "$build"; then leaks="$leaks $bin"; fi
done
[ -z "$leaks" ] && ok "no installed file names the build folder" || fail "these name $build: $leaks"

# pkg-config
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
pc_version=$(pkg-config --modversion gridplan 2>"$tmp/pc.err" || true)
if [ -z "$pc_version" ]; then
  fail "pkg-config --modversion gridplan: $(cat "$tmp/pc.err")"
else
  [ "$pc_version" = "$version" ] && ok "gridplan.pc: Version $pc_version = the library's file name" ||
    fail "gridplan.pc says Version $pc_version, the library is libgridplan.so.$version"
fi
pc_libdir=$(pkg-config --variable=libdir gridplan || true)
pc_includedir=$(pkg-config --variable=includedir gridplan || true)
[ "$pc_libdir" = "$libdir" ] && [ "$pc_includedir" = "$prefix/include" ] &&
  ok "gridplan.pc: libdir and includedir are under the prefix given to cmake --install" ||
  fail "gridplan.pc: libdir '$pc_libdir', includedir '$pc_includedir' (prefix $prefix)"
static_libs=$(pkg-config --static --libs gridplan || true)
[[ " $static_libs " == *" -lglpk "* ]] && [[ " $static_libs " == *" -lgdal "* ]] &&
  ok "pkg-config --static --libs gridplan names GLPK and GDAL" ||
  fail "pkg-config --static --libs gridplan: '$static_libs'"

# hello.c with pkg-config, run against the installed library
flags=(-std=c11 -Wall -Wextra -Werror -pedantic "-DEXPECTED_VERSION=\"$pc_version\"")
# shellcheck disable=SC2046 # pkg-config's output is a list of words
if "$cc" "${flags[@]}" "$src/tests/install/hello.c" -o "$tmp/hello-pc" \
     $(pkg-config --cflags --libs gridplan) >"$tmp/cc.log" 2>&1; then
  ok "cc hello.c \$(pkg-config --cflags --libs gridplan)"
  if readelf -d "$tmp/hello-pc" | grep -q "NEEDED.*\[$soname\]"; then
    ok "hello needs $soname"
  else
    fail "hello does not name $soname among its NEEDED libraries"
  fi
  resolved=$(LD_LIBRARY_PATH=$libdir ldd "$tmp/hello-pc" | awk '$1 == "'"$soname"'" { print $3 }')
  [ "$resolved" = "$libdir/$soname" ] && ok "with LD_LIBRARY_PATH it loads PREFIX/$rel/$soname" ||
    fail "hello loads $soname from '$resolved'"
  if LD_LIBRARY_PATH=$libdir "$tmp/hello-pc" "$demo" >"$tmp/hello-pc.out" 2>&1; then
    ok "hello (pkg-config): $(tail -1 "$tmp/hello-pc.out")"
  else
    fail "hello (pkg-config):"; sed 's/^/       /' "$tmp/hello-pc.out"
  fi
else
  fail "cc hello.c with pkg-config:"; sed 's/^/       /' "$tmp/cc.log"
fi

# hello.c with find_package(gridplan); it runs through the RUNPATH CMake
# gives a program in its build folder, without LD_LIBRARY_PATH
hello_cmake() { # NAME LABEL CMAKE_ARGS...
  local name=$1 label=$2; shift 2
  if cmake -S "$src/tests/install" -B "$tmp/$name" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
       "$@" >"$tmp/$name.log" 2>&1 && cmake --build "$tmp/$name" >>"$tmp/$name.log" 2>&1; then
    local dir
    dir=$(sed -n 's/^gridplan_DIR:PATH=//p' "$tmp/$name/CMakeCache.txt")
    [ "$dir" = "$libdir/cmake/gridplan" ] && ok "find_package(gridplan$label) found PREFIX/$rel/cmake/gridplan" ||
      fail "find_package(gridplan) found '$dir', not the one under the prefix"
    if env -u LD_LIBRARY_PATH "$tmp/$name/hello" "$demo" >"$tmp/$name.out" 2>&1; then
      ok "hello (find_package(gridplan$label)): $(tail -1 "$tmp/$name.out")"
    else
      fail "hello (find_package(gridplan$label)):"; sed 's/^/       /' "$tmp/$name.out"
    fi
  else
    fail "cmake -S tests/install with find_package(gridplan$label):"; tail -40 "$tmp/$name.log" | sed 's/^/       /'
  fi
}
hello_cmake cmake-shared ""
if readelf -d "$tmp/cmake-shared/hello" 2>/dev/null | grep -q "NEEDED.*\[$soname\]"; then
  ok "hello (find_package) needs $soname"
else
  fail "hello (find_package) does not name $soname among its NEEDED libraries"
fi

# libgridplan.a, when installed: hello.c linked with it both ways
if [ -f "$libdir/libgridplan.a" ]; then
  # libgridplan.a with its dependencies shared: gridplan.pc's own
  # Libs.private and the libraries of its Requires.private (pkg-config
  # --static would also want the dependencies' static libraries); and
  # -Bstatic, or -lgridplan takes the .so beside it
  # shellcheck disable=SC2046 # pkg-config's output is a list of words
  if "$cc" "${flags[@]}" $(pkg-config --cflags gridplan) "$src/tests/install/hello.c" -o "$tmp/hello-pc-static" \
       -L"$libdir" -Wl,-Bstatic -lgridplan -Wl,-Bdynamic $(sed -n 's/^Libs.private: *//p' "$libdir/pkgconfig/gridplan.pc") \
       $(pkg-config --libs $(pkg-config --print-requires-private gridplan)) >"$tmp/cc-static.log" 2>&1 &&
     ! readelf -d "$tmp/hello-pc-static" | grep -q "NEEDED.*libgridplan" &&
     "$tmp/hello-pc-static" "$demo" >"$tmp/hello-pc-static.out" 2>&1; then
    ok "hello with libgridplan.a (gridplan.pc's Libs.private and Requires.private): $(tail -1 "$tmp/hello-pc-static.out")"
  else
    fail "hello with libgridplan.a (gridplan.pc's Libs.private and Requires.private):"
    cat "$tmp/cc-static.log" "$tmp/hello-pc-static.out" 2>/dev/null | sed 's/^/       /' || true
  fi
  hello_cmake cmake-static " COMPONENTS static" -DHELLO_STATIC=ON
  if [ -f "$tmp/cmake-static/hello" ] && ! readelf -d "$tmp/cmake-static/hello" | grep -q "NEEDED.*libgridplan"; then
    ok "hello (gridplan::gridplan_static) needs no libgridplan.so"
  else
    fail "hello (gridplan::gridplan_static) is missing or needs libgridplan.so"
  fi
else
  echo "--   libgridplan.a not installed (GP_INSTALL_STATIC=OFF): the static library is not checked"
fi

# the installed CLI
cli=$("$prefix/bin/gridplan" version 2>&1 | head -1 || true)
[ "$cli" = "gridplan $version" ] && ok "PREFIX/bin/gridplan version: $cli" ||
  fail "PREFIX/bin/gridplan version says '$cli', expected 'gridplan $version'"

# the man page, where man looks for it, rendered without a groff warning
if command -v man >/dev/null; then
  page=$(man -M "$prefix/share/man" -w gridplan 2>/dev/null || true)
  [ "$page" = "$prefix/share/man/man1/gridplan.1" ] && ok "man -M PREFIX/share/man finds gridplan(1)" ||
    fail "man -M PREFIX/share/man -w gridplan: '$page'"
  if MANWIDTH=80 man --warnings -l "$prefix/share/man/man1/gridplan.1" >"$tmp/man.txt" 2>"$tmp/man.err" &&
     [ ! -s "$tmp/man.err" ] && grep -q "gridplan - design and rebalance community management grids" "$tmp/man.txt" &&
     grep -q "^EXIT STATUS" "$tmp/man.txt"; then
    ok "man -l gridplan.1: $(wc -l <"$tmp/man.txt") lines, no warning"
  else
    fail "man -l gridplan.1:"; head -20 "$tmp/man.err" "$tmp/man.txt" | sed 's/^/       /'
  fi
else
  echo "--   man not found: gridplan.1 is not rendered"
fi

if [ "$fails" -gt 0 ]; then
  echo "check.install: $fails failed"
  exit 1
fi
echo "check.install: passed"
