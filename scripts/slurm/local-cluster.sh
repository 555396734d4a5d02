#!/bin/bash
# A throwaway single-node Slurm cluster on localhost (munged + slurmctld + slurmd), all state in DIR.
#
#   scripts/slurm/local-cluster.sh start DIR     # prints the SLURM_CONF line to export
#   export SLURM_CONF=DIR/slurm.conf; sbatch …; squeue; sinfo
#   scripts/slurm/local-cluster.sh stop DIR      # stops exactly the daemons `start` started
#
# Needs root and Debian's slurm-wlm and munge (`apt-get install -y slurm-wlm munge`). Nothing outside
# DIR is touched: a private munge key and socket, free TCP ports picked at start, no systemd units,
# no /etc/slurm changes. The node is "localhost" with CPUs=2 (CPUS=N overrides).
set -euo pipefail

usage() { echo "usage: $0 start|stop|status DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
cmd=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)

# Pid files hold the daemons we started; stop kills only those pids, only if they still are ours.
stop_one() {
    local name=$1 pidfile="$dir/$1.pid"
    [[ -f $pidfile ]] || return 0
    local pid
    pid=$(cat "$pidfile")
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && grep -q "$name" "/proc/$pid/cmdline" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for() {   # wait_for SECONDS DESCRIPTION COMMAND…
    local t=$1 what=$2; shift 2
    for _ in $(seq $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "local-cluster: $what did not come up within ${t}s; logs in $dir" >&2
    return 1
}

case $cmd in
start)
    [[ $(id -u) -eq 0 ]] || { echo "local-cluster: needs root (slurmd runs jobs as their users)" >&2; exit 1; }
    for b in munged slurmctld slurmd sbatch; do
        command -v "$b" >/dev/null || { echo "local-cluster: $b not found; apt-get install -y slurm-wlm munge" >&2; exit 1; }
    done
    for name in slurmd slurmctld munged; do stop_one "$name"; done      # idempotent: a previous run's leftovers
    chmod 700 "$dir"
    mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
    chmod 700 "$dir/munge"
    [[ -f $dir/munge/munge.key ]] || { dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none; chmod 400 "$dir/munge/munge.key"; }
    munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"
    wait_for 10 munged test -S "$dir/munge/munge.socket"
    cp "$dir/munge/munged.pid" "$dir/munged.pid"

    ctl_port=$(free_port); d_port=$(free_port)
    while [[ $d_port == "$ctl_port" ]]; do d_port=$(free_port); done
    host=$(hostname -s)
    cat > "$dir/slurm.conf" <<CONF
# Written by scripts/slurm/local-cluster.sh: a single-node cluster for tests.
ClusterName=hopscope-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctl_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.daemon.pid
SlurmdPidFile=$dir/slurmd.daemon.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
KillWait=10
NodeName=localhost NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=${CPUS:-2} State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF=$dir/slurm.conf
    slurmctld -D -i -f "$dir/slurm.conf" >>"$dir/slurmctld.stdout" 2>&1 &
    echo $! > "$dir/slurmctld.pid"
    wait_for 30 slurmctld scontrol ping
    slurmd -D -N localhost -f "$dir/slurm.conf" >>"$dir/slurmd.stdout" 2>&1 &
    echo $! > "$dir/slurmd.pid"
    node_ready() { sinfo -h -n localhost -o %T | grep -Eq '^(idle|mixed|allocated)'; }
    wait_for 60 "the node (slurmd)" node_ready
    echo "export SLURM_CONF=$dir/slurm.conf"
    ;;
stop)
    if [[ -f $dir/slurm.conf ]] && [[ -f $dir/slurmctld.pid ]]; then
        SLURM_CONF=$dir/slurm.conf timeout 10 scancel --user=root >/dev/null 2>&1 || true
    fi
    for name in slurmd slurmctld munged; do stop_one "$name"; done
    ;;
status)
    for name in munged slurmctld slurmd; do
        if [[ -f $dir/$name.pid ]] && kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then
            echo "$name: running (pid $(cat "$dir/$name.pid"))"
        else
            echo "$name: not running"
        fi
    done
    ;;
*) usage ;;
esac
