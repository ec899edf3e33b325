#!/bin/bash
# SPDX-License-Identifier: MIT
# bench.sh: throughput and latency of webhookd behind nginx, against three
# references measured on the same machine in the same run:
#
#   static    nginx answering a fixed JSON body itself (nginx's ceiling)
#   ceiling   nginx -> contrib/bench/fcgi_ref: a bare libfcgi prefork
#             responder (4 workers) doing one MariaDB primary-key lookup
#             through a prepared statement (the FastCGI + DB transport ceiling)
#   keepalive the same responder with FastCGI keepalive (each nginx worker
#             keeps one connection open), the ceiling of that transport
#   list      GET /webhooks/v1/webhook/ (a user with 20 webhooks, one page)
#   one       GET /webhooks/v1/webhook/{id}/
#   create    POST /webhooks/v1/webhook/, every request a new (user, template)
#             pair, so no 409 (non-2xx answers are counted and reported)
#
# Each with `wrk -t1 -c64 -d10s --latency` (BENCH_THREADS, BENCH_CONNECTIONS,
# BENCH_DURATION change that).  Builds with -O2 in build/bench, keeps its
# state in build/bench-state (fresh each run) and stops everything it started
# at the end.  wrk runs on the same cores as nginx, webhookd and MariaDB, so
# the absolute numbers are a floor; the ratios to the ceiling are the point.
#
# Then webhook-dispatcher, delivering to a receiver on loopback (an nginx
# server that answers `return 204` and logs `$msec $http_webhook_id`) for
# BENCH_DISPATCH_WEBHOOKS (16) users whose webhooks have secrets, so every delivery is signed:
#
#   drain     events queued through POST /events/ for
#             BENCH_DISPATCH_QUEUE_SECONDS (8) as fast as wrk goes (8
#             connections, contrib/bench/events.lua) with the dispatcher
#             stopped, then the dispatcher started: deliveries per second
#             until all are recorded in MariaDB, and as seen by the receiver
#             (first to last POST)
#   latency   with the dispatcher running and the queue empty, events at
#             each of BENCH_DISPATCH_RATES ("500 1000 1500 2000") a second for
#             BENCH_DISPATCH_SECONDS (10) from wrk + events.lua (8
#             connections on a fixed schedule): the delay from the 202
#             arriving at the client to the receiver logging the POST with
#             that webhook-id (p50, p99; contrib/bench/events.py join).  The
#             client, webhookd, MariaDB, nginx and the dispatcher share the
#             machine's cores: when they cannot keep up, the client falls
#             behind its schedule ("late") and a backlog shows as delay.
#
# BENCH_API_ONLY=1 stops after the API table (no dispatcher runs).
#
# bench.sh --cluster: the same build on contrib/cluster.sh, once with one
# Galera node and once with three (each with its pool and dispatcher, one
# nginx over the pools): events at the fixed arrival rates
# BENCH_CLUSTER_RATES ("100 200 400") for BENCH_CLUSTER_SECONDS (10) each,
# sent on schedule by contrib/bench/cluster_load.py, for a normal (204), a
# slow (100 ms) and a failing (500) receiver: p50/p99 of (first byte of the
# first attempt at the receiver - scheduled send time) and first deliveries
# a second; then GET of one webhook with wrk, with db_sync_wait 1 (reads
# wait for the cluster) and 0.  The single node runs with db_sync_wait 0
# (there is no other node to wait for).
#
# bench.sh --retention: the purge of event_retention_days on
# BENCH_RETENTION_ROWS (1000000) events 40 days old, each with a finished
# delivery and one attempt (3 x 10^6 rows, written with SQL), by one
# dispatcher: how long the purge takes, in how many transactions, the
# longest of them (the longest any row stays locked for it), and the API's
# latency while it runs beside the same measure before (wrk -c8 for 10 s
# each: GET the webhook's deliveries, a page of 20; POST /events/ at 200 a
# second for a user without a webhook).
# BENCH_DISPATCH_CONF adds key=value settings (space separated) to the
# configuration, e.g. "dispatcher_concurrency=128 dispatcher_batch=128".
#
# webhookd and the dispatcher run with log_level=warn, nginx without access
# log (but the receiver's) and without its rate limit (the limit would
# throttle wrk's single token).

set -u

MODE=api
case ${1:-} in
--cluster) MODE=cluster ;;
--retention) MODE=retention ;;
'') ;;
*) printf 'usage: contrib/bench.sh [--cluster | --retention]\n' >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT" || exit 1
# shellcheck source=contrib/lib-stack.sh
source "$ROOT/contrib/lib-stack.sh"

STATE=$ROOT/build/bench-state
B=$ROOT/build/bench
LUA=$ROOT/contrib/bench
THREADS=${BENCH_THREADS:-1}
CONNS=${BENCH_CONNECTIONS:-64}
DUR=${BENCH_DURATION:-10}
DUR=${DUR%s}
WORKERS=${BENCH_WORKERS:-4}
EXTRA_TEMPLATES=${BENCH_TEMPLATES:-200}
QUEUE_SECS=${BENCH_DISPATCH_QUEUE_SECONDS:-8}
RATES=${BENCH_DISPATCH_RATES:-500 1000 1500 2000}
RATE_SECS=${BENCH_DISPATCH_SECONDS:-10}
SENDERS=${BENCH_SENDER_CONNECTIONS:-8}

