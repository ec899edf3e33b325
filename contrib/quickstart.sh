#!/bin/bash
# SPDX-License-Identifier: MIT
# quickstart.sh: a running webhookd on this machine in one command.
#
#   contrib/quickstart.sh [--port N]   build, start MariaDB + webhookd + nginx
#                                      (http://127.0.0.1:8080 or port N), a
#                                      webhook-dispatcher (metrics on port
#                                      N+9) and the web console (port N+1),
#                                      and print tokens and the curl commands
#                                      of the seed scenario
#   contrib/quickstart.sh stop         stop what it started
#   contrib/quickstart.sh status       show what runs
#
# Everything lives in ./var (var/db, var/run, var/log, var/nginx-main,
# var/nginx-console, var/webhookd.conf, var/demo.token, var/pipeline.token);
# nothing system-wide is started.  The build is in build/quickstart (so the
# source tree stays clean for contrib/check.sh's builds), with links to the
# programs in src/, so from the repository root:
#     src/webhookctl -c var/webhookd.conf template list
# Re-running reuses what exists and starts only what is not running.
# As root, missing Debian packages are installed; otherwise the apt-get
# command is printed.

set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT" || exit 1
# shellcheck source=contrib/lib-stack.sh
source "$ROOT/contrib/lib-stack.sh"

VAR=$ROOT/var
PORT=8080
CMD=start

usage() {
	sed -n '3,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
	exit "${1:-2}"
}

while [[ $# -gt 0 ]]; do
	case $1 in
	--port)
		[[ $# -ge 2 && $2 =~ ^[0-9]+$ && $2 -ge 1 && $2 -le 65535 ]] || usage
		PORT=$2
		shift 2
		;;
	--port=*)
		PORT=${1#--port=}
		[[ $PORT =~ ^[0-9]+$ && $PORT -ge 1 && $PORT -le 65535 ]] || usage
		shift
		;;
	stop | status | start) CMD=$1; shift ;;
	-h | --help) usage 0 ;;
	*) usage ;;
	esac
done

die() {
	printf 'quickstart: %s\n' "$*" >&2
	exit 1
}

say() { printf '==> %s\n' "$*"; }

# The console (its own nginx, so its own origin) and the dispatcher's
# metrics sit next to the API port.
CONSOLE_PORT=$((PORT + 1))
METRICS_PORT=$((PORT + 9))
[[ $METRICS_PORT -le 65535 ]] || die "--port $PORT leaves no room for the console (+1) and metrics (+9) ports"
CONSOLE_ORIGIN=http://127.0.0.1:$CONSOLE_PORT

nginx_port_file=$VAR/nginx-main/listen.port
console_port_file=$VAR/nginx-console/listen.port

stop_all() {
	[[ -d $VAR ]] || { say "nothing to stop ($VAR does not exist)"; return; }
	say "stopping nginx (API and console), webhook-dispatcher, webhookd and MariaDB of $VAR"
	stack_nginx_stop "$VAR" console
	stack_nginx_stop "$VAR" main
	stack_dispatcher_stop "$VAR" main
	stack_webhookd_stop "$VAR"
	stack_db_stop "$VAR"
	rm -f "$nginx_port_file" "$console_port_file"
}

status() {
	local what pidf match
	for what in mariadbd webhookd dispatcher nginx console; do
		case $what in
		mariadbd) pidf=$VAR/run/mariadbd.pid match=$VAR/db ;;
		webhookd) pidf=$VAR/run/webhookd.pid match=$VAR/webhookd.conf ;;
		dispatcher) pidf=$VAR/run/dispatcher-main.pid match="webhook-dispatcher -c $VAR/webhookd.conf" ;;
		nginx) pidf=$VAR/nginx-main/nginx.pid match=$VAR/nginx-main/ ;;
		console) pidf=$VAR/nginx-console/nginx.pid match=$VAR/nginx-console/ ;;
		esac
		if stack_pidfile_alive "$pidf" "$match"; then
			printf '%-10s running (pid %s)\n' "$what" "$(head -n1 "$pidf")"
		else
			printf '%-10s stopped\n' "$what"
		fi
	done
	[[ -f $nginx_port_file ]] && printf 'url        http://127.0.0.1:%s/webhooks/v1/\n' "$(cat "$nginx_port_file")"
	[[ -f $console_port_file ]] && printf 'console    http://127.0.0.1:%s/\n' "$(cat "$console_port_file")"
	local m
	if stack_dispatcher_running "$VAR" main; then
		m=$(stack_conf_get "$VAR/webhookd.conf" metrics_listen)
		[[ -n $m ]] && printf 'metrics    http://%s/metrics\n' "$m"
	fi
	return 0
}

