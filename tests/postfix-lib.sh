# postfix-lib.sh - a private Postfix instance on 127.0.0.1 for the tests.
#
# Sourced by a test script (sh, not bash).  Everything lives under one
# directory: config (DIR/etc), queue (DIR/spool), data, log (DIR/log/maillog)
# and the Maildir that the virtual transport fills for any address at
# test.local (DIR/mail/box/).  It listens on one unprivileged port of
# 127.0.0.1, never on port 25, and never touches the system's Postfix.  The
# facts it is built on are in ../shared/TESTBED.md: no chroot in master.cf,
# maillog_file needs maillog_file_prefixes, `postfix start` says nothing
# when stderr is not a terminal (read pf_log instead).
#
#   pf_check                     0 when this machine can run one; else prints
#                                why on stdout and returns 1 (the caller
#                                skips with 77)
#   pf_free_port                 prints a free TCP port of 127.0.0.1
#   pf_setup DIR PORT [MILTER]   writes the instance; MILTER is the milter's
#                                socket (unix:/path or inet:127.0.0.1:N) for
#                                smtpd_milters and non_smtpd_milters, with
#                                milter_default_action = tempfail
#   pf_conf 'name = value'...    changes main.cf (postconf -e)
#   pf_start                     starts it and waits until PORT answers
#   pf_stop                      stops it (SIGKILL to master if need be)
#   pf_wait_port PORT [SECONDS]  waits until 127.0.0.1:PORT accepts
#   pf_wait_unix PATH [SECONDS]  waits until the unix socket PATH accepts
#                                (the milter's)
#   pf_stop_pid PID              SIGTERM, up to 10 s, then SIGKILL: for the
#                                daemons a test starts beside Postfix
#   pf_wait_queue_empty [SECS] [hold]
#                                waits until nothing is queued (default
#                                20 s); with "hold", held mail aside
#   pf_maildir_files             prints the paths of delivered messages
#   pf_log [LINES]               prints the end of the maillog, indented
#
# Needs root (master starts as root and drops to mail_owner), the Debian
# postfix package (user postfix, group postdrop), python3 and the user
# nobody (65534), who owns the Maildir.  The caller makes DIR's parents
# reachable (chmod 755) for postfix and nobody, and stops the instance in
# its EXIT trap with pf_stop.
PATH=$PATH:/usr/sbin:/sbin
PF_DIR=
PF_PORT=
PF_PYTHON=${PF_PYTHON:-python3}
[ "$PF_PYTHON" = python3 ] && [ -x /usr/bin/python3 ] && PF_PYTHON=/usr/bin/python3

pf_check() {
	if [ "$(id -u)" != 0 ]; then
		echo "needs root: Postfix's master starts as root"
		return 1
	fi
	for pf_tool in postfix postconf postqueue "$PF_PYTHON"; do
		if ! command -v "$pf_tool" >/dev/null 2>&1; then
			echo "$pf_tool not found (apt-get install postfix python3)"
			return 1
		fi
	done
	if ! { id postfix && getent group postdrop && id nobody; } >/dev/null 2>&1; then
		echo "no postfix or nobody user, or no postdrop group"
		return 1
	fi
	if [ ! -f /etc/postfix/postfix-files ]; then
		echo "no /etc/postfix/postfix-files"
		return 1
	fi
	return 0
}

pf_free_port() {
	"$PF_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pf_wait_port() {
	"$PF_PYTHON" - "$1" "${2:-15}" <<'EOF'
import socket, sys, time
end = time.time() + float(sys.argv[2])
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOF
}

pf_wait_unix() {
	"$PF_PYTHON" - "$1" "${2:-15}" <<'EOF'
import socket, sys, time
end = time.time() + float(sys.argv[2])
while time.time() < end:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(sys.argv[1])
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
    finally:
        s.close()
sys.exit(1)
EOF
}

