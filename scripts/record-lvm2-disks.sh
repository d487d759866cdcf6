#!/usr/bin/env bash
# record-lvm2-disks.sh — disks made by the real LVM2, for tsvm to read. For each
# fixtures/lvm2-disks/*.scn: fresh image files; the real LVM2 runs the whole scenario on them
# (lvm2-oracle --images: the lines before `# check` make the VG, the check lines are its answers,
# kept as <name>.txt). Then what LVM2 wrote where tsvm reads metadata is copied out of each image
# into <name>.json: the label sector, each metadata area's header sector and its committed text
# (a few KiB of text, not the images), and LVM2's vgcfgbackup file of each VG into
# <name>.backup-<vg>.vg. test/lvm2-disks.test.ts rebuilds the images from the .json.
#
#   bash scripts/record-lvm2-disks.sh [names]      # needs root, loop devices, lvm2
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
oracle="$here/../../shared/tools/lvm2-oracle"
dir="$here/../fixtures/lvm2-disks"
pick=()
if [ $# -eq 0 ]; then pick=("$dir"/*.scn); else for a in "$@"; do pick+=("$dir"/"$(basename "${a%.scn}")"*.scn); done; fi
for scn in "${pick[@]}"; do
  disks=3 size=100M
  first=$(head -n 1 "$scn")
  [[ $first =~ --disks[[:space:]]+([0-9]+) ]] && disks=${BASH_REMATCH[1]}
  [[ $first =~ --size[[:space:]]+([0-9]+[KMGT]?) ]] && size=${BASH_REMATCH[1]}
  work=$(mktemp -d /tmp/tsvm-lvm2disks.XXXXXX)
  imgs=()
  for ((i = 1; i <= disks; i++)); do truncate -s "$size" "$work/d$i"; imgs+=("$work/d$i"); done
  grep -v '^# check$' "$scn" > "$work/all.scn"
  bash "$oracle" --images "$(IFS=,; echo "${imgs[*]}")" "$work/all.scn" > "$work/all.txt"
  # and LVM2's vgcfgbackup file of each VG (test/vgcfgbackup-format.test.ts compares tsvm's with it)
  echo "vgcfgbackup -f $work/backup-%s.vg" > "$work/backup.scn"
  bash "$oracle" --images "$(IFS=,; echo "${imgs[*]}")" --ro "$work/backup.scn" > /dev/null
  for b in "$work"/backup-*.vg; do cp "$b" "${scn%.scn}.${b##*/}"; done
  # the transcript keeps the header line and the answers to the check lines only
  ncheck=$(sed -n '/^# check$/,$p' "$scn" | grep -cv '^#\|^$')
  out=${scn%.scn}
  { head -n 1 "$work/all.txt"; awk -v n="$ncheck" 'BEGIN{RS="\n\\$ "; ORS=""} { blocks[NR]=$0 } END { for (i = NR - n + 1; i <= NR; i++) print "$ " blocks[i] (i < NR ? "\n" : "") }' "$work/all.txt"; } > "$out.txt"
  python3 "$here/capture-metadata.py" "$out.json" "${imgs[@]}"
  rm -rf "$work"
  echo "record-lvm2-disks: $(basename "$scn") -> $(basename "$out").txt, $(basename "$out").json" >&2
done
