#!/bin/bash
# A throwaway workshop on this machine: `hopscope serve` on a Unix socket plus a private OpenSSH
# daemon whose only account runs the explorer on that server. All state lives in DIR.
#
#   scripts/ssh/workshop.sh start DIR --port P --keys FILE --model M [--model M2]… [--students N]
#   ssh -p P hopscope@127.0.0.1                     # a student (the last line `start` prints)
#   ssh -t -p P hopscope@127.0.0.1 follow teacher   # a student following the presenter
#   scripts/ssh/workshop.sh stop DIR                # ends the sessions, sshd and the server
#   scripts/ssh/workshop.sh status DIR
#   scripts/ssh/workshop.sh authorized-keys FILE     # the authorized_keys lines alone (real deployment)
#
# KEYS FILE: one student per line, `[NAME[:ROLE]] KEYTYPE BASE64 [COMMENT]` — e.g.
#   alice ssh-ed25519 AAAAC3Nz… alice@laptop
#   teacher:presenter ssh-ed25519 AAAAC3Nz…
#   ssh-ed25519 AAAAC3Nz… bob@laptop            (no NAME: the comment's part before '@', "bob")
# NAME is the session name (letters, digits, '.', '_', '-'; at most 32; unique), ROLE is `student`
# (default) or `presenter`. Blank lines and lines starting with '#' are skipped. The options of the
# authorized_keys lines (restrict,pty,environment=…) are written by this script, never taken from FILE.
#
# Accounts. As root, students log in as the dedicated account `hopscope` (created if missing — a
# system account with a locked password, home /var/lib/hopscope, shell /bin/sh; --user NAME picks
# another); sshd runs as root with privilege separation, as the system's would. Not as root, sshd
# runs as you and students log in as you (an unprivileged sshd can only log in its own user).
#
# Nothing outside DIR is changed, except: the account above (root only, once) and /run/sshd, the empty
# directory sshd needs for privilege separation (root only; Debian's own sshd service creates it too).
# /etc/ssh and any running sshd are left alone. See docs/workshop.md for a real deployment.
#
# Options:
#   --port P           TCP port for sshd (required; 1024–65535 unless root)
#   --keys FILE        students' public keys (required; format above)
#   --model M          GGUF for the server, PATH or NAME=PATH (repeatable; required unless --no-server)
#   --students N       expected class size: sizes sshd's MaxStartups and the server's --max-clients
#                      (default: the number of keys)
#   --listen ADDR      sshd's listen address (default 127.0.0.1; 0.0.0.0 for a classroom)
#   --user NAME        the account students log in as (root only; default hopscope)
#   --bin PATH         the hopscope binary (default $HOPSCOPE_BIN, else the release build)
#   --ui-log-dir D     sessions append HOPSCOPE_UI_LOG lines to D/NAME.jsonl (for measurements)
#   --serve-arg ARG    one more argument for `hopscope serve` (repeatable), e.g. --serve-arg --idle-timeout
#   --force-command C  run C instead of the explorer (testing the OpenSSH side alone)
#   --no-server        do not start `hopscope serve` (with --force-command)
# Environment: WORKSHOP_READY_TIMEOUT (seconds to wait for the server's "ready", default 900).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
say() { printf 'workshop: %s\n' "$*" >&2; }
die() { printf 'workshop: %s\n' "$*" >&2; exit 1; }
usage() {
    sed -n '3,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    echo "(options: see the head of $0 or docs/workshop.md)" >&2
    exit 2
}
# --- keys → authorized_keys lines ------------------------------------------------------------------
# keys_to_authorized KEYS OUT: checks every line of KEYS and writes OUT; sets names[] and roles[].
keys_to_authorized() {
    local keys=$1 out=$2 line n f1 f2 f3 rest ktype kdata comment name role
    tmpkey=$(mktemp)
    trap 'rm -f "$tmpkey"' EXIT
    names=() roles=()
    declare -A seen_name=() seen_key=()
    is_type() { [[ $1 =~ ^(ssh-[a-z0-9]+|ecdsa-sha2-[a-z0-9]+|sk-[a-z0-9-]+@openssh\.com|[a-z0-9-]+-cert-v01@openssh\.com)$ ]]; }
    n=0
    while IFS= read -r line || [[ -n $line ]]; do
        n=$((n + 1))
        line=${line%$'\r'}
        [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
        read -r f1 f2 f3 rest <<< "$line"
        if is_type "$f1"; then
            ktype=$f1 kdata=$f2 comment="$f3${rest:+ $rest}"
            name=${comment%%@*}; name=${name//[^A-Za-z0-9._-]/-}; name=${name:0:32}
            [[ -n $name ]] || name="student-$n"
            role=student
        elif [[ $f1 == *[,=\"]* ]]; then
            die "$keys line $n: '$f1' looks like authorized_keys options; the options are written by workshop.sh, not read from the keys file (format: [NAME[:ROLE]] KEYTYPE BASE64 [COMMENT])"
        elif is_type "$f2"; then
            ktype=$f2 kdata=$f3 comment=$rest
            name=${f1%%:*} role=student
            [[ $f1 == *:* ]] && role=${f1#*:}
        else
            die "$keys line $n: expected '[NAME[:ROLE]] KEYTYPE BASE64 [COMMENT]' (authorized_keys options are written by workshop.sh, not read from the keys file)"
        fi
        [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$ ]] || die "$keys line $n: session name '$name': letters, digits, '.', '_', '-' (at most 32, starting with a letter or digit)"
        [[ $role == student || $role == presenter ]] || die "$keys line $n: role '$role': student or presenter"
        [[ -n $kdata ]] || die "$keys line $n: the key's base64 part is missing"
        printf '%s %s\n' "$ktype" "$kdata" > "$tmpkey"
        ssh-keygen -l -f "$tmpkey" >/dev/null 2>&1 || die "$keys line $n: not a valid $ktype public key"
        [[ -z ${seen_name[$name]:-} ]] || die "$keys line $n: session name '$name' already used on line ${seen_name[$name]}"
        [[ -z ${seen_key[$kdata]:-} ]] || die "$keys line $n: the same key as line ${seen_key[$kdata]}"
        seen_name[$name]=$n; seen_key[$kdata]=$n
        names+=("$name"); roles+=("$role")
        # restrict: no forwarding of any kind, no ~/.ssh/rc, no pty; pty: gives the pty back.
        printf 'restrict,pty,environment="HOPSCOPE_SESSION=%s",environment="HOPSCOPE_ROLE=%s" %s %s %s\n' \
            "$name" "$role" "$ktype" "$kdata" "$name"
    done < "$keys" > "$out"
    [[ ${#names[@]} -gt 0 ]] || die "$keys: no keys in it"
    rm -f "$tmpkey"
}

[[ $# -ge 2 ]] || usage
cmd=$1; shift
if [[ $cmd == authorized-keys ]]; then   # authorized-keys FILE: the lines for a real deployment, on stdout
    [[ $# -eq 1 && -f $1 ]] || die "usage: $0 authorized-keys KEYS-FILE > /etc/hopscope/authorized_keys"
    command -v ssh-keygen >/dev/null || die "ssh-keygen not found (apt-get install -y openssh-client)"
    keys_to_authorized "$1" /dev/stdout
    say "${#names[@]} keys: ${names[*]}"
    exit 0
fi
[[ $1 != -* ]] || usage
mkdir -p "$1"
dir=$(cd "$1" && pwd); shift


# --- processes we started: DIR/NAME.pid, checked against /proc/PID/cmdline before any signal -------
ours() {   # ours NAME: the pid in DIR/NAME.pid if that process is alive and its command line names DIR
    local pidfile="$dir/$1.pid" pid
    [[ -f $pidfile ]] || return 1
    pid=$(cat "$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/" || return 1
    echo "$pid"
}
stop_pid() {   # stop_pid PID SECONDS: TERM, wait, KILL
    local pid=$1 t=$2
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq $((t * 10))); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}
stop_sshd() {
    local pid child
    pid=$(ours sshd) || { rm -f "$dir/sshd.pid"; return 0; }
    # Established sessions are children of the listener and outlive it: end them first (their
    # explorers get SIGHUP when the session's pty closes).
    for child in $(pgrep -P "$pid" || true); do kill -TERM "$child" 2>/dev/null || true; done
    stop_pid "$pid" 5
    rm -f "$dir/sshd.pid"
}
stop_server() {
    local pid
    pid=$(ours serve) || { rm -f "$dir/serve.pid"; return 0; }
    stop_pid "$pid" 15      # SIGTERM: the server removes its socket and exits 0
    rm -f "$dir/serve.pid"
}

case $cmd in
stop)
    [[ $# -eq 0 ]] || usage
    stop_sshd
    stop_server
    say "stopped (files kept in $dir)"
    exit 0
    ;;
status)
    for n in serve sshd; do
        if pid=$(ours $n); then echo "$n: running (pid $pid)"; else echo "$n: not running"; fi
    done
    [[ -f $dir/ssh-command ]] && cat "$dir/ssh-command"
    exit 0
    ;;
start) ;;
*) usage ;;
esac

# --- start: options --------------------------------------------------------------------------------
port="" keys="" students="" listen=127.0.0.1 user="" bin=${HOPSCOPE_BIN:-} ui_dir="" force="" no_server=0
models=() serve_args=()
while [[ $# -gt 0 ]]; do
    opt=$1
    case $opt in
    --no-server) no_server=1; shift; continue ;;
    --port|--keys|--model|--students|--listen|--user|--bin|--ui-log-dir|--serve-arg|--force-command) ;;
    *) die "unknown option $opt (see the head of $0)" ;;
    esac
    [[ $# -ge 2 ]] || die "$opt needs a value"
    case $opt in
    --port) port=$2 ;;
    --keys) keys=$2 ;;
    --model) models+=("$2") ;;
    --students) students=$2 ;;
    --listen) listen=$2 ;;
    --user) user=$2 ;;
    --bin) bin=$2 ;;
    --ui-log-dir) ui_dir=$2 ;;
    --serve-arg) serve_args+=("$2") ;;
    --force-command) force=$2 ;;
    esac
    shift 2
done
is_root=0; [[ $(id -u) -eq 0 ]] && is_root=1
[[ -n $port ]] || die "--port P is required"
[[ $port =~ ^[0-9]+$ ]] && (( port >= 1 && port <= 65535 )) || die "--port $port: not a TCP port"
(( is_root || port >= 1024 )) || die "--port $port: ports below 1024 need root"
[[ -n $keys ]] || die "--keys FILE is required"
[[ -f $keys && -r $keys ]] || die "--keys $keys: no such readable file"
[[ -z $students || $students =~ ^[1-9][0-9]*$ ]] || die "--students $students: not a positive number"
if (( no_server )); then
    [[ -n $force ]] || die "--no-server needs --force-command (nothing else to run in the sessions)"
else
    [[ ${#models[@]} -gt 0 ]] || die "--model M is required (or --no-server --force-command C)"
fi
case $dir in *[[:space:]\"\'\\]*) die "DIR $dir: no spaces or quotes, please (it goes into sshd_config)" ;; esac

# --- packages --------------------------------------------------------------------------------------
sshd_bin=/usr/sbin/sshd
if [[ ! -x $sshd_bin ]] || ! command -v ssh-keygen >/dev/null; then
    (( is_root )) || die "OpenSSH's server is not installed; as root: apt-get install -y openssh-server"
    say "installing openssh-server (apt-get; its service is not started here by this script)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null; } \
        || die "apt-get install openssh-server failed"
fi

# --- already running? ------------------------------------------------------------------------------
if ours sshd >/dev/null && { (( no_server )) || ours serve >/dev/null; } && [[ -f $dir/ssh-command ]]; then
    say "already running in $dir (scripts/ssh/workshop.sh stop $dir first to change its settings)"
    tail -n 1 "$dir/ssh-command"
    exit 0
fi
stop_sshd; stop_server          # a half-started or crashed previous run

# --- the port --------------------------------------------------------------------------------------
if ss -Hltn "( sport = :$port )" 2>/dev/null | grep -q .; then
    die "port $port is in use: $(ss -Hltnp "( sport = :$port )" | awk '{print $4, $6}' | head -1); pick another --port"
fi

# --- the account -----------------------------------------------------------------------------------
if (( is_root )); then
    user=${user:-hopscope}
    if ! id "$user" >/dev/null 2>&1; then
        useradd --system --user-group --home-dir "/var/lib/$user" --create-home --shell /bin/sh \
            --comment "hopscope workshop sessions" "$user" || die "could not create the account $user"
        # '*': no password can ever match, and unlike '!' sshd (UsePAM no) does not read it as locked.
        usermod -p '*' "$user"
        say "created the system account '$user' (no password; shell /bin/sh; home /var/lib/$user): it only runs the explorer (ForceCommand)"
    fi
    [[ $user != root ]] || die "--user root: students must not log in as root"
    mkdir -p /run/sshd && chmod 755 /run/sshd
else
    [[ -z $user || $user == "$(id -un)" ]] || die "--user $user: only root can start sshd for another account (you are $(id -un))"
    user=$(id -un)
fi
group=$(id -gn "$user")
shell=$(getent passwd "$user" | cut -d: -f7)
case $shell in */nologin|*/false|"") die "account $user has shell '$shell': ForceCommand runs through the login shell; give it /bin/sh (usermod -s /bin/sh $user)" ;; esac
if (( is_root )) && [[ $(getent shadow "$user" | cut -d: -f2) == '!'* ]]; then
    die "account $user's password is locked ('!'), which this sshd (UsePAM no) refuses; usermod -p '*' $user"
fi

# --- the hopscope binary ---------------------------------------------------------------------------
if [[ -z $force ]] || (( ! no_server )); then
    if [[ -z $bin ]]; then bin=$(cd "$root" && swift build -c release --show-bin-path 2>/dev/null)/hopscope || true; fi
    [[ -x $bin ]] || die "no hopscope binary at '$bin' (make release, or --bin PATH / HOPSCOPE_BIN)"
    bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
    case $bin in *[[:space:]\"\'\\]*) die "--bin $bin: no spaces or quotes, please (it goes into sshd_config)" ;; esac
    if (( is_root )) && ! runuser -u "$user" -- test -x "$bin"; then
        die "$user cannot run $bin (a directory on its path is not searchable by others); install hopscope somewhere like /usr/local/bin"
    fi
fi

# --- DIR: ours, and reachable by the account -------------------------------------------------------
chmod 750 "$dir"
(( is_root )) && chgrp "$group" "$dir"
mkdir -p "$dir/run"
(( is_root )) && chgrp "$group" "$dir/run"
# setgid: the socket the server creates inside inherits the group, so its 0660 lets the account in.
chmod 2750 "$dir/run"
sock=$dir/run/hopscope.sock
if [[ -n $ui_dir ]]; then
    mkdir -p "$ui_dir"; ui_dir=$(cd "$ui_dir" && pwd)
    (( is_root )) && chown "$user:$group" "$ui_dir"
    chmod 770 "$ui_dir"
fi
p=$dir
while [[ $p != / ]]; do
    p=$(dirname "$p")
    read -r owner mode <<< "$(stat -c '%u %a' "$p")"
    if [[ $owner != 0 && $owner != "$(id -u)" ]] || { (( 8#$mode & 8#022 )) && ! (( 8#$mode & 8#1000 )); }; then
        die "$p (above DIR) can be changed by other users (owner uid $owner, mode $mode): pick a DIR elsewhere"
    fi
done
if (( is_root )); then
    p=$dir
    while [[ $p != / ]]; do
        runuser -u "$user" -- test -x "$p" || die "$user cannot reach $dir: $p is not searchable by it (pick a DIR under /tmp, /srv, /var/lib…)"
        p=$(dirname "$p")
    done
fi

# --- keys → authorized_keys ------------------------------------------------------------------------
keys_to_authorized "$keys" "$dir/authorized_keys.new"
chmod 644 "$dir/authorized_keys.new"
mv "$dir/authorized_keys.new" "$dir/authorized_keys"
students=${students:-${#names[@]}}

# --- host key, sshd_config -------------------------------------------------------------------------
[[ -f $dir/host_key ]] || ssh-keygen -q -t ed25519 -N '' -C "hopscope-workshop" -f "$dir/host_key"
chmod 600 "$dir/host_key"
if [[ -n $force ]]; then
    force_command=$force
else
    force_command="exec $bin explore --connect $sock --ssh"
    [[ -z $ui_dir ]] || force_command="exec env HOPSCOPE_UI_LOG=$ui_dir/\$HOPSCOPE_SESSION.jsonl $bin explore --connect $sock --ssh"
fi
cat > "$dir/sshd_config" <<CONF
# Written by scripts/ssh/workshop.sh for a throwaway workshop; the same settings as
# scripts/ssh/sshd_config.workshop, with this directory's paths. sshd -f $dir/sshd_config -h $dir/host_key
Port $port
ListenAddress $listen
HostKey $dir/host_key
PidFile $dir/sshd.daemon.pid
LogLevel VERBOSE
# Only the workshop account, only by key.
AllowUsers $user
PermitRootLogin no
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AuthorizedKeysFile $dir/authorized_keys
# StrictModes refuses a keys file below a world-writable directory such as /tmp, even a sticky one;
# workshop.sh has checked instead that DIR is ours, not writable by others, and that every directory
# above it is either not writable by others or sticky (so DIR cannot be renamed away).
StrictModes no
# environment= in authorized_keys names the session; only these two names are accepted. (Not
# allowed inside a Match block: sshd_config(5) lists the keywords a Match block may hold.)
PermitUserEnvironment HOPSCOPE_SESSION,HOPSCOPE_ROLE
# A class connecting at once: up to $((students + 10)) unauthenticated connections before sshd starts dropping.
MaxStartups $((students + 10)):30:$((2 * students + 20))
LoginGraceTime 30
# A student whose laptop sleeps is dropped after about a minute, and the server frees its work.
ClientAliveInterval 15
ClientAliveCountMax 4
PrintMotd no
PrintLastLog no
Banner none
Match User $user
    ForceCommand $force_command
    PermitTTY yes
    DisableForwarding yes
    AllowAgentForwarding no
    AllowTcpForwarding no
    AllowStreamLocalForwarding no
    X11Forwarding no
    PermitTunnel no
    PermitUserRC no
    MaxSessions 1
    SetEnv LANG=C.UTF-8
CONF
"$sshd_bin" -t -f "$dir/sshd_config" -h "$dir/host_key" 2> "$dir/sshd_config.check" \
    || die "sshd rejects the configuration: $(cat "$dir/sshd_config.check")"

# --- the server ------------------------------------------------------------------------------------
if (( ! no_server )); then
    margs=()
    for m in "${models[@]}"; do
        f=${m#*=}; [[ $m == *=* ]] || f=$m
        [[ -r $f ]] || die "--model $m: no such readable file $f"
        margs+=(--model "$m")
    done
    rm -f "$sock"
    : > "$dir/serve.stderr"
    setsid "$bin" serve --socket "$sock" "${margs[@]}" --max-clients $((students + 4)) \
        --log "$dir/serve.log" ${serve_args[@]+"${serve_args[@]}"} < /dev/null >> "$dir/serve.stderr" 2>&1 &
    echo $! > "$dir/serve.pid"
    say "loading ${models[*]} in hopscope serve (pid $!); stderr in $dir/serve.stderr"
    deadline=$(( $(date +%s) + ${WORKSHOP_READY_TIMEOUT:-900} ))
    until grep -q "hopscope serve: ready on" "$dir/serve.stderr"; do
        if ! kill -0 "$(cat "$dir/serve.pid")" 2>/dev/null; then
            tail -n 5 "$dir/serve.stderr" >&2
            die "hopscope serve exited before it was ready (above: the end of $dir/serve.stderr)"
        fi
        if (( $(date +%s) > deadline )); then
            stop_server
            die "hopscope serve was not ready within ${WORKSHOP_READY_TIMEOUT:-900}s (WORKSHOP_READY_TIMEOUT); see $dir/serve.stderr"
        fi
        sleep 0.2
    done
    [[ -S $sock ]] || { stop_server; die "the server says ready but $sock is not a socket"; }
    if (( is_root )) && ! runuser -u "$user" -- test -w "$sock"; then
        stop_server; die "$user cannot write to $sock ($(stat -c '%U:%G %a' "$sock")): the socket must be group $group, mode 0660"
    fi
    say "server ready on $sock (log $dir/serve.log)"
fi

# --- sshd ------------------------------------------------------------------------------------------
: > "$dir/sshd.log"
setsid "$sshd_bin" -D -f "$dir/sshd_config" -h "$dir/host_key" -E "$dir/sshd.log" < /dev/null > /dev/null 2>&1 &
echo $! > "$dir/sshd.pid"
for _ in $(seq 50); do
    ss -Hltn "( sport = :$port )" 2>/dev/null | grep -q . && break
    kill -0 "$(cat "$dir/sshd.pid")" 2>/dev/null || break
    sleep 0.1
done
if ! ours sshd >/dev/null || ! ss -Hltn "( sport = :$port )" | grep -q .; then
    tail -n 5 "$dir/sshd.log" >&2
    stop_sshd; stop_server
    die "sshd did not start (above: the end of $dir/sshd.log)"
fi

# known_hosts for clients on this machine, and what to tell students.
host=$listen
case $listen in 0.0.0.0|::|'*') host=$(hostname -I 2>/dev/null | awk '{print $1}'); host=${host:-$(hostname)} ;; esac
hk=$(cut -d' ' -f1-2 "$dir/host_key.pub")
if [[ $port == 22 ]]; then echo "$host $hk" > "$dir/known_hosts"; else echo "[$host]:$port $hk" > "$dir/known_hosts"; fi
fp=$(ssh-keygen -l -f "$dir/host_key.pub" | awk '{print $2}')
list=""
for i in "${!names[@]}"; do list+="${list:+, }${names[$i]}"; [[ ${roles[$i]} == presenter ]] && list+=" (presenter)"; done
say "sshd on $listen:$port (pid $(cat "$dir/sshd.pid")), log $dir/sshd.log; host key $fp (known_hosts line in $dir/known_hosts)"
say "${#names[@]} keys for account $user: $list"
for i in "${!names[@]}"; do
    if [[ ${roles[$i]} == presenter ]]; then
        say "presenter ${names[$i]}: ssh -t -p $port $user@$host present   · students follow: ssh -t -p $port $user@$host follow ${names[$i]}"
        break
    fi
done
say "stop: $0 stop $dir"
line="ssh -p $port $user@$host"
echo "$line" > "$dir/ssh-command"
echo "$line"
