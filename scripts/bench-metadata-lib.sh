# bench-metadata-lib.sh: what the metadata benchmarks (bench-metadata.sh, bench-shell.sh,
# bench-scale.sh) share, sourced by them: whether the real LVM2 can run here, a private LVM2 lab
# of loop devices over image files (its own lvm.conf, removed on exit with the caller's $work),
# and the timing helpers (medians of $RUNS runs after $WARM warm-up runs, peak RSS).

# lvm2_check: sets lvm2_ok (1/0) and lvm2_why (the reason it cannot run).
lvm2_check() {
  lvm2_ok=1 lvm2_why=""
  if [ "$(id -u)" != 0 ]; then lvm2_ok=0 lvm2_why="not root (loop devices need root)"
  elif ! command -v lvm >/dev/null; then lvm2_ok=0 lvm2_why="lvm2 is not installed (apt-get install lvm2)"
  elif ! command -v losetup >/dev/null; then lvm2_ok=0 lvm2_why="losetup missing"; fi
}

# lvm2_lab DIR IMAGE...: each image on a loop device (appended to the caller's `loops` array), an
# lvm.conf in DIR that accepts only them, exported as LVM_SYSTEM_DIR. Returns 1 if losetup fails.
lvm2_lab() {
  local dir=$1 img l filt=""
  shift
  export LVM_SUPPRESS_FD_WARNINGS=1
  for img in "$@"; do
    l=$(losetup -f --show "$img") || return 1
    loops+=("$l")
    filt+="\"a|^$l\$|\", "
  done
  mkdir -p "$dir/etc" "$dir/lock"
  cat >"$dir/etc/lvm.conf" <<CONF
devices { filter = [ ${filt}"r|.*|" ] global_filter = [ ${filt}"r|.*|" ] obtain_device_list_from_udev = 0 use_devicesfile = 0 }
backup { backup = 0 archive = 0 }
global { locking_dir = "$dir/lock" }
CONF
  export LVM_SYSTEM_DIR="$dir/etc"
}

# lvm2_lab_remove VG...: remove these VGs and the lab's PVs, detach the loop devices.
lvm2_lab_remove() {
  local vg l
  for vg in "$@"; do lvm vgremove --driverloaded n -ff "$vg" >/dev/null 2>&1; done
  for l in "${loops[@]}"; do
    lvm pvremove --driverloaded n -ff -y "$l" >/dev/null 2>&1
    losetup -d "$l" 2>/dev/null
  done
}

# usecs CMD...: run once, output discarded, print elapsed microseconds; with BENCH_CLOCK=cpu, the
# command's CPU time instead (user + system of it and its children, from the kernel's rusage via
# python3): on a machine shared with other work the elapsed time measures mostly the others.
usecs() {
  if [ "${BENCH_CLOCK:-wall}" = cpu ]; then
    python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(int((r.ru_utime + r.ru_stime) * 1e6))' "$@"
    return
  fi
  local t0=${EPOCHREALTIME/./} t1
  "$@" >/dev/null 2>&1 </dev/null
  t1=${EPOCHREALTIME/./}
  echo $((t1 - t0))
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }

# bench_one CMD...: median of $RUNS runs (after $WARM warm-up runs), in microseconds.
bench_one() {
  local i
  for ((i = 0; i < WARM; i++)); do "$@" >/dev/null 2>&1 </dev/null; done
  for ((i = 0; i < RUNS; i++)); do usecs "$@"; done | median
}

# bench_pair "DO..." "UNDO...": alternate the two (each leaves the VG as the other expects), timing
# both; prints "median_do median_undo" in microseconds (scratch files in $work).
bench_pair() {
  local -a do_cmd undo_cmd
  read -r -a do_cmd <<<"$1"
  read -r -a undo_cmd <<<"$2"
  local i a b
  : >"$work/do.t"
  : >"$work/undo.t"
  for ((i = 0; i < WARM + RUNS; i++)); do
    a=$(usecs "${do_cmd[@]}")
    b=$(usecs "${undo_cmd[@]}")
    if ((i >= WARM)); then echo "$a" >>"$work/do.t"; echo "$b" >>"$work/undo.t"; fi
  done
  echo "$(median <"$work/do.t") $(median <"$work/undo.t")"
}

# peak_rss CMD...: maximum resident set size in KiB.
peak_rss() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$@" 2>&1 >/dev/null </dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }'
  else
    echo "?"
  fi
}