pf_stop_pid() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || return 0
	pf_i=0
	while kill -0 "$1" 2>/dev/null && [ $pf_i -lt 100 ]; do
		sleep 0.1
		pf_i=$((pf_i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	return 0
}

pf_setup() {
	PF_DIR=$1
	PF_PORT=$2
	pf_milter=${3:-}
	mkdir -p "$PF_DIR/etc" "$PF_DIR/spool" "$PF_DIR/data" "$PF_DIR/log" \
		"$PF_DIR/mail" || return 1
	chmod 755 "$PF_DIR"
	chown postfix "$PF_DIR/data" || return 1
	chown nobody "$PF_DIR/mail" || return 1
	cat >"$PF_DIR/etc/main.cf" <<EOF || return 1
# A private instance for the tests: nothing outside $PF_DIR is written.
compatibility_level = 3.6
queue_directory = $PF_DIR/spool
data_directory = $PF_DIR/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.postfix-lib.test
mydomain = postfix-lib.test
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_error_sleep_time = 0
in_flow_delay = 0
biff = no
maillog_file = $PF_DIR/log/maillog
maillog_file_prefixes = $PF_DIR/log
virtual_mailbox_domains = test.local
virtual_mailbox_base = $PF_DIR/mail
virtual_mailbox_maps = static:box/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
EOF
	if [ -n "$pf_milter" ]; then
		cat >>"$PF_DIR/etc/main.cf" <<EOF || return 1
smtpd_milters = $pf_milter
non_smtpd_milters = $pf_milter
milter_protocol = 6
milter_default_action = tempfail
milter_connect_timeout = 5s
milter_command_timeout = 15s
milter_content_timeout = 30s
milter_mail_macros = i {mail_addr} {client_addr} {client_name} {auth_authen}
EOF
	fi
	# Debian's master.cf chroots its services into the queue directory;
	# this one does not, and listens on PORT only.
	cat >"$PF_DIR/etc/master.cf" <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup    unix  n  -  n  60    1  pickup
cleanup   unix  n  -  n  -     0  cleanup
qmgr      unix  n  -  n  300   1  qmgr
rewrite   unix  -  -  n  -     -  trivial-rewrite
bounce    unix  -  -  n  -     0  bounce
defer     unix  -  -  n  -     0  bounce
trace     unix  -  -  n  -     0  bounce
verify    unix  -  -  n  -     1  verify
flush     unix  n  -  n  1000? 0  flush
proxymap  unix  -  -  n  -     -  proxymap
showq     unix  n  -  n  -     -  showq
error     unix  -  -  n  -     -  error
retry     unix  -  -  n  -     -  error
discard   unix  -  -  n  -     -  discard
smtp      unix  -  -  n  -     -  smtp
relay     unix  -  -  n  -     -  smtp
local     unix  -  n  n  -     -  local
virtual   unix  -  n  n  -     -  virtual
anvil     unix  -  -  n  -     1  anvil
scache    unix  -  -  n  -     1  scache
postlog   unix-dgram n - n - 1  postlogd
EOF
}

pf_conf() {
	postconf -c "$PF_DIR/etc" -e "$@"
}

pf_log() {
	sed 's/^/    maillog: /' "$PF_DIR/log/maillog" 2>/dev/null | tail -n "${1:-15}"
}

pf_start() {
	[ -n "$PF_DIR" ] || return 1
	if postfix -c "$PF_DIR/etc" start >"$PF_DIR/log/start.out" 2>&1 &&
		pf_wait_port "$PF_PORT" 15; then
		return 0
	fi
	sed 's/^/    start: /' "$PF_DIR/log/start.out"
	pf_log
	return 1
}

pf_stop() {
	[ -n "$PF_DIR" ] && [ -f "$PF_DIR/etc/main.cf" ] || return 0
	pf_master=$(tr -d ' ' <"$PF_DIR/spool/pid/master.pid" 2>/dev/null)
	postfix -c "$PF_DIR/etc" stop >/dev/null 2>&1
	# master is gone within a second after a stop; pf_stop_pid waits
	pf_stop_pid "$pf_master"
}

pf_wait_queue_empty() {
	pf_i=0
	pf_end=$((${1:-20} * 10))
	while [ $pf_i -lt $pf_end ]; do
		if [ "${2:-}" = hold ]; then
			postqueue -c "$PF_DIR/etc" -j 2>/dev/null |
				grep -qv '"queue_name": *"hold"' || return 0
		elif [ -z "$(postqueue -c "$PF_DIR/etc" -j 2>/dev/null)" ]; then
			return 0
		fi
		sleep 0.1
		pf_i=$((pf_i + 1))
	done
	return 1
}

pf_maildir_files() {
	for pf_sub in new cur; do
		[ -d "$PF_DIR/mail/box/$pf_sub" ] || continue
		find "$PF_DIR/mail/box/$pf_sub" -type f | sort
	done
}
