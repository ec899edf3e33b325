#!/bin/bash
# SPDX-License-Identifier: MIT
# cluster.sh: webhookd on a three-node MariaDB Galera cluster, on loopback.
#
#   contrib/cluster.sh up          three mariadbd (Galera, own ports and data
#                                  directories; the first bootstraps), one
#                                  webhookd pool and one webhook-dispatcher
#                                  per node, one nginx over the three pools
#   contrib/cluster.sh down        stop exactly what up started
#   contrib/cluster.sh status      what runs, and each node's wsrep state
#   contrib/cluster.sh db-kill N   kill -9 node N's mariadbd
#   contrib/cluster.sh db-start N  start node N's mariadbd again; it rejoins
#                                  (IST from the cluster's write-set cache,
#                                  or a full SST over rsync)
#   contrib/cluster.sh db-stop     stop every mariadbd cleanly (node 1 last)
#   contrib/cluster.sh db-up       start them all again after db-stop: the
#                                  node that may bootstrap (safe_to_bootstrap)
#                                  first, then the others
#   contrib/cluster.sh dispatcher-kill N | dispatcher-start N
#   contrib/cluster.sh token USER  a user (created if needed) and a token
#
# Everything lives in CLUSTER_DIR (default ./var/cluster): nodeN/ is a
# lib-stack state directory (db/, run/, log/, webhookd.conf) for node N;
# nginx-main/ the nginx.  Environment:
#   CLUSTER_DIR        state directory
#   CLUSTER_BIN        directory holding webhookd, webhook-dispatcher and
#                      webhookctl (default: built in build/cluster)
#   CLUSTER_PORT       nginx's port (default 8090)
#   CLUSTER_PORT_BASE  node N's client port is BASE+N, its Galera port
#                      BASE+100+N, IST BASE+200+N, SST BASE+300+N, its
#                      dispatcher's metrics BASE+400+N (default 24000: below
#                      the kernel's ephemeral ports, 32768 up, which a client
#                      connection may hold at any moment)
#   CLUSTER_CONF       extra webhookd.conf settings, KEY=VALUE, blank separated
#   CLUSTER_DB_ARGS    extra mariadbd options for every node
#   CLUSTER_NODES      how many nodes up starts: 3 (default) or 1 (a
#                      single node, as a reference for the benchmark)
# As root, missing Debian packages are installed first.

set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# shellcheck source=contrib/lib-stack.sh
source "$ROOT/contrib/lib-stack.sh"

DIR=${CLUSTER_DIR:-$ROOT/var/cluster}
HTTP=${CLUSTER_PORT:-8090}
BASE=${CLUSTER_PORT_BASE:-24000}
NODES=${CLUSTER_NODES:-3}
GALERA=/usr/lib/galera/libgalera_smm.so
# How soon the others drop a node that went away: until then the cluster's
# commits wait (Galera's default suspect timeout is 5 s).  Loopback, so
# shorter: a lost node costs about 2 s of stalled writes.
EVS="evs.keepalive_period=PT0.5S;evs.inactive_check_period=PT0.5S;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;evs.install_timeout=PT4S${CLUSTER_WSREP_OPTIONS:+;$CLUSTER_WSREP_OPTIONS}"
[[ $NODES == 1 || $NODES == 3 ]] || { stack_err "CLUSTER_NODES must be 1 or 3"; exit 2; }

die() { stack_err "$*"; exit 1; }
usage() {
	sed -n '3,21s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
	exit 2
}

node_dir() { printf '%s/node%d' "$DIR" "$1"; }
client_port() { echo $((BASE + $1)); }
galera_port() { echo $((BASE + 100 + $1)); }

# The nodes up started (their directories).
nodes() {
	local i
	for ((i = 1; i <= 3; i++)); do [[ -d $DIR/node$i ]] && echo "$i"; done
}

# db_host for node N's programs: its own node first, then the others.
db_hosts() {
	local n=$1 i list
	list="127.0.0.1:$(client_port "$n")"
	for i in $(nodes); do
		[[ $i == "$n" ]] || list+=", 127.0.0.1:$(client_port "$i")"
	done
	printf '%s' "$list"
}

# --- MariaDB Galera --------------------------------------------------------

db_running() { stack_db_running "$(node_dir "$1")"; }

# wsrep_state N: node N's wsrep_local_state_comment (Synced, Donor/Desynced,
# Joining, ...) or nothing.
wsrep_state() {
	stack_db_sql "$(node_dir "$1")" -N -e "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null |
		awk '{ print $2 }'
}
db_synced() { [[ $(wsrep_state "$1") == Synced ]]; }

