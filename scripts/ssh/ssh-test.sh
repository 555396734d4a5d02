#!/bin/bash
# `make ssh-test`: a workshop over real OpenSSH on this machine, measured against issue #15's bar.
#
# Stages (SSH_TEST_ONLY=plumbing|demo|server; default: plumbing, then server):
#   plumbing  the OpenSSH side alone, with scripts/ssh/stub-session.sh as ForceCommand: every key's
#             session name and role, `follow NAME` / `present` / anything else, a pty of the client's
#             size and LANG=C.UTF-8, no forwarding (TCP, stdio, agent), no sftp, no password, no root,
#             an unknown key refused, 8 `ssh -tt` clients in tmux answering keys, a killed client's
#             session ending; workshop.sh's errors (bad key file, port in use).
#   demo      `hopscope explore --demo` as ForceCommand under tmux over ssh: the screen arrives, j/k
#             move the selected row as read from `capture-pane -e` (what the server stage measures).
#   server    the bar, on the 7B-shaped Q4_0 file with `hopscope serve` and 8 sessions (a presenter,
#             a follower, 6 students): server peak RSS ≤ 1.2× a local explorer's; keystroke → frame
#             ≤ 16 ms in every session while two others run grids; a back-patch cell from a third
#             session ≤ 3× its time on an idle server; a client killed mid-grid has its work cancelled
#             within 1 s and the others go on; an unknown key is refused; the follower sees the
#             presenter's layer cursor move within 0.5 s.
# Prints every figure with its bar and PASS/FAIL; exits 1 on any FAIL. Root (sshd, the account).
# Stops everything it started on exit (trap), also on failure or Ctrl-C.
#
# Knobs: SSH_TEST_PORT (default: the first free of 2222–2299), SSH_TEST_SIZE (pane size, default
# 120x40; at least 100x30), SSH_TEST_TIMEOUT (seconds for an analysis to appear, default 1800),
# SSH_TEST_KEY_STAT (p95 or max: the statistic held to the 16 ms bar, default p95), HOPSCOPE_BIN
# (default: the release build), SSH_TEST_MODEL (default $HOPSCOPE_HOME/synthetic/llama2-7b-q4_0.gguf,
# written if missing), KEEP=1 keeps the work directory (logs, captures).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$root/scripts/ssh
only=${SSH_TEST_ONLY:-}
size=${SSH_TEST_SIZE:-120x40}
cols=${size%x*} rows=${size#*x}
timeout_analysis=${SSH_TEST_TIMEOUT:-1800}
key_stat=${SSH_TEST_KEY_STAT:-p95}
home_dir=${HOPSCOPE_HOME:-$HOME/.cache/hopscope}

say() { printf 'ssh-test: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
[[ $(id -u) -eq 0 ]] || die "needs root (a private sshd that logs in the workshop account)"
[[ $cols -ge 100 && $rows -ge 30 ]] || die "SSH_TEST_SIZE=$size: at least 100x30"
case ${only:-all} in all|plumbing|demo|server) ;; *) die "SSH_TEST_ONLY=$only: plumbing, demo or server" ;; esac
[[ $key_stat == p95 || $key_stat == max ]] || die "SSH_TEST_KEY_STAT=$key_stat: p95 or max"

