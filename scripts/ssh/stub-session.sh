#!/bin/sh
# A stand-in for `hopscope explore --connect SOCK --ssh` as sshd's ForceCommand, for testing the
# OpenSSH side without the server (ssh-test.sh's plumbing stage). It decides the action from the same
# inputs as the real one — HOPSCOPE_SESSION, HOPSCOPE_ROLE (student default) and SSH_ORIGINAL_COMMAND
# (empty: own session; "follow NAME"; "present", presenter only; else exit 2) — prints one line
# describing the session, and on a terminal echoes keys until 'q':
#
#   hopscope-stub session=alice role=student action=own user=hopscope tty=/dev/pts/3 agent=none lang=C.UTF-8 term=tmux-256color size=30x100
#   ready
#   key=j
#
# STATE_DIR (the first argument) receives NAME.pid while the session runs (and NAME.exit after), so
# a test can see that killing the ssh client ends the session.
state=${1:-}
session=${HOPSCOPE_SESSION:-}
role=${HOPSCOPE_ROLE:-student}
[ -n "$session" ] || { echo "hopscope: no session name (HOPSCOPE_SESSION is not set for this key)" >&2; exit 2; }
set -f
set -- $SSH_ORIGINAL_COMMAND
case "$#:${1:-}" in
0:) action=own ;;
2:follow) action="follow:$2" ;;
1:present)
    [ "$role" = presenter ] || { echo "hopscope: '$session' is not a presenter (role $role)" >&2; exit 2; }
    action=present ;;
*) echo "hopscope: unknown request '$SSH_ORIGINAL_COMMAND' (nothing, 'follow NAME' or 'present')" >&2; exit 2 ;;
esac
tty=$(tty 2>/dev/null) || tty=none
size=none
[ "$tty" = none ] || size=$(stty size 2>/dev/null | tr ' ' x)
echo "hopscope-stub session=$session role=$role action=$action user=$(id -un) tty=$tty agent=${SSH_AUTH_SOCK:-none} lang=${LANG:-none} term=${TERM:-none} size=$size"
[ -n "$state" ] && echo $$ > "$state/$session.pid"
if [ "$tty" != none ]; then
    # Echo keys until 'q' (python3: a shell loop over dd lingers ~2 s after the pty hangs up, the
    # explorer does not). A hangup (the client gone) ends the session at once, as SIGHUP does.
    exec python3 -c '
import os, sys, termios, tty
state, session = sys.argv[1], sys.argv[2]
old = termios.tcgetattr(0)
tty.setcbreak(0, termios.TCSANOW)        # TCSANOW: keys typed already are kept, not flushed
print("ready", flush=True)
try:
    while True:
        b = os.read(0, 1)
        if not b:
            break
        k = b.decode(errors="replace")
        print(f"key={k}", flush=True)
        if k == "q":
            termios.tcsetattr(0, termios.TCSADRAIN, old)
            if state:
                os.unlink(f"{state}/{session}.pid")
                open(f"{state}/{session}.exit", "w").write("0\n")
            break
except OSError:
    os._exit(1)
' "$state" "$session"
fi
exit 0