# db_start N [new]: starts node N's mariadbd (with "new": bootstraps a new
# cluster from it) and waits until it is Synced.  A node killed outright
# first recovers its position (--wsrep-recover), so that it can rejoin by
# IST rather than copy everything.
db_start() {
	local n=$1 new=${2:-} s pid i pos='' addr=''
	s=$(stack_dirs "$(node_dir "$n")") || return 1
	if db_running "$n"; then
		stack_log "node $n: mariadbd already running"
		return 0
	fi
	local -a user=() extra=() wsrep=()
	# As root, the nodes run as Debian's mysql user: a joiner's rsync
	# daemon, started by mariadbd, would otherwise write as nobody.
	if stack_is_root; then
		user=(--user=mysql)
		if ! runuser -u mysql -- test -x "$s"; then
			stack_err "user mysql cannot reach $s: choose a CLUSTER_DIR outside private directories (e.g. under /tmp or /var/tmp)"
			return 1
		fi
		mkdir -p "$s/db" && chown -R mysql: "$s/db" "$s/run" "$s/log" || return 1
	fi
	read -ra extra <<<"${CLUSTER_DB_ARGS:-}"
	for i in 1 2 3; do
		[[ $NODES == 1 && $i != 1 ]] && continue
		addr+="${addr:+,}127.0.0.1:$(galera_port "$i")"
	done
	if [[ ! -d $s/db/mysql && $n == 1 ]]; then
		stack_log "node $n: initialising $s/db"
		mariadb-install-db --no-defaults --datadir="$s/db" "${user[@]}" \
			--auth-root-authentication-method=socket \
			--auth-root-socket-user="$(stack_db_admin)" --skip-test-db \
			>"$s/log/mariadb-install.log" 2>&1 ||
			{ tail -n 20 "$s/log/mariadb-install.log" >&2; return 1; }
	fi
	mkdir -p "$s/db"
	wsrep=(--wsrep-on=ON --wsrep-provider="$GALERA" --wsrep-cluster-name=webhookd
		--wsrep-cluster-address="gcomm://$addr" --wsrep-node-name="node$n"
		--wsrep-node-address="127.0.0.1:$(galera_port "$n")"
		--wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$(galera_port "$n");ist.recv_addr=127.0.0.1:$((BASE + 200 + n));gcache.size=64M;$EVS"
		--wsrep-sst-method=rsync --wsrep-sst-receive-address="127.0.0.1:$((BASE + 300 + n))"
		--binlog-format=ROW --innodb-autoinc-lock-mode=2 --default-storage-engine=InnoDB)
	# After kill -9 the state file says seqno -1: recover the position.
	if [[ -f $s/db/grastate.dat ]] && grep -q '^seqno: *-1' "$s/db/grastate.dat"; then
		rm -f "$s/log/wsrep-recover.log"
		mariadbd --no-defaults --datadir="$s/db" "${user[@]}" --wsrep-recover "${wsrep[@]}" \
			--log-error="$s/log/wsrep-recover.log" </dev/null >/dev/null 2>&1
		pos=$(sed -n 's/.*WSREP: Recovered position: *\([^ ]*\).*/\1/p' "$s/log/wsrep-recover.log" | tail -n1)
		[[ -n $pos ]] && wsrep+=(--wsrep-start-position="$pos") && stack_log "node $n: recovered position $pos"
	fi
	[[ $new == new ]] && wsrep+=(--wsrep-new-cluster)
	for i in "$(client_port "$n")" "$(galera_port "$n")" $((BASE + 200 + n)) $((BASE + 300 + n)); do
		stack_port_free "$i" || { stack_err "node $n: port $i is in use (CLUSTER_PORT_BASE moves them)"; return 1; }
	done
	rm -f "$s/run/mysqld.sock"
	mariadbd --no-defaults --datadir="$s/db" --socket="$s/run/mysqld.sock" \
		--pid-file="$s/run/mysqld.pid" --bind-address=127.0.0.1 --port="$(client_port "$n")" \
		--log-error="$s/log/mariadb.err" "${user[@]}" "${wsrep[@]}" "${extra[@]}" \
		</dev/null >/dev/null 2>&1 &
	pid=$!
	printf '%s\n' "$pid" >"$s/run/mariadbd.pid"
	if ! stack_wait_for 180 "$pid" db_synced "$n"; then
		stack_err "node $n: mariadbd did not reach Synced; see $s/log/mariadb.err"
		tail -n 20 "$s/log/mariadb.err" >&2
		return 1
	fi
	stack_log "node $n: mariadbd synced (pid $pid, 127.0.0.1:$(client_port "$n"))"
}