die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}
say() { printf '==> %s\n' "$*"; }

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	[[ -n ${CDIR:-} ]] && CLUSTER_DIR=$CDIR "$ROOT/contrib/cluster.sh" down >/dev/null 2>&1
	stack_kill_pidfile "$STATE/run/fcgi_ref.pid" fcgi_ref 10 2>/dev/null
	stack_stop_all "$STATE" 2>/dev/null
}
trap cleanup EXIT
trap 'echo interrupted; exit 130' INT TERM

[[ $DUR =~ ^[0-9]+$ && $CONNS =~ ^[0-9]+$ && $THREADS =~ ^[0-9]+$ ]] ||
	die "BENCH_DURATION, BENCH_CONNECTIONS and BENCH_THREADS must be integers"
[[ $QUEUE_SECS =~ ^[1-9][0-9]*$ && $RATE_SECS =~ ^[1-9][0-9]*$ && $SENDERS =~ ^[1-9][0-9]*$ &&
	$RATES =~ ^[0-9\ ]*[1-9][0-9\ ]*$ ]] ||
	die "BENCH_DISPATCH_QUEUE_SECONDS, _SECONDS, _RATES and BENCH_SENDER_CONNECTIONS must be positive integers"

# --- packages and builds ---------------------------------------------------
say "packages"
stack_deps || die "missing packages"
command -v wrk >/dev/null || die "wrk is not installed"

say "building webhookd (-O2) in build/bench"
if [[ -f $ROOT/config.status ]]; then
	die "the source tree is configured in place (quickstart.sh?); run 'make distclean' at the top first"
fi
mkdir -p "$B" "$STATE"
stack_build "$ROOT" "$B" "CFLAGS=-O2 -g" >"$B/bench-build.log" 2>&1 || {
	tail -n 30 "$B/bench-build.log" >&2
	die "build failed; see $B/bench-build.log"
}
CTL=$B/src/webhookctl
DISPATCHER=$B/src/webhook-dispatcher
[[ -x $DISPATCHER ]] || die "$DISPATCHER missing after the build"

# --- bench.sh --cluster ------------------------------------------------------
# cluster_up NODES CONF...: contrib/cluster.sh up in CDIR with NODES nodes.
cluster_up() {
	local nodes=$1
	shift
	CLUSTER_NODES=$nodes CLUSTER_CONF="$*" "$ROOT/contrib/cluster.sh" up >>"$CDIR.log" 2>&1
}
cluster_down() { "$ROOT/contrib/cluster.sh" down >>"$CDIR.log" 2>&1; }