# --- packages --------------------------------------------------------------------------------------
need=()
[[ -x /usr/sbin/sshd ]] || need+=(openssh-server)
command -v ssh >/dev/null || need+=(openssh-client)
command -v tmux >/dev/null || need+=(tmux)
if [[ ${#need[@]} -gt 0 ]]; then
    say "installing ${need[*]} (apt-get; no service is started)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; }
fi

# --- work directory, results, cleanup --------------------------------------------------------------
work=$(mktemp -d /tmp/hopscope-ssh-test.XXXXXX)
chmod 711 "$work"                      # the workshop account reaches $work/ws (its own modes apply there)
results=$work/results.tsv
: > "$results"
tsock=hs-ssh-test-$$
agent_pid=""
ws_dirs=()
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    dump_screens
    tmux -L "$tsock" kill-server 2>/dev/null || true
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$tsock"
    for d in ${ws_dirs[@]+"${ws_dirs[@]}"}; do "$here/workshop.sh" stop "$d" >/dev/null 2>&1 || true; done
    [[ -n $agent_pid ]] && kill "$agent_pid" 2>/dev/null || true
    if [[ -s $results ]]; then
        echo
        printf '%-58s %-24s %-16s %s\n' "figure" "measured" "bar" "verdict"
        while IFS=$'\t' read -r what value bar verdict; do
            printf '%-58s %-24s %-16s %s\n' "$what" "$value" "$bar" "$verdict"
        done < "$results"
        echo
    fi
    local fails
    fails=$(grep -c $'\tFAIL$' "$results" 2>/dev/null || true)
    if [[ $rc -eq 0 && ${fails:-0} -gt 0 ]]; then rc=1; fi
    if [[ $rc -eq 0 ]]; then
        say "PASSED ($(wc -l < "$results") checks)"
        [[ -n ${KEEP:-} ]] && say "files kept in $work" || rm -rf "$work"
    else
        say "FAILED (${fails:-0} checks failed, exit $rc); files kept in $work"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dump_screens() {   # every pane's last screen and exit status into $work/screens (kept when a check fails)
    local s
    for s in $(tmux -L "$tsock" list-sessions -F '#{session_name}' 2>/dev/null); do
        mkdir -p "$work/screens/${stage:-all}"
        tmux -L "$tsock" capture-pane -p -S - -t "$s" > "$work/screens/${stage:-all}/$s.txt" 2>/dev/null || true
        tmux -L "$tsock" display-message -p -t "$s" 'pane_dead=#{pane_dead} status=#{pane_dead_status}' >> "$work/screens/${stage:-all}/$s.txt" 2>/dev/null || true
    done
}
end_tmux() { dump_screens; tmux -L "$tsock" kill-server 2>/dev/null || true; }
record() {   # record WHAT VALUE BAR PASS|FAIL|INFO
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$results"
    say "$4  $1: $2 (bar $3)"
}
check() {    # check WHAT BAR COMMAND… : PASS when COMMAND succeeds
    local what=$1 bar=$2; shift 2
    if "$@" >> "$work/checks.log" 2>&1; then record "$what" ok "$bar" PASS; else record "$what" "not so" "$bar" FAIL; fi
}
now() { date +%s.%N; }
# Alive and not a zombie: an orphan's zombie lingers until this container's init reaps it (~1-2 s here).
running() { local st; st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [[ -n $st && $st != Z ]]; }
fle() { python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)' "$1" "$2"; }

etc_ssh() { find /etc/ssh -type f -exec sha256sum {} + 2>/dev/null | sort; }
etc_ssh > "$work/etc-ssh.before"
port=${SSH_TEST_PORT:-}
if [[ -z $port ]]; then
    for p in $(seq 2222 2299); do ss -Hltn "( sport = :$p )" | grep -q . || { port=$p; break; }; done
    [[ -n $port ]] || die "no free port in 2222–2299 (SSH_TEST_PORT=…)"
fi

# --- keys ------------------------------------------------------------------------------------------
keys=$work/keys
mkdir -p "$keys"
newkey() { [[ -f $keys/$1 ]] || ssh-keygen -q -t ed25519 -N '' -C "$1@ssh-test" -f "$keys/$1"; }
sessions=(teacher fran s1 s2 s3 s4 s5 s6)          # the presenter, her follower, six students
for n in "${sessions[@]}" mallory; do newkey "$n"; done
{
    echo "# ssh-test: NAME[:ROLE] KEYTYPE BASE64 [COMMENT]"
    echo "teacher:presenter $(cat "$keys/teacher.pub")"
    for n in "${sessions[@]:1}"; do echo "$n $(cat "$keys/$n.pub")"; done
} > "$work/keys.txt"                               # mallory's key is not in it

# --- tmux and ssh helpers --------------------------------------------------------------------------
printf '%s\n' 'set -g default-terminal tmux-256color' 'set -g remain-on-exit on' 'set -g history-limit 100' \
    'set -g status off' > "$work/tmux.conf"
tm() { tmux -L "$tsock" -f "$work/tmux.conf" "$@"; }
ssh_opts() {   # ssh_opts WSDIR KEY
    echo "-p $port -i $keys/$2 -o UserKnownHostsFile=$1/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=10"
}
ssh_user=hopscope
open_pane() {  # open_pane NAME WSDIR KEY [REMOTE COMMAND]: `ssh -tt` in its own tmux session of $size
    local name=$1 wsd=$2 key=$3; shift 3
    # shellcheck disable=SC2046
    tm new-session -d -s "$name" -x "$cols" -y "$rows" "exec ssh -tt $(ssh_opts "$wsd" "$key") $ssh_user@127.0.0.1 $*"
}
screen() { tm capture-pane -p -t "$1" 2>/dev/null || true; }
screen_e() { tm capture-pane -p -e -t "$1" 2>/dev/null || true; }
wait_screen() {   # wait_screen NAME SECONDS REGEX: until the pane shows REGEX
    local end=$(( $(date +%s) + $2 ))
    while (( $(date +%s) <= end )); do
        screen "$1" | grep -Eq "$3" && return 0
        sleep 0.2
    done
    screen "$1" > "$work/timeout-$1.txt"
    say "timed out waiting for /$3/ in $1 (screen in $work/timeout-$1.txt)"
    return 1
}
pane_pid() { tm display-message -p -t "$1" '#{pane_pid}'; }

# ===================================================================================================
plumbing() {
    stage=plumbing
    say "== plumbing: sshd + keys + ForceCommand (stub) on port $port"
    local ws=$work/ws-plumbing state=$work/state
    mkdir -p "$state"; chmod 1777 "$state"
    ws_dirs+=("$ws")
    local out
    out=$("$here/workshop.sh" start "$ws" --port "$port" --keys "$work/keys.txt" --no-server \
        --force-command "exec $here/stub-session.sh $state" 2> "$work/workshop-plumbing.stderr") \
        || { cat "$work/workshop-plumbing.stderr" >&2; die "workshop.sh start failed"; }
    local last; last=$(tail -n 1 <<< "$out")
    check "workshop.sh prints the ssh command last" "ssh -p $port …" test "$last" = "ssh -p $port $ssh_user@127.0.0.1"
    check "workshop.sh start again: already running, same line" "idempotent" \
        bash -c "[[ \$('$here/workshop.sh' start '$ws' --port $port --keys '$work/keys.txt' --no-server --force-command x 2>/dev/null | tail -n1) == '$last' ]]"

    local o
    # Names and roles, without a pty (ssh -T): one line from the stub.
    for n in "${sessions[@]}"; do
        local role=student; [[ $n == teacher ]] && role=presenter
        # shellcheck disable=SC2046
        o=$(ssh -T $(ssh_opts "$ws" "$n") $ssh_user@127.0.0.1 < /dev/null 2>&1 || true)
        echo "$n: $o" >> "$work/checks.log"
        check "key $n → session $n, role $role, account $ssh_user" "environment=" \
            grep -q "session=$n role=$role action=own user=$ssh_user tty=none agent=none lang=C.UTF-8" <<< "$o"
    done
    # shellcheck disable=SC2046
    o=$(ssh -T $(ssh_opts "$ws" s1) $ssh_user@127.0.0.1 follow teacher < /dev/null 2>&1 || true)
    check "'follow teacher' reaches ForceCommand as SSH_ORIGINAL_COMMAND" "action=follow" grep -q "action=follow:teacher" <<< "$o"
    # shellcheck disable=SC2046
    o=$(ssh -T $(ssh_opts "$ws" teacher) $ssh_user@127.0.0.1 present < /dev/null 2>&1 || true)
    check "'present' by the presenter" "allowed" grep -q "session=teacher role=presenter action=present" <<< "$o"
    local rc
    # shellcheck disable=SC2046
    rc=0; ssh -T $(ssh_opts "$ws" s2) $ssh_user@127.0.0.1 present < /dev/null >> "$work/checks.log" 2>&1 || rc=$?
    check "'present' by a student" "exit 2" test "$rc" = 2
    # shellcheck disable=SC2046
    rc=0; ssh -T $(ssh_opts "$ws" s2) $ssh_user@127.0.0.1 "touch $work/pwned" < /dev/null >> "$work/checks.log" 2>&1 || rc=$?
    check "any other command is not run" "exit 2, no file" test "$rc" = 2 -a ! -e "$work/pwned"

    # Refusals.
    # shellcheck disable=SC2046
    rc=0; ssh -T $(ssh_opts "$ws" mallory) $ssh_user@127.0.0.1 < /dev/null > "$work/mallory.out" 2>&1 || rc=$?
    check "a key not in the keys file is refused" "exit 255, publickey" bash -c "[[ $rc == 255 ]] && grep -q 'Permission denied (publickey)' '$work/mallory.out'"
    # shellcheck disable=SC2046
    rc=0; ssh -T $(ssh_opts "$ws" s1) root@127.0.0.1 < /dev/null >> "$work/checks.log" 2>&1 || rc=$?
    check "root (or any other account) is refused" "exit 255" test "$rc" = 255
    # shellcheck disable=SC2046
    rc=0; ssh -T $(ssh_opts "$ws" s1) -o BatchMode=no -o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive \
        -o NumberOfPasswordPrompts=0 $ssh_user@127.0.0.1 < /dev/null > "$work/password.out" 2>&1 || rc=$?
    check "no password or keyboard-interactive login" "publickey only" bash -c "[[ $rc == 255 ]] && grep -q 'Permission denied (publickey)' '$work/password.out'"
    # shellcheck disable=SC2046
    rc=0; timeout 20 ssh $(ssh_opts "$ws" s1) -W 127.0.0.1:"$port" $ssh_user@127.0.0.1 < /dev/null > "$work/stdio-fwd.out" 2>&1 || rc=$?
    check "stdio forwarding (-W) refused" "prohibited" grep -qi "administratively prohibited\|open failed" "$work/stdio-fwd.out"
    # shellcheck disable=SC2046
    rc=0; timeout 20 ssh $(ssh_opts "$ws" s1) -o ExitOnForwardFailure=yes -N -R 0:127.0.0.1:"$port" $ssh_user@127.0.0.1 < /dev/null > "$work/r-fwd.out" 2>&1 || rc=$?
    check "remote port forwarding (-R) refused" "exit 255" bash -c "[[ $rc == 255 ]] && grep -qi 'forwarding failed' '$work/r-fwd.out'"
    # -L: the client listens; a connection through it must not reach sshd's banner.
    local lp=$((port + 40)); while ss -Hltn "( sport = :$lp )" | grep -q .; do lp=$((lp + 1)); done
    # shellcheck disable=SC2046
    timeout 30 ssh $(ssh_opts "$ws" s1) -N -L 127.0.0.1:$lp:127.0.0.1:"$port" $ssh_user@127.0.0.1 < /dev/null > "$work/l-fwd.out" 2>&1 &
    local lpid=$!
    for _ in $(seq 50); do ss -Hltn "( sport = :$lp )" | grep -q . && break; sleep 0.1; done
    o=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$lp && head -c 7 <&3" 2>/dev/null || true)
    kill "$lpid" 2>/dev/null || true; wait "$lpid" 2>/dev/null || true
    echo "through -L: '$o'" >> "$work/checks.log"
    check "local port forwarding (-L) carries nothing" "no banner" test -z "$o"
    check "local port forwarding (-L) off in the account's settings" "disableforwarding yes" \
        bash -c "/usr/sbin/sshd -T -f '$ws/sshd_config' -h '$ws/host_key' -C user=$ssh_user,host=localhost,addr=127.0.0.1 | grep -qx 'disableforwarding yes'"
    eval "$(ssh-agent -s -a "$work/agent.sock")" > /dev/null
    agent_pid=$SSH_AGENT_PID
    ssh-add -q "$keys/s1" 2>/dev/null || true
    # shellcheck disable=SC2046
    o=$(ssh -T -A $(ssh_opts "$ws" s1) $ssh_user@127.0.0.1 < /dev/null 2>&1 || true)
    check "agent forwarding (-A) refused" "agent=none" grep -q "agent=none" <<< "$o"
    kill "$agent_pid" 2>/dev/null || true; agent_pid=""; unset SSH_AUTH_SOCK SSH_AGENT_PID
    rc=0; timeout 20 sftp -b - -P "$port" -i "$keys/s1" -o UserKnownHostsFile="$ws/known_hosts" -o BatchMode=yes -o IdentitiesOnly=yes \
        $ssh_user@127.0.0.1 <<< "ls /" > "$work/sftp.out" 2>&1 || rc=$?
    check "sftp (a subsystem) gets the ForceCommand, not a file server" "sftp fails" test "$rc" != 0

    # Eight clients under tmux, each in a pty of $size.
    for n in "${sessions[@]}"; do
        local cmd=""; [[ $n == teacher ]] && cmd=present; [[ $n == fran ]] && cmd="follow teacher"
        open_pane "$n" "$ws" "$n" $cmd
    done
    local ok=1
    for n in "${sessions[@]}"; do   # (the stub's line wraps: two patterns)
        wait_screen "$n" 15 "hopscope-stub session=$n .*tty=/dev/pts/[0-9]+ " && wait_screen "$n" 5 "size=${rows}x${cols}( |\$)" && wait_screen "$n" 15 '^ready' || ok=0
    done
    check "8 ssh -tt clients under tmux get a ${cols}x${rows} pty each" "8 of 8" test $ok = 1
    local t0 t1; t0=$(now)
    for n in "${sessions[@]}"; do tm send-keys -t "$n" j; done
    ok=1
    for n in "${sessions[@]}"; do wait_screen "$n" 5 '^key=j' || ok=0; done
    t1=$(now)
    check "send-keys reaches every session through ssh" "8 of 8" test $ok = 1
    record "send-keys → echo on screen, 8 sessions (stub)" "$(python3 -c "print(f'{($t1-$t0)*1000:.0f} ms')")" "info" INFO

    # Kill one client: its session (the stub, as the explorer would) ends within 1 s; others go on.
    local victim=s3 vpid spid
    spid=$(cat "$state/$victim.pid")
    vpid=$(pane_pid "$victim")
    t0=$(now)
    kill -KILL "$vpid"
    local gone=""
    for _ in $(seq 300); do
        running "$spid" || { gone=$(now); break; }
        sleep 0.01
    done
    if [[ -n $gone ]]; then
        local dt; dt=$(python3 -c "print(f'{$gone-$t0:.3f}')")
        if fle "$dt" 1; then record "killed ssh client → its session ends (stub)" "$dt s" "≤ 1 s" PASS
        else record "killed ssh client → its session ends (stub)" "$dt s" "≤ 1 s" FAIL; fi
    else
        record "killed ssh client → its session ends (stub)" "> 3 s" "≤ 1 s" FAIL
    fi
    tm send-keys -t s4 k
    check "the other sessions go on after the kill" "s4 echoes k" wait_screen s4 5 '^key=k'
    for n in "${sessions[@]}"; do [[ $n == "$victim" ]] || tm send-keys -t "$n" q; done
    sleep 0.5
    local left; left=$( (ls "$state"/*.pid 2>/dev/null || true) | (grep -v "/$victim.pid" || true) | wc -l)
    check "q ends the other sessions cleanly" "no session left" test "$left" = 0
    end_tmux

    # workshop.sh's errors.
    printf 'alice ssh-ed25519 AAAAnotakey\n' > "$work/bad-keys.txt"
    rc=0; "$here/workshop.sh" start "$work/ws-bad" --port "$port" --keys "$work/bad-keys.txt" --no-server --force-command true > "$work/bad.out" 2>&1 || rc=$?
    check "workshop.sh: port in use named" "exit 1, 'in use'" bash -c "[[ $rc == 1 ]] && grep -q 'port $port is in use' '$work/bad.out'"
    local p2=$((port + 1)); while ss -Hltn "( sport = :$p2 )" | grep -q .; do p2=$((p2 + 1)); done
    rc=0; "$here/workshop.sh" start "$work/ws-bad" --port "$p2" --keys "$work/bad-keys.txt" --no-server --force-command true > "$work/bad.out" 2>&1 || rc=$?
    check "workshop.sh: a bad key named by line" "exit 1, 'line 1'" bash -c "[[ $rc == 1 ]] && grep -q 'line 1: not a valid ssh-ed25519 public key' '$work/bad.out'"
    printf 'restrict,pty %s\n' "$(cat "$keys/s1.pub")" > "$work/bad-keys.txt"
    rc=0; "$here/workshop.sh" start "$work/ws-bad" --port "$p2" --keys "$work/bad-keys.txt" --no-server --force-command true > "$work/bad.out" 2>&1 || rc=$?
    check "workshop.sh: options in the keys file refused" "exit 1" bash -c "[[ $rc == 1 ]] && grep -q 'options are written by workshop.sh' '$work/bad.out'"
    # The real deployment's files: the drop-in parses and applies to the account; authorized-keys.
    printf 'Include %s\nPort %s\nHostKey %s\n' "$here/sshd_config.workshop" "$p2" "$ws/host_key" > "$work/dropin-test.conf"
    check "sshd_config.workshop: sshd -t accepts it (as a drop-in)" "valid" /usr/sbin/sshd -t -f "$work/dropin-test.conf"
    /usr/sbin/sshd -T -f "$work/dropin-test.conf" -C user=hopscope,host=x,addr=192.0.2.1 > "$work/dropin-T.txt" 2>&1 || true
    check "sshd_config.workshop: account hopscope gets ForceCommand, no forwarding, a tty" "sshd -T" bash -c "
        grep -qx 'forcecommand exec /usr/local/bin/hopscope explore --connect /run/hopscope/hopscope.sock --ssh' '$work/dropin-T.txt' &&
        grep -qx 'disableforwarding yes' '$work/dropin-T.txt' && grep -qx 'permittty yes' '$work/dropin-T.txt' &&
        grep -qx 'permituserenvironment HOPSCOPE_SESSION,HOPSCOPE_ROLE' '$work/dropin-T.txt' &&
        grep -qx 'authorizedkeysfile /etc/hopscope/authorized_keys' '$work/dropin-T.txt'"
    /usr/sbin/sshd -T -f "$work/dropin-test.conf" -C user=someoneelse,host=x,addr=192.0.2.1 > "$work/dropin-T2.txt" 2>&1 || true
    check "sshd_config.workshop: other accounts unchanged" "no ForceCommand" grep -qx 'forcecommand none' "$work/dropin-T2.txt"
    "$here/workshop.sh" authorized-keys "$work/keys.txt" > "$work/ak.txt" 2>/dev/null || true
    check "workshop.sh authorized-keys: one restrict,pty line per key" "8 lines" bash -c "
        [[ \$(grep -c '^restrict,pty,environment=\"HOPSCOPE_SESSION=[a-z0-9]*\",environment=\"HOPSCOPE_ROLE=\(student\|presenter\)\" ssh-ed25519 ' '$work/ak.txt') == 8 ]]"
    "$here/workshop.sh" stop "$ws" > /dev/null 2>&1
    check "workshop.sh stop: sshd gone, port free" "port $port free" bash -c "! ss -Hltn '( sport = :$port )' | grep -q ."
    check "/etc/ssh unchanged" "same sha256s" cmp -s "$work/etc-ssh.before" <(etc_ssh)
}

# ===================================================================================================
binary() {
    bin=${HOPSCOPE_BIN:-$(cd "$root" && swift build -c release --show-bin-path 2>/dev/null)/hopscope}
    [[ -x $bin ]] || die "no hopscope binary at $bin (make release, or HOPSCOPE_BIN=…)"
}

demo() {
    stage=demo
    binary
    say "== demo: hopscope explore --demo as ForceCommand over ssh ($bin)"
    local ws=$work/ws-demo
    ws_dirs+=("$ws")
    "$here/workshop.sh" start "$ws" --port "$port" --keys "$work/keys.txt" --no-server \
        --force-command "exec env HOPSCOPE_DEMO_CELL_MS=15 $bin explore --demo" > /dev/null 2> "$work/workshop-demo.stderr" \
        || { cat "$work/workshop-demo.stderr" >&2; die "workshop.sh start failed"; }
    open_pane demo "$ws" s1
    check "the explorer's screen arrives over ssh" "analyzed:" wait_screen demo 60 'analyzed:'
    local r0 r1
    r0=$(screen_e demo | python3 "$here/figures.py" cursor)
    tm send-keys -t demo j j j
    sleep 0.5
    r1=$(screen_e demo | python3 "$here/figures.py" cursor)
    echo "cursor $r0 → $r1" >> "$work/checks.log"
    check "capture-pane -e finds the selected layer row; j j j moves it 3 rows" "emb → 2" test "$r0:$r1" = "emb:2"
    tm send-keys -t demo q
    check "q ends the session (ssh exits)" "pane dead" bash -c "for i in \$(seq 50); do [[ \$(tmux -L $tsock display-message -p -t demo '#{pane_dead}') == 1 ]] && exit 0; sleep 0.1; done; exit 1"
    end_tmux
    "$here/workshop.sh" stop "$ws" > /dev/null 2>&1
}

# ===================================================================================================
server() {
    stage=server
    binary
    { "$bin" serve --help 2>&1 | grep -q -- --socket && "$bin" explore --help 2>&1 | grep -q -- --connect; } || die "$bin has no 'serve' subcommand yet (the server stage needs it; SSH_TEST_ONLY=plumbing runs without)"
    local model=${SSH_TEST_MODEL:-$home_dir/synthetic/llama2-7b-q4_0.gguf}
    if [[ ! -f $model ]]; then
        local smol=$home_dir/models/SmolLM2-135M-Instruct.Q4_1.gguf
        [[ -f $smol ]] || die "no $smol for the tokenizer (make setup)"
        mkdir -p "$(dirname "$model")"
        say "writing the 7B-shaped Q4_0 file $model (once, ~30 s)"
        "$bin" synthetic --preset llama2-7b --type q4_0 --tokenizer-from "$smol" --out "$model"
    fi
    say "== server: 8 sessions on $(basename "$model") ($bin)"

    # 1. A single local explorer's peak RSS: the initial analysis and one back-patch cell.
    tm new-session -d -s local -x "$cols" -y "$rows" "exec env LANG=C.UTF-8 $bin explore --model $model"
    local lpid; lpid=$(pane_pid local)
    wait_screen local "$timeout_analysis" 'analyzed:' || die "the local explorer did not finish its analysis"
    tm send-keys -t local G s g j t b       # source = the last layer; target ℓ0 (g = the embedding row, j = ℓ0)
    wait_screen local "$timeout_analysis" '(✓ correct|✗ wrong)' || die "the local explorer's back-patch cell did not finish"
    local local_hwm; local_hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$lpid/status")
    record "local explorer peak RSS (analysis + 1 cell)" "$((local_hwm / 1024)) MB" "reference" INFO
    tm send-keys -t local q
    sleep 1; tm kill-session -t local 2>/dev/null || true

    # 2. The workshop.
    local ws=$work/ws-server ui=$work/ui
    ws_dirs+=("$ws")
    local t_start; t_start=$(now)
    "$here/workshop.sh" start "$ws" --port "$port" --keys "$work/keys.txt" --model "$model" --bin "$bin" \
        --ui-log-dir "$ui" > "$work/workshop-server.stdout" 2> "$work/workshop-server.stderr" \
        || { cat "$work/workshop-server.stderr" >&2; die "workshop.sh start failed"; }
    local spid; spid=$(cat "$ws/serve.pid")
    slog=$ws/serve.log
    record "server start → ready" "$(python3 -c "print(f'{$(now)-$t_start:.1f} s')")" "info" INFO
    open_pane teacher "$ws" teacher present
    wait_screen teacher "$timeout_analysis" 'analyzed:' || die "the presenter's analysis did not appear"
    open_pane fran "$ws" fran follow teacher
    for n in s1 s2 s3 s4 s5 s6; do open_pane "$n" "$ws" "$n"; done
    local ok=1
    for n in s1 s2 s3 s4 s5 s6; do wait_screen "$n" "$timeout_analysis" 'analyzed:' || ok=0; done
    check "6 students' sessions show their analysis" "6 of 6" test $ok = 1
    check "the follower's status line says 'following teacher'" "on screen" wait_screen fran 30 'following teacher'
    check "the presenter's status line says '1 following'" "on screen" wait_screen teacher 30 '1 following'

    # 3. A back-patch cell on an idle server (s3): source = last layer, target ℓ0.
    local t0 ev idle_s loaded_s how
    t0=$(now)
    tm send-keys -t s3 G s g j t b
    read -r idle_s how < <(wait_request "$slog" 600 s3 cell "$t0") || die "s3's cell on the idle server did not end (server log $slog)"
    [[ $how == done ]] || die "s3's cell on the idle server: $how"
    record "back-patch cell, idle server (arrival → done)" "$idle_s s" "reference" INFO

    # 4. Two grids (s1, s2); keystrokes in the others; a cell from s3; the follower.
    t0=$(now)
    tm send-keys -t s1 x; tm send-keys -t s2 x
    wait_event "$slog" 120 event=start op=grid name=s1 "t>=$t0" > /dev/null || die "s1's grid did not start"
    wait_event "$slog" 120 event=start op=grid name=s2 "t>=$t0" > /dev/null || die "s2's grid did not start"
    keystrokes teacher fran s3 s4 s5 s6
    t0=$(now)
    tm send-keys -t s3 G k s b            # source ℓ(last−1), target ℓ0 as before: a new cell, same length
    read -r loaded_s how < <(wait_request "$slog" 1200 s3 cell "$t0") || die "s3's cell while grids run did not end"
    [[ $how == done ]] || die "s3's cell while grids run: $how"
    local ratio; ratio=$(python3 -c "print(f'{$loaded_s/max($idle_s,1e-9):.2f}')")
    if fle "$ratio" 3; then record "cell from a third session while 2 grids run" "$loaded_s s = ${ratio}× idle" "≤ 3× idle" PASS
    else record "cell from a third session while 2 grids run" "$loaded_s s = ${ratio}× idle" "≤ 3× idle" FAIL; fi
    local lat worst=0 n_ok=0 line
    while read -r line; do
        [[ $line == timeout ]] && { worst=timeout; break; }
        n_ok=$((n_ok + 1)); fle "$worst" "$line" && worst=$line
    done < <(python3 "$here/figures.py" follow-latency "$tsock" teacher fran 6 2)
    if [[ $worst != timeout ]] && fle "$worst" 0.5; then record "presenter's j/k → follower's screen (worst of 6)" "$worst s" "≤ 0.5 s" PASS
    else record "presenter's j/k → follower's screen (worst of 6)" "$worst s" "≤ 0.5 s" FAIL; fi

    # 5. Grids move to s3, s4; keystrokes in s1, s2.
    leave_grid s1; leave_grid s2
    t0=$(now); local t_grid2=$t0
    tm send-keys -t s3 x; tm send-keys -t s4 x
    wait_event "$slog" 120 event=start op=grid name=s3 "t>=$t0" > /dev/null || die "s3's grid did not start"
    wait_event "$slog" 120 event=start op=grid name=s4 "t>=$t0" > /dev/null || die "s4's grid did not start"
    keystrokes s1 s2

    # 6. Kill s3's ssh client mid-grid: its work is cancelled within 1 s; s4's grid and s5 go on.
    local before after vpid t_kill
    before=$(screen s4 | python3 "$here/figures.py" grid-done)
    vpid=$(pane_pid s3)
    t_kill=$(now)
    kill -KILL "$vpid"
    ev=$(wait_event "$slog" 10 event=cancelled name=s3 "t>=$t_kill") || ev=""
    if [[ -n $ev ]]; then
        local dt; dt=$(python3 "$here/figures.py" since "$ev" "$t_kill")
        if fle "$dt" 1; then record "client killed mid-grid → its work cancelled" "$dt s" "≤ 1 s" PASS
        else record "client killed mid-grid → its work cancelled" "$dt s" "≤ 1 s" FAIL; fi
    else
        record "client killed mid-grid → its work cancelled" "no 'cancelled' in 10 s" "≤ 1 s" FAIL
    fi
    if kill -0 "$spid" 2>/dev/null; then record "the server survives the kill" "running" "running" PASS
    else record "the server survives the kill" "exited" "running" FAIL; fi
    # s4's grid goes on: more cells on its screen, or its request ends "done" (not cancelled).
    local end=$(( $(date +%s) + 120 )) went_on="" r4
    after=$before
    while (( $(date +%s) <= end )); do
        after=$(screen s4 | python3 "$here/figures.py" grid-done)
        if [[ $after != none && ( $before == none || $after -gt $before ) ]]; then went_on="$before → $after cells"; break; fi
        if r4=$(python3 "$here/figures.py" request "$slog" s4 grid "$t_grid2"); then
            [[ $r4 == *" done" ]] && went_on="finished"
            break
        fi
        sleep 0.5
    done
    if [[ -n $went_on ]]; then record "s4's grid goes on after the kill" "$went_on" "goes on" PASS
    else record "s4's grid goes on after the kill" "${r4:-$before → $after cells}" "goes on" FAIL; fi
    t0=$(now); tm send-keys -t s5 j; sleep 1
    check "s5 still answers keys after the kill" "a UI log line" bash -c "python3 '$here/figures.py' ui-stats $t0 $(python3 -c "print($t0+5)") '$ui/s5.jsonl' | awk '{exit !(\$2 > 0)}'"

    # 7. An unknown key, on the real thing.
    local rc=0
    # shellcheck disable=SC2046
    ssh -T $(ssh_opts "$ws" mallory) $ssh_user@127.0.0.1 < /dev/null > "$work/mallory2.out" 2>&1 || rc=$?
    check "a key not in the authorized keys is refused (server stage)" "exit 255" bash -c "[[ $rc == 255 ]] && grep -q 'Permission denied (publickey)' '$work/mallory2.out'"

    # 8. Peak RSS of the server over all of it.
    local server_hwm; server_hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$spid/status" 2>/dev/null || echo 0)
    ratio=$(python3 -c "print(f'{$server_hwm/max($local_hwm,1):.2f}')")
    if fle "$ratio" 1.2; then record "server peak RSS, 8 sessions" "$((server_hwm / 1024)) MB = ${ratio}× local" "≤ 1.2× local" PASS
    else record "server peak RSS, 8 sessions" "$((server_hwm / 1024)) MB = ${ratio}× local" "≤ 1.2× local" FAIL; fi

    end_tmux
    "$here/workshop.sh" stop "$ws" > /dev/null 2>&1
    check "the server removed its socket on SIGTERM" "no socket" test ! -e "$ws/run/hopscope.sock"
}

wait_event() {   # wait_event LOG SECONDS COND…: prints the first matching server-log line
    local log=$1 end=$(( $(date +%s) + $2 )); shift 2
    while (( $(date +%s) <= end )); do
        python3 "$here/figures.py" event "$log" "$@" && return 0
        sleep 0.1
    done
    return 1
}

leave_grid() {   # leave_grid NAME: Esc stops the grid (the server logs its end), a second Esc goes back
    local t0; t0=$(now)
    tm send-keys -t "$1" Escape
    local end=$(( $(date +%s) + 10 ))
    while (( $(date +%s) <= end )); do
        python3 "$here/figures.py" event "$slog" name="$1" op=grid event=cancelled "t>=$t0" > /dev/null && break
        python3 "$here/figures.py" event "$slog" name="$1" op=grid event=done "t>=$t0" > /dev/null && break
        sleep 0.1
    done
    tm send-keys -t "$1" Escape
    wait_screen "$1" 10 '┌ layers' || say "$1 did not return to the layer view after Esc Esc (screen in $work/timeout-$1.txt)"
}

wait_request() {   # wait_request LOG SECONDS NAME OP AFTER: "SECONDS EVENT" of that request once it ended
    local log=$1 end=$(( $(date +%s) + $2 ))
    while (( $(date +%s) <= end )); do
        python3 "$here/figures.py" request "$log" "$3" "$4" "$5" && return 0
        sleep 0.2
    done
    return 1
}

keystrokes() {   # keystrokes NAME…: 12 rounds of j/k in each session; key → frame stats from the UI logs
    local t0 t1 i n
    t0=$(now)
    for i in $(seq 12); do
        for n in "$@"; do tm send-keys -t "$n" "$([[ $((i % 2)) == 1 ]] && echo j || echo k)"; done
        sleep 0.2
    done
    sleep 0.5
    t1=$(now)
    for n in "$@"; do
        read -r _ count med p95 max < <(python3 "$here/figures.py" ui-stats "$t0" "$t1" "$work/ui/$n.jsonl")
        if [[ $count == 0 ]]; then
            if [[ $n == fran ]]; then record "key → frame in $n (follower; j/k are the presenter's)" "no UI log lines" "≤ 16 ms" INFO
            else record "key → frame in $n while 2 others run grids" "no UI log lines" "≤ 16 ms" FAIL; fi
            continue
        fi
        local v=$p95; [[ $key_stat == max ]] && v=$max
        local verdict=FAIL; fle "$v" 16 && verdict=PASS
        record "key → frame in $n while 2 others run grids ($key_stat)" "$v ms (med $med, max $max, n $count)" "≤ 16 ms" "$verdict"
    done
}

# ===================================================================================================
case ${only:-all} in
plumbing) plumbing ;;
demo) demo ;;
server) server ;;
all) plumbing; server ;;
esac