db_kill() {
	local s pid
	s=$(node_dir "$1")
	db_running "$1" || { stack_log "node $1: mariadbd not running"; return 0; }
	pid=$(head -n1 "$s/run/mariadbd.pid")
	kill -9 "$pid" && stack_log "node $1: mariadbd (pid $pid) killed"
	stack_wait_for 10 '' bash -c "! kill -0 $pid 2>/dev/null"
}

# db_stop_all: every node stopped cleanly, node 1 last (it may bootstrap).
db_stop_all() {
	local i
	for i in $(nodes | sort -r); do stack_db_stop "$(node_dir "$i")"; done
}

# db_up_all: after db_stop_all (or a crash of all), the node that may
# bootstrap first (safe_to_bootstrap: 1, else node 1), then the others.
db_up_all() {
	local i first=1
	for i in $(nodes); do
		grep -q '^safe_to_bootstrap: *1' "$(node_dir "$i")/db/grastate.dat" 2>/dev/null && first=$i
	done
	if ! any_db_running; then
		sed -i 's/^safe_to_bootstrap: *0/safe_to_bootstrap: 1/' "$(node_dir "$first")/db/grastate.dat" 2>/dev/null
		db_start "$first" new || return 1
	fi
	for i in $(nodes); do db_start "$i" || return 1; done
}
any_db_running() {
	local i
	for i in $(nodes); do db_running "$i" && return 0; done
	return 1
}

# --- webhookd, dispatchers, nginx -------------------------------------------

find_bin() {
	if [[ -n ${CLUSTER_BIN:-} ]]; then
		BIN=$(stack_abspath "$CLUSTER_BIN") || die "CLUSTER_BIN $CLUSTER_BIN does not exist"
	else
		mkdir -p "$ROOT/build" || die "cannot create build/"
		stack_build "$ROOT" "$ROOT/build/cluster" >"$ROOT/build/cluster-build.log" 2>&1 ||
			{ tail -n 30 "$ROOT/build/cluster-build.log" >&2; die "build failed; see build/cluster-build.log"; }
		BIN=$ROOT/build/cluster/src
	fi
	for p in webhookd webhook-dispatcher webhookctl; do
		[[ -x $BIN/$p ]] || die "$BIN/$p not found"
	done
}

# node_conf N: node N's webhookd.conf; the password and key are node 1's,
# as the database and the sealed secrets are the cluster's.
node_conf() {
	local n=$1 s pw
	local -a extra=()
	s=$(stack_dirs "$(node_dir "$n")") || return 1
	read -ra extra <<<"${CLUSTER_CONF:-}"
	if [[ $n != 1 ]]; then
		cp -p "$DIR/node1/db.password" "$s/db.password" && cp -p "$DIR/node1/secret.key" "$s/secret.key" || return 1
	fi
	pw=$(stack_db_password "$s") || return 1
	stack_write_conf "$s" "$BIN/webhookctl" db_socket= "db_host=$(db_hosts "$n")" \
		"dispatcher_notify=$s/run/dispatch.sock" "metrics_listen=127.0.0.1:$((BASE + 400 + n))" \
		"${extra[@]}"
}

# The database's user for TCP clients, made once (it replicates).
db_bootstrap() {
	local pw
	stack_db_bootstrap "$DIR/node1" || return 1
	pw=$(stack_db_password "$DIR/node1") || return 1
	stack_db_sql "$DIR/node1" <<-EOF
		CREATE USER IF NOT EXISTS 'webhookd'@'127.0.0.1' IDENTIFIED BY '$pw';
		ALTER USER 'webhookd'@'127.0.0.1' IDENTIFIED BY '$pw';
		GRANT ALL PRIVILEGES ON webhookd.* TO 'webhookd'@'127.0.0.1';
	EOF
}

dispatcher_start() { stack_dispatcher_start "$(node_dir "$1")" "$BIN/webhook-dispatcher" main; }
dispatcher_kill() {
	local f pid
	f=$(node_dir "$1")/run/dispatcher-main.pid
	stack_dispatcher_running "$(node_dir "$1")" main || { stack_log "node $1: no dispatcher running"; return 0; }
	pid=$(head -n1 "$f")
	kill -9 "$pid" && stack_log "node $1: dispatcher (pid $pid) killed"
	rm -f "$f"
}