case $CMD in
stop) stop_all; exit 0 ;;
status) status; exit 0 ;;
esac

# --- packages --------------------------------------------------------------
say "checking packages"
stack_deps || die "install the packages above (as root), then run this again"

# --- build ------------------------------------------------------------------
# In build/quickstart, linked from src/; a tree that an older quickstart
# configured in place goes on being built in place.
if [[ -f $ROOT/config.status ]]; then
	BUILD=$ROOT
	say "building in place (the tree is configured in place)"
else
	BUILD=$ROOT/build/quickstart
	say "building in build/quickstart"
fi
mkdir -p "$ROOT/build" || die "cannot create build/"
stack_build "$ROOT" "$BUILD" >"$ROOT/build/quickstart-build.log" 2>&1 || {
	tail -n 30 "$ROOT/build/quickstart-build.log" >&2
	die "build failed; see build/quickstart-build.log"
}
if [[ $BUILD != "$ROOT" ]]; then
	for p in webhookctl webhookd webhook-dispatcher; do
		ln -sfn "../build/quickstart/src/$p" "$ROOT/src/$p" || die "cannot link src/$p"
	done
fi
CTL=$ROOT/src/webhookctl
WEBHOOKD=$ROOT/src/webhookd
DISPATCHER=$ROOT/src/webhook-dispatcher
[[ -x $CTL && -x $WEBHOOKD && -x $DISPATCHER ]] ||
	die "src/webhookctl, src/webhookd or src/webhook-dispatcher missing after the build"

# --- MariaDB ---------------------------------------------------------------
mkdir -p "$VAR" || die "cannot create $VAR"
chmod 700 "$VAR"
say "MariaDB in var/db"
stack_db_start "$VAR" || die "MariaDB did not start; see var/log/mariadb.err"
stack_db_bootstrap "$VAR" || die "could not create the webhookd database and user"

# --- config, migrations, demo user ----------------------------------------
CONF=$VAR/webhookd.conf
conf_changed=0
if [[ ! -f $CONF ]]; then
	say "writing var/webhookd.conf"
	stack_write_conf "$VAR" "$CTL" allow_private_endpoints=false workers=4 \
		"dispatcher_notify=$VAR/run/dispatch.sock" \
		"metrics_listen=127.0.0.1:$METRICS_PORT" \
		"cors_origins=$CONSOLE_ORIGIN" ||
		die "could not write var/webhookd.conf"
else
	say "keeping var/webhookd.conf"
	# A file from an older run: add what this version needs, once.
	for kv in "dispatcher_notify=$VAR/run/dispatch.sock" "metrics_listen=127.0.0.1:$METRICS_PORT"; do
		if ! stack_conf_has "$CONF" "${kv%%=*}"; then
			say "adding ${kv%%=*} = ${kv#*=} to var/webhookd.conf"
			stack_conf_set "$CONF" "${kv%%=*}" "${kv#*=}" || die "could not update var/webhookd.conf"
			conf_changed=1
		fi
	done
	allowed=$(stack_conf_get "$CONF" cors_origins)
	if [[ " ${allowed//,/ } " != *" $CONSOLE_ORIGIN "* ]]; then
		say "adding $CONSOLE_ORIGIN to cors_origins in var/webhookd.conf"
		stack_conf_set "$CONF" cors_origins "${allowed:+$allowed }$CONSOLE_ORIGIN" ||
			die "could not update var/webhookd.conf"
		conf_changed=1
	fi
fi
METRICS=$(stack_conf_get "$CONF" metrics_listen)
say "migrations"
"$CTL" -c "$CONF" migrate --sql-dir "$ROOT/sql" || die "migration failed"