cluster_bench() {
	local crates=${BENCH_CLUSTER_RATES:-100 200 400} csecs=${BENCH_CLUSTER_SECONDS:-10}
	local nodes profile rate line tok id sw
	local -A R=()
	local base="log_level=warn allow_private_endpoints=true workers=$WORKERS retry_schedule=1s,5s,30s"
	export CLUSTER_BIN=$B/src STACK_NGINX_NO_LIMIT=1 STACK_NGINX_ACCESS_LOG=off
	CLUSTER_PORT=$(stack_free_port 18680)
	CLUSTER_PORT_BASE=26000
	export CLUSTER_PORT CLUSTER_PORT_BASE
	for nodes in 1 3; do
		CDIR=/tmp/webhookd-bench-cluster-$nodes
		export CLUSTER_DIR=$CDIR
		cluster_down
		rm -rf "$CDIR" "$CDIR.log"
		mkdir -p "$CDIR" && chmod 755 "$CDIR"
		say "cluster of $nodes node(s) in $CDIR (log $CDIR.log)"
		# One node has no other to wait for: its causal reads only add
		# stalls (p99 100 to 400 ms here), so it runs with db_sync_wait 0.
		local one=''
		[[ $nodes == 1 ]] && one=' db_sync_wait=0'
		cluster_up "$nodes" "$base$one" || { tail -n 20 "$CDIR.log"; die "cluster.sh up ($nodes)"; }
		# Not reported: the first seconds after a start are slower.
		python3 "$LUA/cluster_load.py" --base-url "http://127.0.0.1:$CLUSTER_PORT" \
			--ctl "$CTL -c $CDIR/node1/webhookd.conf" --profile normal --rate 100 --seconds 5 >>"$CDIR.log" 2>&1
		for profile in normal slow failing; do
			for rate in $crates; do
				line=$(python3 "$LUA/cluster_load.py" --base-url "http://127.0.0.1:$CLUSTER_PORT" \
					--ctl "$CTL -c $CDIR/node1/webhookd.conf" --profile "$profile" \
					--rate "$rate" --seconds "$csecs" 2>>"$CDIR.log" | grep '^RESULT')
				say "$nodes node(s): ${line:-no result (see $CDIR.log)}"
				R[$nodes,$profile,$rate]=$line
			done
		done
		for sw in 1 0; do
			[[ $nodes == 1 && $sw == 1 ]] && continue
			if [[ $nodes == 3 && $sw == 0 ]]; then
				{ cluster_down && cluster_up "$nodes" "$base db_sync_wait=0"; } || die "cluster restart"
			fi
			"$CTL" -c "$CDIR/node1/webhookd.conf" user add "bench_get_$sw" >/dev/null 2>&1
			tok=$("$CTL" -c "$CDIR/node1/webhookd.conf" token create "bench_get_$sw")
			id=$(curl -s -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
				-d '{"api_template": "488f4644-057d-41e7-9a74-72c040602647", "endpoint_url": "https://example.com/bench"}' \
				"http://127.0.0.1:$CLUSTER_PORT/webhooks/v1/webhook/" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
			[[ -n $id ]] || die "create for the GET bench"
			BENCH_TOKEN=$tok BENCH_LUA_DIR="$LUA" wrk -t1 -c"$CONNS" -d5s --latency -s "$LUA/get.lua" \
				"http://127.0.0.1:$CLUSTER_PORT/webhooks/v1/webhook/$id/" >"$CDIR-get-$sw.log" 2>&1
			R[$nodes,get,$sw]="$(awk '/Requests\/sec/ { r = $2 } / 99%/ { p = $2 } END { printf "%.0f req/s, p99 %s", r, p }' "$CDIR-get-$sw.log")"
			say "$nodes node(s), db_sync_wait $sw: GET one webhook ${R[$nodes,get,$sw]}"
		done
		cluster_down
	done
	val() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
	printf '\nwebhookd cluster bench: %d CPU(s), %s s per rate, %d workers per node; latency = first byte of the first attempt at the receiver - scheduled send time\n' \
		"$(nproc)" "$csecs" "$WORKERS"
	printf '%-8s %6s | %-30s | %-30s\n' profile rate "1 node: p50 / p99 ms, dl/s" "3 nodes: p50 / p99 ms, dl/s"
	for profile in normal slow failing; do
		for rate in $crates; do
			local a=${R[1,$profile,$rate]:-} c=${R[3,$profile,$rate]:-}
			printf '%-8s %6s | %8s / %8s, %5s (%s/%s) | %8s / %8s, %5s (%s/%s)\n' "$profile" "$rate" \
				"$(val "$a" p50_ms)" "$(val "$a" p99_ms)" "$(val "$a" deliveries_per_s)" "$(val "$a" delivered)" "$(val "$a" offered)" \
				"$(val "$c" p50_ms)" "$(val "$c" p99_ms)" "$(val "$c" deliveries_per_s)" "$(val "$c" delivered)" "$(val "$c" offered)"
		done
	done
	printf 'GET one webhook (wrk -c%s -d5s): 1 node (db_sync_wait 0) %s; 3 nodes: db_sync_wait 1 %s, db_sync_wait 0 %s\n' \
		"$CONNS" "${R[1,get,0]:-}" "${R[3,get,1]:-}" "${R[3,get,0]:-}"
}
if [[ $MODE == cluster ]]; then
	cluster_bench
	exit 0
fi

say "building contrib/bench/fcgi_ref"
# shellcheck disable=SC2046  # pkg-config output is a list of flags
${CC:-cc} -O2 -Wall -Wextra -o "$B/fcgi_ref" "$LUA/fcgi_ref.c" \
	$(pkg-config --cflags --libs fcgi libmariadb 2>/dev/null || echo "-I/usr/include/mariadb -lfcgi -lmariadb") ||
	die "cannot build fcgi_ref"

# --- the stack ---------------------------------------------------------------
say "starting MariaDB, webhookd ($WORKERS workers), fcgi_ref and nginx in $STATE"
read -ra dconf <<<"${BENCH_DISPATCH_CONF:-}"
stack_stop_all "$STATE"
stack_kill_pidfile "$STATE/run/fcgi_ref.pid" fcgi_ref 10
rm -rf "$STATE"
mkdir -p "$STATE"
STATE=$(stack_abspath "$STATE")
{ stack_db_start "$STATE" && stack_db_bootstrap "$STATE"; } || die "MariaDB"
stack_write_conf "$STATE" "$CTL" workers="$WORKERS" log_level=warn \
	allow_private_endpoints=true "dispatcher_notify=$STATE/run/dispatch.sock" \
	"${dconf[@]}" 2>/dev/null || die "config"
stack_migrate "$STATE" "$CTL" "$ROOT/sql" >/dev/null 2>&1 || die "migrations"
stack_webhookd_start "$STATE" "$B/src/webhookd" || die "webhookd"
CONF=$STATE/webhookd.conf

REF_SOCK=$STATE/run/fcgi_ref.sock
REF_DB_SOCKET=$STATE/run/mysqld.sock REF_DB_USER=webhookd REF_DB_NAME=webhookd \
	REF_DB_PASSWORD=$(cat "$STATE/db.password") \
	REF_ID=488f4644-057d-41e7-9a74-72c040602647 \
	"$B/fcgi_ref" "$REF_SOCK" "$WORKERS" </dev/null 2>>"$STATE/log/fcgi_ref.log" &
echo $! >"$STATE/run/fcgi_ref.pid"
stack_wait_for 10 "$(cat "$STATE/run/fcgi_ref.pid")" test -S "$REF_SOCK" || die "fcgi_ref did not start"

PORT=$(stack_free_port 18480) || die "no free port"
PORT2=$(stack_free_port $((PORT + 1))) || die "no free port"
cat >"$STATE/bench-server.conf" <<EOF
# bench-only server: the references.  fcgi_ref_keep keeps one FastCGI
# connection per nginx worker (libfcgi pins a worker to each: keep this
# well below fcgi_ref's workers).
upstream fcgi_ref_keep {
    server unix:$REF_SOCK;
    keepalive 1;
}
server {
    listen 127.0.0.1:$PORT2 backlog=4096;
    server_name _;
    server_tokens off;
    access_log off;
    location = /bench/static {
        default_type application/json;
        return 200 '{"id":"488f4644-057d-41e7-9a74-72c040602647","name":"assignment_evaluation_student_answer_sheet_extraction"}';
    }
    location = /bench/ref {
        include fastcgi_params;
        fastcgi_pass unix:$REF_SOCK;
    }
    location = /bench/ref-keepalive {
        include fastcgi_params;
        fastcgi_keep_conn on;
        fastcgi_pass fcgi_ref_keep;
    }
    location / {
        return 404;
    }
}
EOF
STACK_NGINX_NO_LIMIT=1 STACK_NGINX_ACCESS_LOG=off \
	stack_nginx_start "$STATE" main "127.0.0.1:$PORT" "$STATE/run/webhookd.sock" "$ROOT" \
	"$STATE/bench-server.conf" || die "nginx"

API=http://127.0.0.1:$PORT/webhooks/v1
REF=http://127.0.0.1:$PORT2

for u in "$REF/bench/static" "$REF/bench/ref" "$REF/bench/ref-keepalive" "$API/health/"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$u")
	[[ $code == 200 ]] || die "$u answered $code"
done

# --- bench.sh --retention ----------------------------------------------------
RET_ROWS=${BENCH_RETENTION_ROWS:-1000000}

# ret_probe LABEL: the API's latency now (see the header): "p50 p99 rps"
# of both into RP[LABEL,get] and RP[LABEL,events].
declare -A RP
ret_probe() {
	local log=$STATE/log/ret-$1
	BENCH_LUA_DIR="$LUA" BENCH_TOKEN=$RET_TOKEN wrk -t1 -c8 -d10s --latency \
		-s "$LUA/get.lua" "$API/webhook/$RET_WID/deliveries/" >"$log-get.log" 2>&1
	RP[$1,get]=$(awk '/^BENCH /{for(i=2;i<=NF;i++){split($i,a,"=");v[a[1]]=a[2]}
		printf "%s %s %s", v["p50_ms"], v["p99_ms"], v["rps"]}' "$log-get.log")
	BENCH_EVENTS_TOKEN=$RET_SVC BENCH_EVENTS_TEMPLATE=$RET_TPL BENCH_EVENTS_USER=bench_ret_nohook \
		BENCH_EVENTS_RATE=200 wrk -t1 -c8 -d10s --latency --timeout 10s -s "$LUA/events.lua" \
		"$API/events/" >"$log-events.log" 2>&1
	RP[$1,events]=$(awk '$1=="50%"{p50=$2} $1=="99%"{p99=$2} /^Requests\/sec/{r=$2}
		END{printf "%s %s %s", p50, p99, r}' "$log-events.log")
}

retention_bench() {
	local out t0 planted line left
	"$CTL" -c "$CONF" user add bench_ret >/dev/null 2>&1 || die "user add"
	"$CTL" -c "$CONF" user add bench_ret_nohook >/dev/null 2>&1 || die "user add"
	"$CTL" -c "$CONF" user add bench_ret_svc >/dev/null 2>&1 || die "user add"
	RET_TOKEN=$("$CTL" -c "$CONF" token create bench_ret) || die "token"
	RET_SVC=$("$CTL" -c "$CONF" token create bench_ret_svc --service) || die "token"
	RET_TPL=488f4644-057d-41e7-9a74-72c040602647
	out=$(curl -s -w '\n%{http_code}' --max-time 10 -X POST "$API/webhook/" \
		-H "Authorization: Bearer $RET_TOKEN" -H 'Content-Type: application/json' \
		-d "{\"api_template\":\"$RET_TPL\",\"endpoint_url\":\"https://example.com/hook\"}")
	[[ ${out##*$'\n'} == 201 ]] || die "creating the webhook answered: $out"
	RET_WID=$(printf '%s' "${out%$'\n'*}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	say "planting $RET_ROWS events, deliveries and attempts 40 days old"
	t0=$EPOCHREALTIME
	stack_db_sql "$STATE" webhookd <<SQL || die "planting the rows"
INSERT INTO events (id, source_user_id, user_id, api_template_id, type, deliveries, created_at)
  SELECT UUID(), w.user_id, w.user_id, w.api_template_id, 'bench_ret.completed', 1,
    UTC_TIMESTAMP(6) - INTERVAL 40 DAY + INTERVAL seq * 1000 MICROSECOND
  FROM seq_1_to_$RET_ROWS JOIN webhooks w ON w.id = '$RET_WID';
INSERT INTO deliveries (id, event_id, webhook_id, user_id, event_type, body, status, attempts,
    response_code, duration_ms, created_at, last_attempt_at)
  SELECT UUID(), e.id, '$RET_WID', e.user_id, e.type,
    '{"type":"bench_ret.completed","data":{"document":"sheet","score":17}}',
    'succeeded', 1, 204, 12, e.created_at, e.created_at
  FROM events e WHERE e.type = 'bench_ret.completed';
INSERT INTO delivery_attempts (delivery_id, attempted_at, response_code, duration_ms)
  SELECT id, created_at, 204, 12 FROM deliveries WHERE event_type = 'bench_ret.completed';
SQL
	planted=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
	say "planted in ${planted}s; the API before the purge"
	ret_probe before
	sed -i 's/^log_level *=.*/log_level = info/' "$CONF"
	say "dispatcher with event_retention_days = 30; the API during the purge"
	stack_dispatcher_start "$STATE" "$DISPATCHER" main >/dev/null 2>&1 || die "dispatcher"
	t0=$EPOCHREALTIME
	ret_probe during
	while ! line=$(grep -m1 'purged what is older than' "$STATE/log/dispatcher-main.log"); do
		awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a > 3600) }' &&
			die "no purge line within an hour"
		sleep 1
	done
	left=$(stack_db_sql "$STATE" -N -B -e "SELECT (SELECT COUNT(*) FROM webhookd.deliveries
		WHERE event_type = 'bench_ret.completed') + (SELECT COUNT(*) FROM webhookd.events
		WHERE type = 'bench_ret.completed') + (SELECT COUNT(*) FROM webhookd.delivery_attempts)")
	printf '\nretention: %s rows each of events, deliveries and attempts, 40 days old (planted in %ss); left after the pass: %s\n' \
		"$RET_ROWS" "$planted" "$left"
	printf '  %s\n' "${line#*info: }"
	printf '  %-34s %-24s %-24s\n' "API, wrk -c8 for 10 s" "before: p50 p99 rps" "during the purge"
	printf '  %-34s %-24s %-24s\n' "GET .../deliveries/ (20 a page)" "${RP[before,get]}" "${RP[during,get]}"
	printf '  %-34s %-24s %-24s\n' "POST /events/ at 200/s" "${RP[before,events]}" "${RP[during,events]}"
}
if [[ $MODE == retention ]]; then
	retention_bench
	exit 0
fi

# --- seed data -------------------------------------------------------------
ctl() { "$CTL" -c "$CONF" "$@"; }

say "seeding $EXTRA_TEMPLATES extra templates"
for ((i = 1; i <= EXTRA_TEMPLATES; i++)); do
	n=$(printf '%04d' "$i")
	ctl template add "bench_template_$n" "Bench template $n" >/dev/null 2>>"$STATE/log/seed.log" ||
		die "template add failed; see $STATE/log/seed.log"
done

ctl user add bench_list >/dev/null 2>>"$STATE/log/seed.log" || die "user add"
LIST_TOKEN=$(ctl token create bench_list 2>>"$STATE/log/seed.log") || die "token create"

# All active template ids, through the API.
python3 - "$API" "$LIST_TOKEN" >"$STATE/templates.txt" <<'EOF' || die "could not list the templates"
import json, sys, urllib.request
api, token = sys.argv[1], sys.argv[2]
url = api + "/templates/?page_size=100"
while url:
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=10) as r:
        page = json.load(r)
    for t in page["results"]:
        print(t["id"])
    url = page["next"]
EOF
NTEMPLATES=$(grep -c . "$STATE/templates.txt")
[[ $NTEMPLATES -ge 20 ]] || die "only $NTEMPLATES templates"

say "seeding 20 webhooks for the list user through POST"
ONE_ID=''
while read -r tid; do
	out=$(curl -s -w '\n%{http_code}' --max-time 10 -X POST "$API/webhook/" \
		-H "Authorization: Bearer $LIST_TOKEN" -H 'Content-Type: application/json' \
		-d "{\"api_template\":\"$tid\",\"endpoint_url\":\"https://example.com/hook/$tid\",\"secret_hash\":\"s3cret\"}")
	[[ ${out##*$'\n'} == 201 ]] || die "seed POST answered: $out"
	[[ -n $ONE_ID ]] || ONE_ID=$(printf '%s' "${out%$'\n'*}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
done < <(head -n 20 "$STATE/templates.txt")

# --- runs --------------------------------------------------------------------
declare -A RPS P50 P99 ERR NOTE
ORDER=()

# bench NAME URL SCRIPT [ENV=VALUE...]: a warm-up (not for POST), then the
# measured wrk run; fills RPS/P50/P99/ERR from the BENCH line.
bench() {
	local name=$1 url=$2 script=$3 line log=$STATE/log/wrk-$1.log
	shift 3
	ORDER+=("$name")
	if [[ $script != post.lua ]]; then
		env "$@" BENCH_LUA_DIR="$LUA" wrk -t1 -c8 -d1s -s "$LUA/$script" "$url" >/dev/null 2>&1
	fi
	say "wrk -t$THREADS -c$CONNS -d${DUR}s --latency: $name ($url)"
	env "$@" BENCH_LUA_DIR="$LUA" BENCH_THREADS="$THREADS" \
		wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency -s "$LUA/$script" "$url" >"$log" 2>&1
	sed -n '/Latency Distribution/,/Requests\/sec/p' "$log" | sed 's/^/    /'
	line=$(grep '^BENCH ' "$log" | tail -n1)
	if [[ -z $line ]]; then
		RPS[$name]=0 P50[$name]=- P99[$name]=- ERR[$name]=-
		NOTE[$name]="wrk failed, see $log"
		tail -n 5 "$log" | sed 's/^/    /'
		return
	fi
	local k v connect=0 read=0 write=0 timeout=0 non2xx=0 wrapped=0
	for kv in ${line#BENCH }; do
		k=${kv%%=*} v=${kv#*=}
		case $k in
		rps) RPS[$name]=$v ;;
		p50_ms) P50[$name]=$v ;;
		p99_ms) P99[$name]=$v ;;
		non2xx) non2xx=$v ;;
		connect) connect=$v ;;
		read) read=$v ;;
		write) write=$v ;;
		timeout) timeout=$v ;;
		wrapped) wrapped=$v ;;
		esac
	done
	ERR[$name]=$((non2xx + connect + read + write + timeout))
	NOTE[$name]=''
	[[ $non2xx -gt 0 ]] && NOTE[$name]+="non-2xx $non2xx; "
	[[ $((connect + read + write + timeout)) -gt 0 ]] &&
		NOTE[$name]+="socket errors c$connect r$read w$write t$timeout; "
	[[ $wrapped -gt 0 ]] && NOTE[$name]+="pairs ran out: $wrapped requests reused a pair (409); "
	return 0
}

