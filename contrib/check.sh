#!/bin/bash
# SPDX-License-Identifier: MIT
# check.sh: the whole test run (what CI runs through .ci/run).
#
#   1. installs the build and test packages (as root; otherwise lists them)
#   2. build/plain (--enable-werror): make check (cmocka), the unit test
#      binaries again under valgrind, make distcheck
#   3. build/asan (--enable-sanitizers --enable-werror): make check, then a
#      private MariaDB + ASan webhookd + nginx under build/check-state and
#      tests/integration/test_api.py against it, a spawn-fcgi smoke test, and
#      a scan of the sanitizer logs
#
# Counts every cmocka test, every integration test and every other step as
# passed or failed; the last line of output is "N passed, N failed".
# Exit status 0 only when nothing failed.
#
# Usage: contrib/check.sh            (from anywhere; works in the repository)
# Environment: CHECK_SKIP_DISTCHECK=1, CHECK_SKIP_VALGRIND=1 skip those steps
# (for quick local runs; CI runs everything).

set -u
set -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT" || exit 1
# shellcheck source=contrib/lib-stack.sh
source "$ROOT/contrib/lib-stack.sh"

LOGS=$ROOT/build/logs
STATE=$ROOT/build/check-state
PLAIN=$ROOT/build/plain
ASAN=$ROOT/build/asan
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