if [[ ! -s $VAR/demo.token ]]; then
	say "creating user demo and its token (var/demo.token)"
	if ! "$CTL" -c "$CONF" user add demo 2>"$VAR/log/quickstart-user.log"; then
		# Already there from an earlier run whose token file was removed.
		say "user demo exists already: $(tail -n1 "$VAR/log/quickstart-user.log")"
	fi
	tok=$( umask 077; "$CTL" -c "$CONF" token create demo --name quickstart ) ||
		die "token create failed"
	(umask 077 && printf '%s\n' "$tok" >"$VAR/demo.token")
else
	say "reusing the token in var/demo.token"
fi
chmod 600 "$VAR/demo.token"
TOKEN=$(head -n1 "$VAR/demo.token")

if [[ ! -s $VAR/pipeline.token ]]; then
	say "creating service user pipeline and its token (var/pipeline.token)"
	if ! "$CTL" -c "$CONF" user add pipeline 2>"$VAR/log/quickstart-user.log"; then
		say "user pipeline exists already: $(tail -n1 "$VAR/log/quickstart-user.log")"
	fi
	tok=$( umask 077; "$CTL" -c "$CONF" token create pipeline --service --name quickstart ) ||
		die "token create failed"
	(umask 077 && printf '%s\n' "$tok" >"$VAR/pipeline.token")
else
	say "reusing the service token in var/pipeline.token"
fi
chmod 600 "$VAR/pipeline.token"
SERVICE_TOKEN=$(head -n1 "$VAR/pipeline.token")

# --- webhookd, webhook-dispatcher, nginx -----------------------------------
if [[ $conf_changed -eq 1 ]]; then
	if stack_webhookd_running "$VAR"; then
		say "restarting webhookd for the new settings"
		stack_webhookd_stop "$VAR"
	fi
	if stack_dispatcher_running "$VAR" main; then
		say "restarting webhook-dispatcher for the new settings"
		stack_dispatcher_stop "$VAR" main
	fi
	if stack_nginx_running "$VAR" main; then
		say "restarting nginx for the new settings (cors_origins)"
		stack_nginx_stop "$VAR" main
	fi
fi
say "webhookd"
stack_webhookd_start "$VAR" "$WEBHOOKD" || die "webhookd did not start; see var/log/webhookd.log"
say "webhook-dispatcher${METRICS:+ (metrics on $METRICS)}"
stack_dispatcher_start "$VAR" "$DISPATCHER" main ||
	die "webhook-dispatcher did not start; see var/log/dispatcher-main.log"

if stack_nginx_running "$VAR" main && [[ $(cat "$nginx_port_file" 2>/dev/null) != "$PORT" ]]; then
	say "nginx runs on another port: restarting it on $PORT"
	stack_nginx_stop "$VAR" main
fi
if ! stack_nginx_running "$VAR" main; then
	stack_port_free "$PORT" || die "port $PORT is in use; choose another with --port N"
fi
say "nginx on 127.0.0.1:$PORT"
stack_nginx_start "$VAR" main "127.0.0.1:$PORT" "$VAR/run/webhookd.sock" "$ROOT" ||
	die "nginx did not start; see var/nginx-main/logs/error.log"
printf '%s\n' "$PORT" >"$nginx_port_file"

if stack_nginx_running "$VAR" console && [[ $(cat "$console_port_file" 2>/dev/null) != "$CONSOLE_PORT" ]]; then
	say "the console runs on another port: restarting it on $CONSOLE_PORT"
	stack_nginx_stop "$VAR" console
fi
if ! stack_nginx_running "$VAR" console; then
	stack_port_free "$CONSOLE_PORT" ||
		die "port $CONSOLE_PORT (the console, --port + 1) is in use; choose another with --port N"
fi
say "web console on 127.0.0.1:$CONSOLE_PORT"
stack_console_start "$VAR" console "127.0.0.1:$CONSOLE_PORT" "$ROOT" ||
	die "the console's nginx did not start; see var/nginx-console/logs/error.log"
printf '%s\n' "$CONSOLE_PORT" >"$console_port_file"

