#!/bin/bash
# SPDX-License-Identifier: MIT
# check.sh: the whole test run (what CI runs through .ci/run), a short
# driver over the build's own targets:
#
#   1. installs the build and test packages (as root; otherwise lists them)
#   2. build/plain (--enable-werror --disable-integration):
#      make check          the cmocka unit tests (TAP)
#      make check-valgrind the unit tests under valgrind
#      make distcheck      the tarball builds and passes its unit tests
#      make lint           cppcheck, clang-tidy, shellcheck
#      make check-fuzz     the libFuzzer harnesses, 15 s each
#   3. make check-sanitizers: build/plain/sanitizers (ASan + UBSan,
#      --enable-werror) and its make check: the unit tests, then each
#      integration test through tests/run-stack.sh, which starts its own
#      MariaDB, webhookd, nginx (and dispatcher) on loopback, checks them
#      after the test (alive, SIGTERM, no sanitizer report) and stops them
#   4. make check-package (build/plain): the Debian package built, linted,
#      installed, run as its systemd units would, removed and purged
#
# Counts every TAP result of every .trs file (each cmocka test, each
# integration test, each of run-stack.sh's checks) and each other target as
# one; the last line of output is "N passed, N failed".  Exit status 0 only
# when nothing failed.
#
# Usage: contrib/check.sh            (from anywhere; works in the repository)
# Environment: CHECK_SKIP_DISTCHECK=1, CHECK_SKIP_VALGRIND=1 skip those
# targets (for quick local runs; CI runs everything); CHECK_DELIVERIES_CONF
# adds key=value settings (space separated) to the deliveries stack's
# webhookd.conf.

set -u
set -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT" || exit 1
# shellcheck source=contrib/lib-stack.sh
source "$ROOT/contrib/lib-stack.sh"

LOGS=$ROOT/build/logs
PLAIN=$ROOT/build/plain
SANB=$PLAIN/sanitizers
JOBS=$(nproc 2>/dev/null || echo 2)

PASSED=0
FAILED=0
FAILED_NAMES=()
T0=$SECONDS

step() { printf '\n==== %s  (t=%ds)\n' "$*" $((SECONDS - T0)); }
pass() { PASSED=$((PASSED + ${2:-1})); printf '  ok    %s\n' "$1"; }
fail() {
	FAILED=$((FAILED + ${2:-1}))
	FAILED_NAMES+=("$1")
	printf '  FAIL  %s\n' "$1"
}
# show_tail FILE [N]: the end of a log, indented, for a failed step.
show_tail() { [[ -f $1 ]] && tail -n "${2:-30}" "$1" | sed 's/^/      | /'; }

# run_logged LOG CMD...: runs CMD (stdin /dev/null) in a process group of
# its own with its output to LOG, shown as it grows; returns CMD's status.
RUN_PGID=''
run_logged() {
	local log=$1 pid tpid rc
	shift
	setsid "$@" >"$log" 2>&1 </dev/null &
	pid=$!
	RUN_PGID=$pid
	tail -n +1 -f --pid="$pid" "$log" 2>/dev/null &
	tpid=$!
	wait "$pid"
	rc=$?
	wait "$tpid"
	return $rc
}