bench static "$REF/bench/static" get.lua
bench ceiling "$REF/bench/ref" get.lua
bench keepalive "$REF/bench/ref-keepalive" get.lua
bench list "$API/webhook/" get.lua BENCH_TOKEN="$LIST_TOKEN"
bench one "$API/webhook/$ONE_ID/" get.lua BENCH_TOKEN="$LIST_TOKEN"

# Enough users that (users x templates) outlasts the POST run: size it from
# the GET-one rate (creating is slower than reading), at least 50.
need=$(awk -v r="${RPS[one]}" -v d="$DUR" -v t="$NTEMPLATES" \
	'BEGIN { n = int(r * d * 1.3 / t) + 1; if (n < 50) n = 50; if (n > 2000) n = 2000; print n }')
say "seeding $need users with tokens for the POST run ($need x $NTEMPLATES pairs)"
: >"$STATE/tokens.txt"
for ((i = 1; i <= need; i++)); do
	u=$(printf 'bench_user_%04d' "$i")
	{ ctl user add "$u" >/dev/null 2>>"$STATE/log/seed.log" &&
		ctl token create "$u" >>"$STATE/tokens.txt" 2>>"$STATE/log/seed.log"; } ||
		die "seeding user $u failed; see $STATE/log/seed.log"
done
bench create "$API/webhook/" post.lua BENCH_TOKENS="$STATE/tokens.txt" \
	BENCH_TEMPLATES="$STATE/templates.txt"