BASE=http://127.0.0.1:$PORT/webhooks/v1
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$BASE/health/")
[[ $code == 200 ]] || die "health check answered $code (see var/log/webhookd.log)"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$CONSOLE_ORIGIN/")
[[ $code == 200 ]] || die "the console answered $code (see var/nginx-console/logs/error.log)"
if [[ -n $METRICS ]]; then
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://$METRICS/metrics")
	[[ $code == 200 ]] || die "the dispatcher's metrics answered $code (see var/log/dispatcher-main.log)"
fi

# --- what to do next -------------------------------------------------------
metrics_url="http://$METRICS/metrics"
[[ -n $METRICS ]] || metrics_url='(none: metrics_listen is empty in var/webhookd.conf)'
cat <<EOF

webhookd is running behind nginx at $BASE/
  console: $CONSOLE_ORIGIN/  (paste the demo token; API at http://127.0.0.1:$PORT)
  metrics: $metrics_url  (webhook-dispatcher, Prometheus text)
  logs:    var/log/webhookd.log, var/log/dispatcher-main.log, var/nginx-main/logs/, var/log/mariadb.err
  admin:   src/webhookctl -c var/webhookd.conf ...
  stop:    contrib/quickstart.sh stop

Token of user demo (kept in var/demo.token):
  $TOKEN
Service token of user pipeline, for POST /events/ (kept in var/pipeline.token):
  $SERVICE_TOKEN

The seed scenario, ready to paste:

TOKEN='$TOKEN'
SERVICE_TOKEN='$SERVICE_TOKEN'
BASE='$BASE'

# the API templates
curl -s -w '\\n' -H "Authorization: Bearer \$TOKEN" "\$BASE/templates/"

# create a webhook for assignment_evaluation_student_answer_sheet_extraction
curl -s -w '\\n' -X POST "\$BASE/webhook/" \\
  -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
  -d '{"api_template": "488f4644-057d-41e7-9a74-72c040602647",
       "endpoint_url": "https://example.com/webhook/assignment-processing",
       "secret_hash": "my-signing-secret"}'

# its id (the list is newest first)
ID=\$(curl -s -H "Authorization: Bearer \$TOKEN" "\$BASE/webhook/" |
     python3 -c 'import json, sys; print(json.load(sys.stdin)["results"][0]["id"])')

# list, retrieve
curl -s -w '\\n' -H "Authorization: Bearer \$TOKEN" "\$BASE/webhook/"
curl -s -w '\\n' -H "Authorization: Bearer \$TOKEN" "\$BASE/webhook/\$ID/"

# the pipeline reports a processed document (service token): 202, and the
# dispatcher POSTs a signed delivery to the webhook's endpoint at once
curl -s -w '\\n' -X POST "\$BASE/events/" \\
  -H "Authorization: Bearer \$SERVICE_TOKEN" -H 'Content-Type: application/json' \\
  -d '{"api_template": "assignment_evaluation_student_answer_sheet_extraction",
       "user": "demo", "data": {"document_id": "doc-42", "score": 17}}'

# the webhook's delivery log, newest first, with each attempt's outcome
# (example.com takes no webhooks: expect a failed attempt and a retry)
curl -s -w '\\n' -H "Authorization: Bearer \$TOKEN" "\$BASE/webhook/\$ID/deliveries/"

# its numbered events (webhook-sequence), for a receiver catching up
curl -s -w '\\n' -H "Authorization: Bearer \$TOKEN" "\$BASE/webhook/\$ID/events/?after=0"

# an Ed25519 signing key: deliveries then also carry v1a signatures that
# receivers verify with the public key (whpk_...) alone
curl -s -w '\\n' -X POST -H "Authorization: Bearer \$TOKEN" "\$BASE/webhook/\$ID/signing-key/"

# change the URL, then disable it
curl -s -w '\\n' -X PATCH "\$BASE/webhook/\$ID/" \\
  -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
  -d '{"endpoint_url": "https://example.com/webhook/v2/assignment-processing"}'
curl -s -w '\\n' -X PATCH "\$BASE/webhook/\$ID/" \\
  -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
  -d '{"status": "disabled"}'

# delete it (204)
curl -s -o /dev/null -w '%{http_code}\\n' -X DELETE "\$BASE/webhook/\$ID/" \\
  -H "Authorization: Bearer \$TOKEN"
EOF