finish() {
	step "summary"
	if [[ ${#FAILED_NAMES[@]} -gt 0 ]]; then
		printf 'failed:\n'
		printf '  - %s\n' "${FAILED_NAMES[@]}"
	fi
	printf 'logs: %s; each test: its .log beside its .trs under %s\n' "$LOGS" "$PLAIN"
	printf 'time: %ds\n' $((SECONDS - T0))
	printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
	[[ $FAILED -eq 0 ]]
	exit $?
}

# An interrupted run: the make (and so run-stack.sh, whose EXIT trap
# stops its stack) gets the signal first.
# shellcheck disable=SC2317  # the EXIT trap
cleanup() {
	[[ -n $RUN_PGID ]] && kill -TERM -- "-$RUN_PGID" 2>/dev/null
	local s
	for s in "$PLAIN"/tests/state/* "$SANB"/tests/state/*; do
		[[ -d $s ]] && stack_stop_all "$s" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 130' INT TERM

# LeakSanitizer cannot run under ptrace (some CI sandboxes): probe once and
# say so, instead of failing every sanitizer test on it.
lsan_probe() {
	local dir=$LOGS/lsan-probe
	mkdir -p "$dir"
	printf '#include <stdlib.h>\nint main(void) { void *volatile p = malloc(7); p = 0; return p != 0; }\n' >"$dir/probe.c"
	WH_DETECT_LEAKS=1
	if ! "${CC:-cc}" -fsanitize=address -g -o "$dir/probe" "$dir/probe.c" 2>"$dir/cc.log"; then
		echo "  could not build the LeakSanitizer probe; leaving detect_leaks=1"
	else
		ASAN_OPTIONS=detect_leaks=1 "$dir/probe" >"$dir/run.log" 2>&1
		if grep -q 'does not work under ptrace\|LeakSanitizer has encountered a fatal error' "$dir/run.log"; then
			WH_DETECT_LEAKS=0
			echo '  LeakSanitizer cannot run here ("does not work under ptrace"): detect_leaks=0, leaks are NOT checked under ASan'
		else
			echo "  LeakSanitizer works here: detect_leaks=1"
		fi
	fi
	export WH_DETECT_LEAKS
	export ASAN_OPTIONS="detect_leaks=$WH_DETECT_LEAKS:abort_on_error=0"
}

# count_trs LABEL DIR: adds every TAP result of the .trs files under DIR.
# PASS and XFAIL pass; FAIL, ERROR, XPASS and SKIP fail (no test here may
# be skipped).  A .trs whose global result is FAIL or ERROR with no failed
# result (a crash, a missing plan, a non-zero exit) adds one failure.
count_trs() {
	local label=$1 dir=$2 trs p f g name total_p=0 total_f=0
	local -a files=()
	mapfile -t files < <(find "$dir" -name '*.trs' -newer "$LOGS/.mark" 2>/dev/null | sort)
	if [[ ${#files[@]} -eq 0 ]]; then
		fail "$label: no test results (.trs) under $dir"
		return
	fi
	for trs in "${files[@]}"; do
		name=${trs#"$dir"/}
		name=${name%.trs}
		p=$(grep -c -E '^:test-result: (PASS|XFAIL)' "$trs")
		f=$(grep -c -E '^:test-result: (FAIL|ERROR|XPASS|SKIP)' "$trs")
		g=$(sed -n 's/^:global-test-result: //p' "$trs")
		if [[ $f -eq 0 && ($g == FAIL* || $g == ERROR*) ]]; then
			f=1
		fi
		total_p=$((total_p + p))
		total_f=$((total_f + f))
		if [[ $f -eq 0 ]]; then
			printf '  ok    %s %s: %d\n' "$label" "$name" "$p"
		else
			printf '  FAIL  %s %s: %d passed, %d failed (%s)\n' "$label" "$name" "$p" "$f" "${trs%.trs}.log"
			FAILED_NAMES+=("$label $name ($f)")
			grep -E '^:test-result: (FAIL|ERROR|XPASS|SKIP)' "$trs" | head -n 20 | sed 's/^/      | /'
			grep -E '^(not ok|Bail out!|ERROR:)|ERROR: (Address|Leak)Sanitizer|runtime error:' "${trs%.trs}.log" |
				head -n 20 | sed 's/^/      | /'
		fi
	done
	PASSED=$((PASSED + total_p))
	FAILED=$((FAILED + total_f))
	printf '  %s: %d passed, %d failed\n' "$label" "$total_p" "$total_f"
}

# target LABEL TIMEOUT MAKE_ARGS...: one make target, 1 pass or 1 fail.
target() {
	local label=$1 secs=$2 log
	shift 2
	log=$LOGS/$(printf '%s' "$label" | tr -c 'A-Za-z0-9_-' '-' | cut -c1-40).log
	if run_logged "$log" timeout "$secs" make -C "$PLAIN" "$@" >/dev/null; then
		pass "$label"
		return 0
	fi
	fail "$label (see $log)"
	show_tail "$log"
	return 1
}

# tests LABEL DIR TIMEOUT MAKE_ARGS...: a make target that runs tests;
# counts their results (and fails once if make failed with none failed).
tests() {
	local label=$1 dir=$2 secs=$3 log rc before=$FAILED
	shift 3
	log=$LOGS/$(printf '%s' "$label" | tr -c 'A-Za-z0-9_-' '-' | cut -c1-40).log
	touch "$LOGS/.mark"
	sleep 1 # the .trs files of this run are newer than the mark
	run_logged "$log" timeout "$secs" make -C "$PLAIN" "$@"
	rc=$?
	count_trs "$label" "$dir"
	if [[ $rc -ne 0 && $FAILED -eq $before ]]; then
		fail "$label: make exited $rc (see $log)"
		show_tail "$log"
	fi
}

# --- main ----------------------------------------------------------------

mkdir -p "$LOGS" || exit 1
rm -f "$LOGS"/*.log
printf 'webhookd check: %s (%s)\n' "$ROOT" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"

step "packages"
if stack_test_deps >"$LOGS/deps.log" 2>&1; then
	pass "packages installed"
else
	fail "packages (see $LOGS/deps.log)"
	show_tail "$LOGS/deps.log" 10
	finish
fi

step "autoreconf"
if [[ -f $ROOT/config.status ]]; then
	echo "  note: the source tree is configured in place (quickstart.sh?); running 'make distclean' there for the VPATH builds"
	make -C "$ROOT" distclean >"$LOGS/distclean-root.log" 2>&1 || rm -f "$ROOT/config.status"
fi
if stack_autoreconf "$ROOT" >"$LOGS/autoreconf.log" 2>&1; then
	pass "autoreconf -fi"
else
	fail "autoreconf -fi (see $LOGS/autoreconf.log)"
	show_tail "$LOGS/autoreconf.log"
	finish
fi

step "plain: configure --enable-werror --disable-integration && make"
if ! stack_build "$ROOT" "$PLAIN" --enable-werror --disable-integration >"$LOGS/plain-build.log" 2>&1; then
	fail "plain: build (see $LOGS/plain-build.log)"
	grep -E 'error|warning' "$LOGS/plain-build.log" | head -n 30 | sed 's/^/      | /'
	show_tail "$LOGS/plain-build.log" 10
	finish
fi
pass "plain: build"

step "plain: make check (unit tests)"
tests "plain" "$PLAIN/tests" 600 -j"$JOBS" check

step "plain: make check-valgrind"
if [[ ${CHECK_SKIP_VALGRIND:-0} == 1 ]]; then
	echo "  skipped (CHECK_SKIP_VALGRIND=1)"
else
	tests "valgrind" "$PLAIN/tests" 600 -j"$JOBS" check-valgrind
fi

step "plain: make distcheck"
if [[ ${CHECK_SKIP_DISTCHECK:-0} == 1 ]]; then
	echo "  skipped (CHECK_SKIP_DISTCHECK=1)"
else
	target "make distcheck" 600 -j"$JOBS" distcheck
fi

step "plain: make lint"
for l in cppcheck clang-tidy shellcheck; do
	target "lint $l" 300 "lint-$l"
done

step "plain: make check-fuzz"
target "fuzz (tests/fuzz, libFuzzer with ASan and UBSan)" 300 check-fuzz

step "sanitizers: make check-sanitizers (unit and integration tests, ASan + UBSan)"
lsan_probe
tests "sanitizers" "$SANB/tests" 1500 check-sanitizers "SANITIZERS_CONFIGURE_FLAGS=--enable-werror --enable-integration" "JOBS=$JOBS"

step "plain: make check-package (the Debian package, installed and purged)"
tests "package" "$PLAIN/tests/package" 600 check-package

finish