# --- the table ---------------------------------------------------------------
ceiling=${RPS[ceiling]:-0}
keep=${RPS[keepalive]:-0}
printf '\nwebhookd bench: %s, %d CPU(s), wrk -t%s -c%s -d%ss, webhookd %s workers, fcgi_ref %s workers\n' \
	"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(nproc)" "$THREADS" "$CONNS" "$DUR" "$WORKERS" "$WORKERS"
printf '%-9s %-38s %10s %9s %9s %7s %9s %10s\n' target what 'req/s' 'p50 ms' 'p99 ms' errors 'ceiling' 'keepalive'
declare -A WHAT=(
	[static]='nginx return 200 (no upstream)'
	[ceiling]='nginx -> fcgi_ref, 1 DB PK lookup'
	[keepalive]='the same, FastCGI keepalive 1/worker'
	[list]='GET list, 20 webhooks'
	[one]='GET one webhook'
	[create]='POST create (new user/template pair)')
for name in "${ORDER[@]}"; do
	ratio=$(awk -v a="${RPS[$name]}" -v c="$ceiling" 'BEGIN { if (c > 0) printf "%.2fx", a / c; else print "-" }')
	kratio=$(awk -v a="${RPS[$name]}" -v c="$keep" 'BEGIN { if (c > 0) printf "%.2fx", a / c; else print "-" }')
	printf '%-9s %-38s %10.0f %9s %9s %7s %9s %10s\n' "$name" "${WHAT[$name]}" "${RPS[$name]}" \
		"${P50[$name]}" "${P99[$name]}" "${ERR[$name]}" "$ratio" "$kratio"
