#!/usr/bin/env bash
# record-ondisk.sh — LVM2 reading tsvm's images: for each fixtures/ondisk/*.scn, tsvm (dist/tsvm)
# runs the lines before `# check` on fresh image files; the real LVM2 then reads those images
# (lvm2-oracle --images ... --ro; read-write when the scenario has a `# lvm2 writes` line) and
# answers the lines after it. The transcript is written next to
# the scenario as <name>.txt; test/ondisk-interop.test.ts replays the setup with tsvm and requires
# tsvm's own answers to the check lines to be LVM2's.
#
#   npm run build && bash scripts/record-ondisk.sh [names]     # needs root, loop devices, lvm2
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
oracle="$here/../../shared/tools/lvm2-oracle"
dir="$root/fixtures/ondisk"
tsvm="$root/dist/tsvm"
[ -x "$tsvm" ] || { echo "record-ondisk: build first (npm run build)" >&2; exit 2; }
pick=()
if [ $# -eq 0 ]; then pick=("$dir"/*.scn); else for a in "$@"; do pick+=("$dir"/"$(basename "${a%.scn}")"*.scn); done; fi
for scn in "${pick[@]}"; do
  disks=3 size=100M
  first=$(head -n 1 "$scn")
  [[ $first =~ --disks[[:space:]]+([0-9]+) ]] && disks=${BASH_REMATCH[1]}
  [[ $first =~ --size[[:space:]]+([0-9]+[KMGT]?) ]] && size=${BASH_REMATCH[1]}
  work=$(mktemp -d /tmp/tsvm-ondisk.XXXXXX)
  mkdir -p "$work/dev" "$work/sys"
  # (TSVM_NO_KERNEL_DEVICES: active LVs get no loop/NBD device, which would take the loop devices
  # the oracle is predicted to use.)
  # Name the images after the loop devices the oracle will attach them to (the first free ones),
  # so that the device names in the metadata text are the same when the test replays the setup.
  imgs=() names=()
  for ((n = 0; ${#names[@]} < disks && n < 256; n++)); do
    losetup "/dev/loop$n" >/dev/null 2>&1 || names+=("loop$n")
  done
  for nm in "${names[@]}"; do truncate -s "$size" "$work/dev/$nm"; imgs+=("$work/dev/$nm"); done
  check=$work/check.scn
  in_check=0
  while IFS= read -r line; do
    if [ "$line" = "# check" ]; then in_check=1; continue; fi
    case "$line" in ''|'#'*) continue;; esac
    if [ $in_check = 1 ]; then echo "$line" >> "$check"; continue; fi
    cmdline=$line
    # a line naming a program by its absolute path (/bin/dd ...) runs as written, on the image files
    case "$line" in
      /*) for ((i = disks; i >= 1; i--)); do cmdline=${cmdline//\$D$i/$work/dev/${names[$((i - 1))]}}; done
          eval "$cmdline" </dev/null || { echo "record-ondisk: failed: $line" >&2; rm -rf "$work"; exit 1; }
          continue;;
    esac
    for ((i = disks; i >= 1; i--)); do cmdline=${cmdline//\$D$i//dev/${names[$((i - 1))]}}; done
    eval "set -- $cmdline"
    TSVM_NO_KERNEL_DEVICES=1 TSVM_DEV_DIR=$work/dev TSVM_SYSTEM_DIR=$work/sys "$tsvm" "$@" </dev/null >/dev/null 2>"$work/err" \
      || { echo "record-ondisk: tsvm failed: $line" >&2; cat "$work/err" >&2; rm -rf "$work"; exit 1; }
  done < "$scn"
  out=${scn%.scn}.txt
  # `# lvm2 writes`: the check lines change the VG (vgsplit, pvmove, lvextend, ...), so LVM2 gets
  # the images read-write; otherwise read-only.
  ro=--ro
  grep -qx '# lvm2 writes' "$scn" && ro=
  bash "$oracle" --images "$(IFS=,; echo "${imgs[*]}")" $ro "$check" > "$out.tmp"
  want="\$D1=/dev/${names[0]}"
  head -n 1 "$out.tmp" | grep -qF -- "$want" || { echo "record-ondisk: the oracle did not attach the images as predicted (${names[*]}): run again" >&2; head -n 3 "$out.tmp" >&2; rm -rf "$work" "$out.tmp"; exit 1; }
  mv "$out.tmp" "$out"
  # The metadata text carries the host name and uname (creation_host and its comment), so its size,
  # hence pv_mda_free, depends on the machine: the test compares those columns only on this one.
  uname -s -n -r -v -m > "${scn%.scn}.host"
  rm -rf "$work"
  echo "record-ondisk: $(basename "$scn"): $(grep -c '^\$ ' "$out") commands -> $(basename "$out")" >&2
done
