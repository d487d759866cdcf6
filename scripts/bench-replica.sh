#!/usr/bin/env bash
# Replication benchmark (issue 12), every ratio measured in the same run:
#  1. source write latency with an async replica vs without: `tsvm dd bs=4k oflag=sync` (N writes)
#     and `tsvm dd bs=1M conv=fsync` of MIB MiB, into a replicated LV and into a plain LV of the
#     same VG, alternated, medians of RUNS;
#  2. shipping throughput to an NBD target on loopback TCP: MIB MiB journaled while the replica is
#     paused, then timed from `tsvm replica resume` until the lag is 0 (the shipper flushes the
#     target at the source's fsync barrier; bench-replica-wait.mjs looks at every change of a PV
#     image and every 50 ms), against `nbdcopy --flush` of the same bytes to the same target; and
#     the same from the moment the resume takes effect (its write of the group config, seen by the
#     waiter) to lag 0, without the resume command's own start-up (nbdcopy's start-up, a small C
#     program's, stays in its figure).
# The target is `nbdkit memory` (TARGET=memory, the default: it stands for another host, whose
# disk and CPUs are not this one's) or `nbdkit file` on this machine's disk (TARGET=file: then the
# replica's writes compete with the source's for the same disk).
# Usage: bash scripts/bench-replica.sh [RUNS=3] [MIB=1024] [N=500]   (needs nbdkit and nbdcopy)
set -euo pipefail
RUNS=${1:-3}
MIB=${2:-1024}
N=${3:-500}
TSVM=${TSVM:-$(cd "$(dirname "$0")/.." && pwd)/dist/tsvm}
WAIT="$(cd "$(dirname "$0")" && pwd)/bench-replica-wait.mjs"
DIST=$(dirname "$(readlink -f "$TSVM")")
PORT=${PORT:-10998}
TARGET=${TARGET:-memory}
command -v nbdkit >/dev/null && command -v nbdcopy >/dev/null || { echo "needs nbdkit and nbdcopy (apt-get install nbdkit libnbd-bin)"; exit 1; }
LAB=$(mktemp -d /var/tmp/tsvm-bench-replica.XXXXXX)
export TSVM_SYSTEM_DIR=$LAB/sys TSVM_DEV_DIR=$LAB/dev TSVM_NO_KERNEL_DEVICES=1
NBDKIT_PID=
cleanup() {
  "$TSVM" replica stop >/dev/null 2>&1 || true
  "$TSVM" nbd stop >/dev/null 2>&1 || true
  [ -n "$NBDKIT_PID" ] && kill "$NBDKIT_PID" 2>/dev/null || true
  rm -rf "$LAB"
}
trap cleanup EXIT
mkdir -p "$LAB/dev"
truncate -s $(( (MIB * 4 + 512) ))M "$LAB/dev/pv"
truncate -s ${MIB}M "$LAB/target.img"
head -c ${MIB}M /dev/urandom > "$LAB/payload"
if [ "$TARGET" = file ]; then plugin=(file "$LAB/target.img"); else plugin=(memory "${MIB}M"); fi
nbdkit -f -p "$PORT" -i 127.0.0.1 --exit-with-parent "${plugin[@]}" & NBDKIT_PID=$!
for _ in $(seq 100); do nbdinfo --size "nbd://127.0.0.1:$PORT" >/dev/null 2>&1 && break; sleep 0.1; done
"$TSVM" vgcreate -q vg /dev/pv >/dev/null
"$TSVM" lvcreate -q -L ${MIB}M -n plain vg >/dev/null
"$TSVM" lvcreate -q -L ${MIB}M -n repl vg >/dev/null
"$TSVM" replica create vg/repl --target "nbd://127.0.0.1:$PORT" -L $(( MIB + 64 ))M --nosync >/dev/null

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
timed() { local t0; t0=$(now); "$@" >/dev/null 2>&1; echo "$(now) - $t0" | bc -l; }
lag() { "$TSVM" lvs --noheadings -o repl_lag_writes vg/repl | tr -d ' '; }
drain() { for _ in $(seq 6000); do [ "$(lag)" = 0 ] && return; sleep 0.05; done; }

declare -a P4 R4 P1 R1 SHIP COPY EFF
for r in $(seq "$RUNS"); do
  drain
  P4+=("$(timed "$TSVM" dd if="$LAB/payload" of=/dev/vg/plain bs=4k count="$N" oflag=sync)")
  R4+=("$(timed "$TSVM" dd if="$LAB/payload" of=/dev/vg/repl bs=4k count="$N" oflag=sync)")
  drain
  P1+=("$(timed "$TSVM" dd if="$LAB/payload" of=/dev/vg/plain bs=1M conv=fsync)")
  R1+=("$(timed "$TSVM" dd if="$LAB/payload" of=/dev/vg/repl bs=1M conv=fsync)")
  drain
  # Shipping: journal MIB MiB with the replica paused, then time the resume until the lag is 0.
  "$TSVM" replica pause vg/repl >/dev/null
  "$TSVM" dd if="$LAB/payload" of=/dev/vg/repl bs=1M conv=fsync >/dev/null 2>&1
  coproc WAITER { node "$WAIT" "$DIST" "$LAB/effective"; }
  wpid=$WAITER_PID
  read -r _ <&"${WAITER[0]}"
  t0=$(now); "$TSVM" replica resume vg/repl >/dev/null; wait "$wpid"
  SHIP+=("$(echo "$(now) - $t0" | bc -l)")
  EFF+=("$(cat "$LAB/effective")")
  COPY+=("$(timed nbdcopy --flush "$LAB/payload" "nbd://127.0.0.1:$PORT")")
  kill -0 "$NBDKIT_PID" || { echo "nbdkit (pid $NBDKIT_PID) is gone: something killed it; figures void"; exit 1; }
done
m() { printf '%s\n' "$@" | median; }
p4=$(m "${P4[@]}"); r4=$(m "${R4[@]}"); p1=$(m "${P1[@]}"); r1=$(m "${R1[@]}"); sh=$(m "${SHIP[@]}"); cp=$(m "${COPY[@]}"); ef=$(m "${EFF[@]}")
printf 'load average: %s; target: nbdkit %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$TARGET"
printf '4 KiB oflag=sync x %d: plain %.3f s, replicated %.3f s: latency ratio %.2fx (goal <= 1.1x)\n' "$N" "$p4" "$r4" "$(echo "$r4 / $p4" | bc -l)"
printf '%d MiB bs=1M conv=fsync: plain %.3f s, replicated %.3f s: ratio %.2fx (goal <= 1.1x)\n' "$MIB" "$p1" "$r1" "$(echo "$r1 / $p1" | bc -l)"
printf 'shipping %d MiB to nbdkit %s over loopback: %.3f s; nbdcopy --flush of the same bytes: %.3f s: throughput ratio %.2fx (goal >= 0.8x)\n' "$MIB" "$TARGET" "$sh" "$cp" "$(echo "$cp / $sh" | bc -l)"
printf 'shipping %d MiB from the resume taking effect (group config written) to lag 0: %.3f s: throughput ratio %.2fx\n' "$MIB" "$ef" "$(echo "$cp / $ef" | bc -l)"