done
for name in "${ORDER[@]}"; do
	[[ -n ${NOTE[$name]} ]] && printf '  %s: %s\n' "$name" "${NOTE[$name]%; }"
done
printf 'wrk output: %s/log/wrk-*.log\n' "$STATE"
if [[ ${BENCH_API_ONLY:-0} == 1 ]]; then
	say "BENCH_API_ONLY=1: the dispatcher runs are skipped"
	exit 0
fi

# --- the dispatcher ----------------------------------------------------------
RPORT=$(stack_free_port $((PORT2 + 1))) || die "no free port"
RLOG=$STATE/nginx-receiver/logs/deliveries.log
cat >"$STATE/bench-receiver.conf" <<EOF
# bench-only receiver: every delivery answered 204 and logged with the time
# nginx finished it (\$msec), its webhook-id and its signature
log_format bench_receiver '\$msec \$http_webhook_id \$status sig=\$http_webhook_signature';
server {
    listen 127.0.0.1:$RPORT backlog=4096;
    server_name _;
    server_tokens off;
    keepalive_requests 1000000;
    access_log $RLOG bench_receiver;
    location / {
        return 204;
    }
}
EOF
say "dispatcher: receiver (nginx return 204) on 127.0.0.1:$RPORT"
STACK_NGINX_ACCESS_LOG=off stack_nginx_run "$STATE" receiver "127.0.0.1:$RPORT" \
	"$STATE/bench-receiver.conf" || die "receiver nginx"

