#!/bin/bash
# SPDX-License-Identifier: MIT
# quickstart.sh: a running webhookd on this machine in one command.
#
#   contrib/quickstart.sh [--port N]   build, start MariaDB + webhookd + nginx
#                                      (http://127.0.0.1:8080 or port N) and
#                                      print a token and the curl commands of
#                                      the seed scenario
#   contrib/quickstart.sh stop         stop what it started
#   contrib/quickstart.sh status       show what runs
#
# Everything lives in ./var (var/db, var/run, var/log, var/nginx-main,
# var/webhookd.conf, var/demo.token); nothing system-wide is started.  The
# build is in place (./configure && make), so from the repository root:
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
	sed -n '3,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
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

nginx_port_file=$VAR/nginx-main/listen.port

stop_all() {
	[[ -d $VAR ]] || { say "nothing to stop ($VAR does not exist)"; return; }
	say "stopping nginx, webhookd and MariaDB of $VAR"
	stack_nginx_stop "$VAR" main
	stack_webhookd_stop "$VAR"
	stack_db_stop "$VAR"
	rm -f "$nginx_port_file"
}

status() {
	local what pidf match
	for what in mariadbd webhookd nginx; do
		case $what in
		mariadbd) pidf=$VAR/run/mariadbd.pid match=$VAR/db ;;
		webhookd) pidf=$VAR/run/webhookd.pid match=$VAR/webhookd.conf ;;
		nginx) pidf=$VAR/nginx-main/nginx.pid match=$VAR/nginx-main/ ;;
		esac
		if stack_pidfile_alive "$pidf" "$match"; then
			printf '%-9s running (pid %s)\n' "$what" "$(head -n1 "$pidf")"
		else
			printf '%-9s stopped\n' "$what"
		fi
	done
	[[ -f $nginx_port_file ]] && printf 'url       http://127.0.0.1:%s/webhooks/v1/\n' "$(cat "$nginx_port_file")"
}

case $CMD in
stop) stop_all; exit 0 ;;
status) status; exit 0 ;;
esac

# --- packages --------------------------------------------------------------
say "checking packages"
stack_deps || die "install the packages above (as root), then run this again"

# --- build (in place) ------------------------------------------------------
say "building in place (./configure && make)"
stack_build "$ROOT" "$ROOT" >"$ROOT/quickstart-build.log" 2>&1 || {
	tail -n 30 "$ROOT/quickstart-build.log" >&2
	die "build failed; see quickstart-build.log"
}
rm -f "$ROOT/quickstart-build.log"
CTL=$ROOT/src/webhookctl
WEBHOOKD=$ROOT/src/webhookd
[[ -x $CTL && -x $WEBHOOKD ]] || die "src/webhookctl or src/webhookd missing after the build"

# --- MariaDB ---------------------------------------------------------------
mkdir -p "$VAR" || die "cannot create $VAR"
chmod 700 "$VAR"
say "MariaDB in var/db"
stack_db_start "$VAR" || die "MariaDB did not start; see var/log/mariadb.err"
stack_db_bootstrap "$VAR" || die "could not create the webhookd database and user"

# --- config, migrations, demo user ----------------------------------------
if [[ ! -f $VAR/webhookd.conf ]]; then
	say "writing var/webhookd.conf"
	stack_write_conf "$VAR" "$CTL" allow_private_endpoints=false workers=4 ||
		die "could not write var/webhookd.conf"
else
	say "keeping var/webhookd.conf"
fi
CONF=$VAR/webhookd.conf
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

# --- webhookd, nginx -------------------------------------------------------
say "webhookd"
stack_webhookd_start "$VAR" "$WEBHOOKD" || die "webhookd did not start; see var/log/webhookd.log"

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

BASE=http://127.0.0.1:$PORT/webhooks/v1
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$BASE/health/")
[[ $code == 200 ]] || die "health check answered $code (see var/log/webhookd.log)"

# --- what to do next -------------------------------------------------------
cat <<EOF

webhookd is running behind nginx at $BASE/
  logs:   var/log/webhookd.log, var/nginx-main/logs/, var/log/mariadb.err
  admin:  src/webhookctl -c var/webhookd.conf ...
  stop:   contrib/quickstart.sh stop

Token of user demo (kept in var/demo.token):
  $TOKEN

The seed scenario, ready to paste:

TOKEN='$TOKEN'
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
