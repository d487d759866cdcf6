# bench-lib.sh: what the data benchmarks (bench-dd.sh, bench-mirror-write.sh, bench-sync.sh) share,
# sourced by them: the tsvm command, a private lab of sparse PV images in a temporary directory
# (removed on exit), a file of random source data, and the timing helpers.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# What users run: the launcher (the start-up snapshot when the build made one). TSVM= overrides.
TSVM=${TSVM:-$BENCH_ROOT/dist/tsvm}
[ -x "$BENCH_ROOT/dist/tsvm" ] || { echo "build first: npm run build" >&2; exit 1; }

# bench_lab NAME SIZE_MiB VG PV...: a work directory (BENCH_DIR, default the checkout, so the images
# live on the disk being measured), TSVM_SYSTEM_DIR/TSVM_DEV_DIR in it, one sparse image of SIZE_MiB
# per PV name, pvcreate and vgcreate VG. Sets WORK.
bench_lab() {
  local name=$1 size=$2 vg=$3
  shift 3
  WORK=$(mktemp -d "${BENCH_DIR:-$BENCH_ROOT}/.bench-$name.XXXXXX")
  # Activation starts tsvm's NBD daemon: stop it with the lab. Kernel block devices only when asked.
  trap '$TSVM nbd stop >/dev/null 2>&1; rm -rf "$WORK"' EXIT
  export TSVM_SYSTEM_DIR=$WORK/sys TSVM_DEV_DIR=$WORK/dev
  [ -n "${BENCH_KERNEL_DEVICES:-}" ] || export TSVM_NO_KERNEL_DEVICES=1
  mkdir -p "$TSVM_DEV_DIR"
  local d devs=()
  for d in "$@"; do
    truncate -s "${size}M" "$TSVM_DEV_DIR/$d"
    devs+=("/dev/$d")
  done
  $TSVM pvcreate -q "${devs[@]}" >/dev/null
  $TSVM vgcreate -q "$vg" "${devs[@]}" >/dev/null
}

# bench_source MiB: $WORK/src of random bytes (nothing can shortcut them), read once to warm the cache. Sets SRC.
bench_source() {
  SRC=$WORK/src
  head -c $(($1 * 1024 * 1024)) /dev/urandom >"$SRC"
  cat "$SRC" >/dev/null
}

# elapsed COMMAND...: its wall time in seconds on stdout (its own output discarded). With
# BENCH_CLOCK=cpu its CPU time instead (user + system of it and its children, from the kernel's
# rusage): on a machine shared with other work the wall time measures mostly the others.
elapsed() {
  if [ "${BENCH_CLOCK:-wall}" = cpu ]; then
    python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f" % (r.ru_utime + r.ru_stime))' "$@"
    return
  fi
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

# median: of the numbers on stdin, three decimals.
median() { sort -g | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f\n", m }'; }