# The events go to HOOKS users' webhooks in turn (BENCH_DISPATCH_WEBHOOKS,
# default 16: the platform's shape, many users); with 1, every event is for
# one webhook, which dispatcher_per_webhook (4 transfers) then bounds.
TEMPLATE=488f4644-057d-41e7-9a74-72c040602647
HOOKS=${BENCH_DISPATCH_WEBHOOKS:-16}
ctl user add bench_pipeline >/dev/null 2>>"$STATE/log/seed.log" || die "user add; see $STATE/log/seed.log"
SVC_TOKEN=$(ctl token create bench_pipeline --service 2>>"$STATE/log/seed.log") ||
	die "token create --service"
HOOK_USERS=''
for ((i = 0; i < HOOKS; i++)); do
	ctl user add "bench_dispatch$i" >/dev/null 2>>"$STATE/log/seed.log" || die "user add"
	HOOK_TOKEN=$(ctl token create "bench_dispatch$i" 2>>"$STATE/log/seed.log") || die "token create"
	SECRET=whsec_$(head -c 24 /dev/urandom | base64)
	out=$(curl -s -w '\n%{http_code}' --max-time 10 -X POST "$API/webhook/" \
		-H "Authorization: Bearer $HOOK_TOKEN" -H 'Content-Type: application/json' \
		-d "{\"api_template\":\"$TEMPLATE\",\"endpoint_url\":\"http://127.0.0.1:$RPORT/hook$i\",\"secret_hash\":\"$SECRET\"}")
	[[ ${out##*$'\n'} == 201 ]] || die "creating the receiver's webhook answered: $out"
	HOOK_USERS+="${HOOK_USERS:+,}bench_dispatch$i"
done

# db_count STATUS: deliveries with that status.
db_count() {
	stack_db_sql "$STATE" -N -B -e "SELECT COUNT(*) FROM webhookd.deliveries WHERE status = '$1'"
}

# wait_drained SECONDS: waits until no delivery is pending and prints how
# long that took; fails after SECONDS.
wait_drained() {
	local t0=$EPOCHREALTIME n
	while :; do
		n=$(db_count pending) || return 1
		[[ $n -eq 0 ]] && break
		awk -v a="$t0" -v b="$EPOCHREALTIME" -v m="$1" 'BEGIN { exit !(b - a > m) }' && return 1
		sleep 0.1
	done
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f\n", b - a }'
}

# kv LINE KEY: the value of KEY=value in LINE ("-" when absent).
kv() {
	local v
	v=$(sed -n "s/.* $2=\\([^ ]*\\).*/\\1/p" <<<" $1")
	printf '%s\n' "${v:--}"
}

# events RATE SECONDS [OUT]: POST /events/ for the receiver's webhook with
# wrk and contrib/bench/events.lua (RATE 0: as fast as it goes); OUT gets
# "<event id> <time of the 202>" lines.
events() {
	local out=${3:-}
	[[ -n $out ]] && rm -f "$out" "$out".*
	BENCH_EVENTS_TOKEN=$SVC_TOKEN BENCH_EVENTS_TEMPLATE=$TEMPLATE BENCH_EVENTS_USER=$HOOK_USERS \
		BENCH_EVENTS_RATE=$1 BENCH_EVENTS_OUT=$out \
		wrk -t1 -c"$SENDERS" -d"$2s" --timeout 10s -s "$LUA/events.lua" "$API/events/" || return 1
	[[ -z $out ]] || cat "$out".* >"$out"
}

say "dispatcher (drain): queueing events for ${QUEUE_SECS}s, dispatcher stopped ($SENDERS connections)"
events 0 "$QUEUE_SECS" >"$STATE/log/events-queue.log" 2>&1 ||
	{ tail -n 5 "$STATE/log/events-queue.log" >&2; die "queueing events failed"; }
QLINE=$(grep '^EVENTS ' "$STATE/log/events-queue.log")
QUEUED=$(db_count pending) || die "cannot count the deliveries"
say "  $QUEUED deliveries pending (${QLINE#EVENTS })"
[[ $QUEUED -gt 0 ]] || die "no delivery was queued"

say "dispatcher (drain): starting webhook-dispatcher; waiting until all are delivered"
DISPATCHER_LOG=$STATE/log/dispatcher-main.log
stack_dispatcher_start "$STATE" "$DISPATCHER" main >/dev/null 2>&1 ||
	{ tail -n 20 "$DISPATCHER_LOG" >&2; die "webhook-dispatcher did not start"; }
DISPATCHER_PID=$(head -n1 "$STATE/run/dispatcher-main.pid")
limit=$((QUEUED / 50 > 120 ? QUEUED / 50 : 120))
DRAIN_NOTE=''
if ! DRAIN_SECS=$(wait_drained "$limit"); then
	DRAIN_SECS=$limit
	DRAIN_NOTE="not drained after ${limit}s: $(db_count pending) still pending"
fi
SUCCEEDED=$(db_count succeeded)
FAILED=$(db_count failed)
read -r RECEIVED SIGNED FIRST LAST < <(awk '
	{ n++; if (index($0, " sig=v1,")) s++; if (n == 1) f = $1; l = $1 }
	END { printf "%d %d %.3f %.3f\n", n, s, f, l }' "$RLOG" 2>/dev/null)
DRAIN_RATE=$(awk -v n="$SUCCEEDED" -v t="$DRAIN_SECS" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')
RECV_RATE=$(awk -v n="${RECEIVED:-0}" -v f="${FIRST:-0}" -v l="${LAST:-0}" \
	'BEGIN { printf "%.0f", (l > f ? (n - 1) / (l - f) : 0) }')
say "  $SUCCEEDED succeeded, $FAILED failed in ${DRAIN_SECS}s; the receiver got ${RECEIVED:-0} (${SIGNED:-0} signed)"

declare -A LAT_LINE EV_LINE
for rate in $RATES; do
	say "dispatcher (latency): $rate events/s for ${RATE_SECS}s, dispatcher running"
	events "$rate" "$RATE_SECS" "$STATE/log/events-$rate.txt" >"$STATE/log/events-$rate.log" 2>&1
	EV_LINE[$rate]=$(grep '^EVENTS ' "$STATE/log/events-$rate.log")
	wait_drained 60 >/dev/null || say "  still $(db_count pending) pending after 60 s"
	LAT_LINE[$rate]=$(python3 "$LUA/events.py" join --events "$STATE/log/events-$rate.txt" \
		--log "$RLOG" 2>&1 | tail -n1)
	say "  ${EV_LINE[$rate]#EVENTS }"
	say "  ${LAT_LINE[$rate]#DELAY }"
done

stack_dispatcher_stop "$STATE" main 30
wait "$DISPATCHER_PID" 2>/dev/null
DISPATCHER_RC=$?

conc=$(stack_conf_get "$CONF" dispatcher_concurrency)
batch=$(stack_conf_get "$CONF" dispatcher_batch)
printf '\nwebhook-dispatcher bench: %d CPU(s), concurrency %s, batch %s, %s webhooks; signed POSTs (HMAC-SHA256) to nginx return 204 on loopback\n' \
	"$(nproc)" "${conc:-64}" "${batch:-64}" "$HOOKS"
printf '%-8s %-56s %9s\n' part what 'per s'
printf '%-8s %-56s %9.0f\n' queue "POST /events/, $SENDERS connections, dispatcher stopped" "$(kv "$QLINE" rate)"
printf '%-8s %-56s %9s\n' drain "$SUCCEEDED deliveries recorded in ${DRAIN_SECS}s (start to last)" "$DRAIN_RATE"
printf '%-8s %-56s %9s\n' drain "received by the receiver (first to last POST)" "$RECV_RATE"
[[ -n $DRAIN_NOTE ]] && printf '  drain: %s\n' "$DRAIN_NOTE"
[[ $FAILED -gt 0 ]] && printf '  drain: %s deliveries failed\n' "$FAILED"
[[ ${SIGNED:-0} -lt ${RECEIVED:-0} ]] &&
	printf '  drain: only %s of %s deliveries carried a signature\n' "$SIGNED" "$RECEIVED"
printf '\nlatency: event accepted (202 at the client) -> POST received (receiver log), queue empty at the start\n'
printf '%8s %8s %8s %8s %8s %8s %8s %8s %8s\n' 'rate/s' 'sent/s' events missing 'p50 ms' 'p90 ms' \
	'p99 ms' 'max ms' late
for rate in $RATES; do
	e=${EV_LINE[$rate]:-} l=${LAT_LINE[$rate]:-}
	printf '%8s %8s %8s %8s %8s %8s %8s %8s %8s\n' "$rate" "$(kv "$e" rate)" "$(kv "$l" events)" \
		"$(kv "$l" missing)" "$(kv "$l" p50_ms)" "$(kv "$l" p90_ms)" "$(kv "$l" p99_ms)" \
		"$(kv "$l" max_ms)" "$(kv "$e" late)"
done
printf '  late: requests the client sent more than 5 ms after their slot\n'
[[ $DISPATCHER_RC -eq 0 ]] ||
	printf '  webhook-dispatcher exited %s on SIGTERM (see %s)\n' "$DISPATCHER_RC" "$DISPATCHER_LOG"
printf 'logs: %s/log/ (events-*.log, dispatcher-main.log), receiver log %s\n' "$STATE" "$RLOG"
exit 0