# nginx over every node's pool: the upstream lists each socket.
nginx_start() {
	local servers='' i d=$DIR/nginx-main
	mkdir -p "$d" || return 1
	for i in $(nodes); do servers+="    server unix:$(node_dir "$i")/run/webhookd.sock max_fails=0;"$'\n'; done
	stack_nginx_conf "$ROOT" "127.0.0.1:$HTTP" @POOL@ \
		"$(stack_conf_get "$DIR/node1/webhookd.conf" cors_origins)" >"$d/webhookd.conf.in" || return 1
	awk -v servers="$servers" '/^[[:space:]]*server unix:@POOL@;/ { printf "%s", servers; next } { print }' \
		"$d/webhookd.conf.in" >"$d/webhookd.conf" || return 1
	grep -q 'unix:@POOL@' "$d/webhookd.conf" && { stack_err "nginx/webhookd.conf: upstream not found"; return 1; }
	stack_nginx_run "$DIR" main "127.0.0.1:$HTTP" "$d/webhookd.conf"
}

# --- commands ----------------------------------------------------------------

cmd_up() {
	local i
	stack_deps || die "missing packages"
	find_bin
	mkdir -p "$DIR" || die "cannot create $DIR"
	stack_log "cluster in $DIR, binaries from $BIN"
	for ((i = 1; i <= NODES; i++)); do mkdir -p "$DIR/node$i"; done
	if any_db_running; then
		for i in $(nodes); do db_start "$i" || die "node $i did not start"; done
	else
		db_up_all || die "the cluster did not come up"
	fi
	db_bootstrap || die "database bootstrap failed"
	(umask 077 && [[ -s $DIR/node1/secret.key ]] || "$BIN/webhookctl" key generate "$DIR/node1/secret.key" >/dev/null) ||
		die "key generate failed"
	for i in $(nodes); do node_conf "$i" || die "node $i: webhookd.conf"; done
	# Once for the cluster: the DDL replicates (Galera's total order).
	stack_migrate "$DIR/node1" "$BIN/webhookctl" "$ROOT/sql" || die "migrations failed"
	for i in $(nodes); do
		stack_webhookd_start "$(node_dir "$i")" "$BIN/webhookd" || die "node $i: webhookd did not start"
		dispatcher_start "$i" || die "node $i: dispatcher did not start"
	done
	nginx_start || die "nginx did not start"
	printf 'cluster up: http://127.0.0.1:%s/ over %d node(s); a token:\n  %s token USER\n' \
		"$HTTP" "$NODES" "${BASH_SOURCE[0]}"
}

cmd_down() {
	local i
	[[ -d $DIR ]] || return 0
	stack_nginx_stop "$DIR" main
	for i in $(nodes); do
		stack_dispatcher_stop "$(node_dir "$i")" main
		stack_webhookd_stop "$(node_dir "$i")"
	done
	db_stop_all
}

cmd_status() {
	local i s
	for i in $(nodes); do
		s=$(node_dir "$i")
		printf 'node %d: mariadbd %s, webhookd %s, dispatcher %s\n' "$i" \
			"$(db_running "$i" && printf 'running (%s, cluster size %s)' "$(wsrep_state "$i")" \
				"$(stack_db_sql "$s" -N -e "SHOW STATUS LIKE 'wsrep_cluster_size'" 2>/dev/null | awk '{ print $2 }')" ||
				echo stopped)" \
			"$(stack_webhookd_running "$s" && echo running || echo stopped)" \
			"$(stack_dispatcher_running "$s" main && echo running || echo stopped)"
	done
	printf 'nginx: %s on http://127.0.0.1:%s/\n' "$(stack_nginx_running "$DIR" main && echo running || echo stopped)" "$HTTP"
}

cmd_token() {
	local name=${1:?usage: cluster.sh token USER} conf=$DIR/node1/webhookd.conf
	find_bin
	"$BIN/webhookctl" -c "$conf" user add "$name" >/dev/null 2>&1
	"$BIN/webhookctl" -c "$conf" token create "$name"
}

node_arg() {
	[[ ${1:-} =~ ^[123]$ && -d $DIR/node${1:-} ]] || die "no node '${1:-}' (1 to 3, after up)"
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
db-kill) node_arg "${2:-}" && db_kill "$2" ;;
db-start) node_arg "${2:-}" && if any_db_running; then db_start "$2"; else db_start "$2" new; fi ;;
db-stop) db_stop_all ;;
db-up) db_up_all ;;
dispatcher-kill) node_arg "${2:-}" && dispatcher_kill "$2" ;;
dispatcher-start) node_arg "${2:-}" && find_bin && dispatcher_start "$2" ;;
token) shift && cmd_token "$@" ;;
-h | --help | help) usage ;;
*) usage ;;
esac