finish() {
	step "summary"
	if [[ ${#FAILED_NAMES[@]} -gt 0 ]]; then
		printf 'failed:\n'
		printf '  - %s\n' "${FAILED_NAMES[@]}"
	fi
	printf 'logs: %s, %s/log\n' "$LOGS" "$STATE"
	printf 'time: %ds\n' $((SECONDS - T0))
	printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
	[[ $FAILED -eq 0 ]]
	exit $?
}

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	stack_stop_all "$STATE" 2>/dev/null
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 130' INT TERM

# --- sanitizer options ---------------------------------------------------

LSAN_NOTE=''
asan_probe() {
	local dir=$LOGS/lsan-probe
	mkdir -p "$dir"
	printf '#include <stdlib.h>\nint main(void) { void *volatile p = malloc(7); p = 0; return p != 0; }\n' >"$dir/probe.c"
	if ! "${CC:-cc}" -fsanitize=address -g -o "$dir/probe" "$dir/probe.c" 2>"$dir/cc.log"; then
		LSAN_NOTE='(could not build the LeakSanitizer probe; leaving detect_leaks=1)'
		return
	fi
	ASAN_OPTIONS=detect_leaks=1 "$dir/probe" >"$dir/run.log" 2>&1
	if grep -q 'does not work under ptrace\|LeakSanitizer has encountered a fatal error' "$dir/run.log"; then
		DETECT_LEAKS=0
		LSAN_NOTE='LeakSanitizer cannot run here ("does not work under ptrace"): detect_leaks=0, leaks are NOT checked under ASan'
	elif grep -q 'LeakSanitizer: detected memory leaks' "$dir/run.log"; then
		LSAN_NOTE='LeakSanitizer works here: detect_leaks=1'
	else
		LSAN_NOTE='LeakSanitizer probe gave no report; leaving detect_leaks=1'
	fi
}

# --- cmocka counting -----------------------------------------------------

# unit_tests BUILDDIR: prints the cmocka test binaries of a build.
unit_tests() {
	local f
	for f in "$1"/tests/unit/test_*; do
		[[ -f $f && -x $f && ${f##*/} != *.* ]] && printf '%s\n' "$f"
	done
}

# count_cmocka LABEL LOG [TRS]: adds the PASSED/FAILED counts of one cmocka
# log.  A binary that printed no summary, or whose result (from the .trs)
# is FAIL/ERROR without a failed count, adds one failure.
count_cmocka() {
	local label=$1 log=$2 trs=${3:-} p f res=''
	p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s), listed below.*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
	[[ -n $trs && -f $trs ]] && res=$(sed -n 's/^:test-result: //p' "$trs" | head -n1)
	if [[ $res == SKIP ]]; then
		printf '  skip  %s (exit 77)\n' "$label"
		return
	fi
	if [[ $f -eq 0 ]] && { [[ $res == FAIL || $res == ERROR || $res == XPASS ]] ||
		grep -q '^\[  FAILED  \] GROUP \(SETUP\|TEARDOWN\)' "$log"; }; then
		f=1
	fi
	if [[ $p -eq 0 && $f -eq 0 ]]; then
		f=1
	fi
	[[ $p -gt 0 ]] && pass "$label: $p cmocka test(s)" "$p"
	if [[ $f -gt 0 ]]; then
		fail "$label: $f cmocka test(s) failed (or the binary crashed)" "$f"
		grep -E '^\[  (FAILED|ERROR) |^\[   LINE   \]|ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" | head -n 20 | sed 's/^/      | /'
	fi
}

# make_check NAME BUILDDIR: make check, then counts each binary's cmocka log.
make_check() {
	local name=$1 b=$2 rc t counted=0 failed_before=$FAILED
	step "$name: make check"
	timeout 600 make -C "$b" -j"$JOBS" check >"$LOGS/$name-make-check.log" 2>&1
	rc=$?
	while read -r t; do
		[[ -n $t ]] || continue
		counted=1
		if [[ -f $t.log ]]; then
			count_cmocka "$name ${t##*/}" "$t.log" "$t.trs"
		else
			# Not run by make check: run it here for its output.
			(cd "$b" && srcdir=$ROOT timeout 300 "$t") >"$LOGS/$name-${t##*/}.log" 2>&1
			count_cmocka "$name ${t##*/}" "$LOGS/$name-${t##*/}.log"
		fi
	done < <(unit_tests "$b")
	if [[ $rc -ne 0 && $FAILED -eq $failed_before ]]; then
		fail "$name: make check exited $rc (see $LOGS/$name-make-check.log)"
		show_tail "$LOGS/$name-make-check.log"
	elif [[ $counted -eq 0 ]]; then
		fail "$name: make check built no tests/unit/test_* binaries"
	fi
}

# build NAME BUILDDIR CONFIGURE_ARGS...: configure + make, 1 pass or 1 fail.
build() {
	local name=$1 b=$2
	shift 2
	step "$name: configure $* && make"
	if stack_build "$ROOT" "$b" "$@" >"$LOGS/$name-build.log" 2>&1; then
		pass "$name: build"
		return 0
	fi
	fail "$name: build (see $LOGS/$name-build.log)"
	grep -E 'error|warning' "$LOGS/$name-build.log" | head -n 30 | sed 's/^/      | /'
	show_tail "$LOGS/$name-build.log" 10
	return 1
}

# --- steps ---------------------------------------------------------------

step_deps() {
	step "packages"
	if stack_deps >"$LOGS/deps.log" 2>&1; then
		pass "packages installed"
		return 0
	fi
	fail "packages (see $LOGS/deps.log)"
	show_tail "$LOGS/deps.log" 10
	return 1
}

step_autoreconf() {
	step "autoreconf"
	if [[ -f $ROOT/config.status ]]; then
		echo "  note: the source tree is configured in place (quickstart.sh?); running 'make distclean' there for the VPATH builds"
		make -C "$ROOT" distclean >"$LOGS/distclean-root.log" 2>&1 || rm -f "$ROOT/config.status"
	fi
	if stack_autoreconf "$ROOT" >"$LOGS/autoreconf.log" 2>&1; then
		pass "autoreconf -fi"
		return 0
	fi
	fail "autoreconf -fi (see $LOGS/autoreconf.log)"
	show_tail "$LOGS/autoreconf.log"
	return 1
}

step_valgrind() {
	local t name rc
	step "plain: unit tests under valgrind"
	if [[ ${CHECK_SKIP_VALGRIND:-0} == 1 ]]; then
		echo "  skipped (CHECK_SKIP_VALGRIND=1)"
		return
	fi
	while read -r t; do
		[[ -n $t ]] || continue
		name=${t##*/}
		(cd "$PLAIN" && srcdir=$ROOT timeout 300 valgrind -q --error-exitcode=1 \
			--leak-check=full --track-fds=no "$t") >"$LOGS/valgrind-$name.log" 2>&1
		rc=$?
		if [[ $rc -eq 0 ]]; then
			pass "valgrind $name"
		else
			fail "valgrind $name (exit $rc, see $LOGS/valgrind-$name.log)"
			grep -E '^==[0-9]+== ' "$LOGS/valgrind-$name.log" | head -n 30 | sed 's/^/      | /'
		fi
	done < <(unit_tests "$PLAIN")
}

step_distcheck() {
	step "plain: make distcheck"
	if [[ ${CHECK_SKIP_DISTCHECK:-0} == 1 ]]; then
		echo "  skipped (CHECK_SKIP_DISTCHECK=1)"
		return
	fi
	if timeout 600 make -C "$PLAIN" -j"$JOBS" distcheck >"$LOGS/distcheck.log" 2>&1; then
		pass "make distcheck"
	else
		fail "make distcheck (see $LOGS/distcheck.log)"
		show_tail "$LOGS/distcheck.log"
	fi
}

# The ASan stack: MariaDB + webhookd + nginx, fresh under build/check-state.
PORT=''
stack_up() {
	step "asan: start MariaDB, webhookd (ASan) and nginx under $STATE"
	stack_stop_all "$STATE" 2>/dev/null
	rm -rf "$STATE"
	mkdir -p "$STATE"
	export ASAN_OPTIONS="detect_leaks=$DETECT_LEAKS:abort_on_error=0:log_path=$STATE/log/asan-webhookd"
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=0
	{
		stack_db_start "$STATE" &&
			stack_db_bootstrap "$STATE" &&
			ASAN_OPTIONS="detect_leaks=$DETECT_LEAKS:abort_on_error=0:log_path=$STATE/log/asan-webhookctl" \
				stack_write_conf "$STATE" "$ASAN/src/webhookctl" \
				allow_private_endpoints=false token_cache_ttl=1 workers=4 &&
			ASAN_OPTIONS="detect_leaks=$DETECT_LEAKS:abort_on_error=0:log_path=$STATE/log/asan-webhookctl" \
				stack_migrate "$STATE" "$ASAN/src/webhookctl" "$ROOT/sql" &&
			stack_webhookd_start "$STATE" "$ASAN/src/webhookd" &&
			PORT=$(stack_free_port 18080) &&
			stack_nginx_start "$STATE" main "127.0.0.1:$PORT" "$STATE/run/webhookd.sock" "$ROOT"
	} >"$LOGS/stack-up.log" 2>&1
	local rc=$?
	sed 's/^/  /' "$LOGS/stack-up.log"
	if [[ $rc -eq 0 ]]; then
		pass "stack up (http://127.0.0.1:$PORT/)"
		return 0
	fi
	fail "stack up (see $LOGS/stack-up.log)"
	local f
	for f in "$STATE"/log/asan-*; do
		[[ -f $f ]] || continue
		echo "  sanitizer report in $f:"
		head -n 25 "$f" | sed 's/^/      | /'
	done
	return 1
}

step_integration() {
	local suite=$ROOT/tests/integration/test_api.py rc line p f
	local lib=$ROOT/contrib/lib-stack.sh
	step "asan: integration suite (tests/integration/test_api.py)"
	if [[ ! -f $suite ]]; then
		fail "integration suite: $suite is missing"
		return
	fi
	local ctl_asan="detect_leaks=$DETECT_LEAKS:abort_on_error=0:log_path=$STATE/log/asan-webhookctl"
	BASE_URL="http://127.0.0.1:$PORT" \
		WEBHOOKCTL="$ASAN/src/webhookctl -c $STATE/webhookd.conf" \
		WEBHOOKD_CONF="$STATE/webhookd.conf" \
		DB_STOP_CMD="bash -c 'source $lib; stack_db_stop $STATE'" \
		DB_START_CMD="bash -c 'source $lib; stack_db_start $STATE'" \
		TOKEN_CACHE_TTL=1 \
		ASAN_OPTIONS="$ctl_asan" \
		PYTHONUNBUFFERED=1 timeout 480 python3 "$suite" 2>&1 | tee "$LOGS/integration.log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOGS/integration.log" | tail -n1)
	if [[ -z $line ]]; then
		fail "integration suite: no 'N passed, N failed' line (exit $rc)"
		return
	fi
	p=${line%% passed*}
	f=${line#*, }
	f=${f%% failed*}
	[[ $p -gt 0 ]] && pass "integration: $p test(s)" "$p"
	[[ $f -gt 0 ]] && fail "integration: $f test(s) failed" "$f"
	if [[ $rc -ne 0 && $f -eq 0 ]]; then
		fail "integration suite exited $rc with no failed test"
	fi
}

step_webhookd_alive() {
	step "asan: webhookd survived the suites"
	if stack_webhookd_running "$STATE"; then
		pass "webhookd master still running"
	else
		fail "webhookd master is gone (see $STATE/log/webhookd.log)"
		show_tail "$STATE/log/webhookd.log" 20
	fi
}

step_spawn_fcgi() {
	local sock2=$STATE/run/spawn.sock conf2=$STATE/webhookd-spawn.conf port2 tok code1 code2 ok=1
	step "asan: spawn-fcgi smoke test"
	sed "s|^listen = .*|listen = $sock2|" "$STATE/webhookd.conf" >"$conf2" && chmod 600 "$conf2"
	{
		spawn-fcgi -s "$sock2" -M 0660 -F 2 -P "$STATE/run/spawn.pid" -- \
			"$ASAN/src/webhookd" -c "$conf2" 2>>"$STATE/log/webhookd-spawn.log" &&
			port2=$(stack_free_port $((PORT + 1))) &&
			stack_nginx_start "$STATE" spawn "127.0.0.1:$port2" "$sock2" "$ROOT"
	} >"$LOGS/spawn-fcgi.log" 2>&1 || ok=0
	if [[ $ok -eq 1 ]]; then
		code1=$(curl -s -o "$LOGS/spawn-health.json" -w '%{http_code}' --max-time 10 \
			"http://127.0.0.1:$port2/webhooks/v1/health/")
		local ctl=("$ASAN/src/webhookctl" -c "$STATE/webhookd.conf")
		tok=$(ASAN_OPTIONS="detect_leaks=$DETECT_LEAKS:abort_on_error=0:log_path=$STATE/log/asan-webhookctl" \
			bash -c '"$@" user add spawn-smoke >/dev/null && "$@" token create spawn-smoke' _ "${ctl[@]}" 2>>"$LOGS/spawn-fcgi.log")
		code2=$(curl -s -o "$LOGS/spawn-list.json" -w '%{http_code}' --max-time 10 \
			-H "Authorization: Bearer $tok" "http://127.0.0.1:$port2/webhooks/v1/webhook/")
		echo "  health: $code1 $(head -c 200 "$LOGS/spawn-health.json" 2>/dev/null)"
		echo "  list:   $code2 $(head -c 200 "$LOGS/spawn-list.json" 2>/dev/null)"
		[[ $code1 == 200 && $code2 == 200 ]] || ok=0
	fi
	stack_nginx_stop "$STATE" spawn
	stack_kill_pidfile "$STATE/run/spawn.pid" "$conf2" 30
	rm -f "$sock2"
	if [[ $ok -eq 1 ]]; then
		pass "spawn-fcgi: 2 workers behind nginx answer health and list"
	else
		fail "spawn-fcgi smoke test (see $LOGS/spawn-fcgi.log, $STATE/log/webhookd-spawn.log)"
		show_tail "$LOGS/spawn-fcgi.log" 15
		show_tail "$STATE/log/webhookd-spawn.log" 15
	fi
}

# sanitizer_scan LABEL FILES...: one test; fails on any sanitizer report.
sanitizer_scan() {
	local label=$1 hits
	shift
	local -a files=()
	local f
	for f in "$@"; do [[ -f $f ]] && files+=("$f"); done
	if [[ ${#files[@]} -eq 0 ]]; then
		pass "$label: no sanitizer output"
		return
	fi
	local ignore='^$'
	if grep -q 'does not work under ptrace' "${files[@]}"; then
		echo "  note: LeakSanitizer reported it cannot run under ptrace; its lines are ignored"
		ignore='does not work under ptrace|LeakSanitizer has encountered a fatal error'
	fi
	hits=$(grep -h -E 'AddressSanitizer|LeakSanitizer|runtime error:' "${files[@]}" |
		grep -v -c -E "$ignore")
	if [[ $hits -eq 0 ]]; then
		pass "$label: no AddressSanitizer/LeakSanitizer/UBSan reports"
	else
		fail "$label: $hits sanitizer report line(s)"
		grep -E -A 12 'ERROR: (Address|Leak)Sanitizer|runtime error:' "${files[@]}" | head -n 60 | sed 's/^/      | /'
	fi
}

step_sanitizer_logs() {
	step "asan: stop webhookd and scan the sanitizer logs"
	stack_nginx_stop "$STATE" main
	stack_webhookd_stop "$STATE"
	sanitizer_scan "webhookd logs" "$STATE/log/webhookd.log" "$STATE/log/webhookd-spawn.log" \
		"$STATE"/log/asan-webhookd.*
	sanitizer_scan "webhookctl logs" "$STATE"/log/asan-webhookctl.*
}

# --- main ----------------------------------------------------------------

mkdir -p "$LOGS" || exit 1
rm -f "$LOGS"/*.log
printf 'webhookd check: %s (%s)\n' "$ROOT" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"

step_deps || finish
step_autoreconf || finish

DETECT_LEAKS=1
asan_probe
echo "  $LSAN_NOTE"
# Leak suppressions for third-party libraries (e.g. libgcrypt's RNG pool,
# allocated once and never freed) are kept by the code in tests/lsan.supp.
if [[ -f $ROOT/tests/lsan.supp ]]; then
	export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp:print_suppressions=0"
	echo "  LeakSanitizer suppressions: tests/lsan.supp"
fi
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=0

if build plain "$PLAIN" --enable-werror; then
	make_check plain "$PLAIN"
	step_valgrind
	step_distcheck
fi

if build asan "$ASAN" --enable-sanitizers --enable-werror; then
	ASAN_OPTIONS="detect_leaks=$DETECT_LEAKS:abort_on_error=0" make_check asan "$ASAN"
	if stack_up; then
		step_integration
		step_webhookd_alive
		step_spawn_fcgi
		step_sanitizer_logs
	fi
	stack_stop_all "$STATE"
fi

finish
