#!/usr/bin/env bash
# The whole suite with the native core built under AddressSanitizer and UBSan (npm run test:asan).
#
# The checkout itself is never touched: its build/Release/sockit.node (which `npm test` loads) and
# its dist/ stay as they are, even while this runs or when it fails. Instead the tree is copied to
# a scratch directory, the addon is built there with -Dsanitize=1 (binding.gyp adds
# -fsanitize=address,undefined -fno-omit-frame-pointer -g -O1) into the copy's own build/Release,
# which src/sys/binding.ts loads as usual, and the suite runs there as `npm test` runs it (but one
# file at a time, see below).
#
# Node is not built with ASan, so the ASan and UBSan runtimes are preloaded (LD_PRELOAD) into the
# node that runs the suite; every process the tests spawn (node, python3, prlimit, go) inherits
# them, which is what we want for the child node processes that load the addon. ASan reports go
# to files (log_path), so a report from a child process whose exit status a test ignores is not
# lost; UBSan reports go to stderr (see ASAN_OPTIONS below), so the test output is searched too.
# Any report fails this script, whatever the suite said.
#
# Usage: npm run test:asan [-- test files, e.g. dist/test/ipc/pipe.test.js]
#        SOCKIT_ASAN_KEEP=1 keeps the scratch directory (it is printed) for a look afterwards.
#        SOCKIT_ASAN_CONCURRENCY=N runs N test files at a time (default 1).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# node-gyp needs npm's environment (its bundled node-gyp, npm_config_nodedir for the headers,
# offline): outside `npm run`, go through npm.
if [[ -z "${npm_config_node_gyp:-}" ]]; then
  cd "$root"
  exec npm run --silent test:asan -- "$@"
fi

scratch="$(mktemp -d "${TMPDIR:-/tmp}/sockit-asan.XXXXXX")"
cleanup() {
  if [[ "${SOCKIT_ASAN_KEEP:-0}" == 1 ]]; then
    echo "asan: kept $scratch" >&2
  else
    rm -rf "$scratch"
  fi
}
trap cleanup EXIT

# The tree as it is now (uncommitted edits included), without what is built or installed;
# node_modules is linked, not copied.
tar -C "$root" --exclude=./.git --exclude=./node_modules --exclude=./build --exclude=./dist -cf - . |
  tar -C "$scratch/" -xf -
ln -s "$root/node_modules" "$scratch/node_modules"
cd "$scratch"

echo "asan: building the addon with -fsanitize=address,undefined in $scratch" >&2
node "$npm_config_node_gyp" rebuild --loglevel=warn -- -Dsanitize=1
tsc -p .

# The runtimes the addon was linked against (gcc links libasan and libubsan for
# address,undefined), preloaded in that order, as the loader would load them for an
# instrumented executable.
libasan="$(readlink -f "$(gcc -print-file-name=libasan.so)")"
libubsan="$(readlink -f "$(gcc -print-file-name=libubsan.so)")"
for lib in "$libasan" "$libubsan"; do
  linked="$(ldd build/Release/sockit.node | awk -v n="$(basename "${lib%%.so*}").so" 'index($1, n) == 1 { print $3 }')"
  if [[ -z "$linked" || "$(readlink -f "$linked")" != "$lib" ]]; then
    echo "asan: build/Release/sockit.node is not linked against $lib:" >&2
    ldd build/Release/sockit.node >&2
    exit 1
  fi
done

logs="$scratch/sanitizer-logs"
mkdir "$logs"
# detect_leaks=0: V8 and Node keep memory alive until exit, and LeakSanitizer reports it all.
# halt_on_error/abort_on_error: the first report ends the process (SIGABRT for ASan; UBSan
# exits with status 1).
# log_path: ASan writes each process's report to a file of its own ($logs/report.<pid>), which
# is read back below, so that a report from a child process whose stderr and exit status a test
# ignores is not lost. gcc's libasan also reads UBSAN_OPTIONS (last wins), so both say the same.
# UBSan's reports go to stderr whatever log_path says: gcc links libubsan as a runtime of its
# own, and its report-path setter binds to libasan's. They reach the test runner's output (or
# the test's captured stderr), which is searched below as well.
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:disable_coredump=1:log_path=$logs/report"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/report"

status=0
if [[ $# -gt 0 ]]; then files=("$@"); else files=(dist/test/*/*.test.js); fi
# One test file at a time (npm test runs two): everything is several times slower under ASan,
# and the suite's few timing bounds (e.g. poll/fd's 100,000 queued reads in 8 s) need the
# headroom more than the run needs the speed. SOCKIT_ASAN_CONCURRENCY=2 runs two at a time.
LD_PRELOAD="$libasan $libubsan" node --test --test-concurrency="${SOCKIT_ASAN_CONCURRENCY:-1}" "${files[@]}" 2>&1 |
  tee "$scratch/test-output.txt" || status=$?

shopt -s nullglob
reports=("$logs"/*)
if [[ ${#reports[@]} -gt 0 ]]; then
  echo "asan: ${#reports[@]} AddressSanitizer report(s):" >&2
  for f in "${reports[@]}"; do
    echo "==== $f" >&2
    cat "$f" >&2
  done
  [[ $status -ne 0 ]] || status=1
fi
# Reports that went to stderr (UBSan's, and any from a process that could not open its log).
if grep -E "runtime error:|ERROR: (Address|UndefinedBehavior|Leak)Sanitizer" "$scratch/test-output.txt" >&2; then
  echo "asan: the sanitizer reports above are in the test output" >&2
  [[ $status -ne 0 ]] || status=1
fi
if [[ $status -eq 0 ]]; then
  echo "asan: the suite passed with no sanitizer report" >&2
else
  echo "asan: failed (exit $status)" >&2
fi
exit "$status"
