#!/usr/bin/env bash
# record-cfgrestore.sh — vgcfgbackup files going both ways between tsvm and the real LVM2. For each
# fixtures/cfgrestore/*.scn: its maker (`# made by: tsvm` or `# made by: lvm2`) runs the lines
# before `# restore` on fresh image files, among them `vgcfgbackup -f $BACKUP VG` and changes
# after it; what the images then hold where metadata lives is copied into <name>.json
# (scripts/capture-metadata.py) and the backup file into <name>.backup.vg. The real LVM2 then runs
# the lines after `# restore` on those images (lvm2-oracle --images): its vgcfgrestore of the file
# and the check lines; its answers are <name>.txt. test/cfgrestore-interop.test.ts rebuilds the
# images, lets tsvm restore the same file and requires LVM2's answers: a file tsvm wrote restores
# in LVM2 as in tsvm, and tsvm restores LVM2's file as LVM2 does.
#
#   npm run build && bash scripts/record-cfgrestore.sh [names]   # needs root, loop devices, lvm2
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
oracle="$here/../../shared/tools/lvm2-oracle"
dir="$root/fixtures/cfgrestore"
tsvm="$root/dist/tsvm"
[ -x "$tsvm" ] || { echo "record-cfgrestore: build first (npm run build)" >&2; exit 2; }
pick=()
if [ $# -eq 0 ]; then pick=("$dir"/*.scn); else for a in "$@"; do pick+=("$dir"/"$(basename "${a%.scn}")"*.scn); done; fi
for scn in "${pick[@]}"; do
  disks=3 size=100M
  first=$(head -n 1 "$scn")
  [[ $first =~ --disks[[:space:]]+([0-9]+) ]] && disks=${BASH_REMATCH[1]}
  [[ $first =~ --size[[:space:]]+([0-9]+[KMGT]?) ]] && size=${BASH_REMATCH[1]}
  maker=$(sed -n 's/^# made by: *\([a-z0-9]*\).*/\1/p' "$scn")
  [ "$maker" = tsvm ] || [ "$maker" = lvm2 ] || { echo "record-cfgrestore: $scn has no '# made by: tsvm|lvm2' line" >&2; exit 2; }
  work=$(mktemp -d /tmp/tsvm-cfgrestore.XXXXXX)
  mkdir -p "$work/dev" "$work/sys"
  export BACKUP=$work/backup.vg
  # images named after the loop devices the oracle will attach them to (the first free ones), so
  # that the names in the metadata are those of the transcript
  imgs=() names=()
  for ((n = 0; ${#names[@]} < disks && n < 256; n++)); do losetup "/dev/loop$n" >/dev/null 2>&1 || names+=("loop$n"); done
  for nm in "${names[@]}"; do truncate -s "$size" "$work/dev/$nm"; imgs+=("$work/dev/$nm"); done
  sed -n '/^# restore$/q;p' "$scn" | grep -v '^#' | grep -v '^$' > "$work/setup.scn" || true
  sed -n '/^# restore$/,$p' "$scn" | grep -v '^#' > "$work/restore.scn"
  if [ "$maker" = tsvm ]; then
    while IFS= read -r line; do
      cmdline=$line
      for ((i = disks; i >= 1; i--)); do cmdline=${cmdline//\$D$i//dev/${names[$((i - 1))]}}; done
      eval "set -- $cmdline"
      TSVM_NO_KERNEL_DEVICES=1 TSVM_DEV_DIR=$work/dev TSVM_SYSTEM_DIR=$work/sys "$tsvm" "$@" </dev/null >/dev/null 2>"$work/err" \
        || { echo "record-cfgrestore: tsvm failed: $line" >&2; cat "$work/err" >&2; rm -rf "$work"; exit 1; }
    done < "$work/setup.scn"
  else
    bash "$oracle" --images "$(IFS=,; echo "${imgs[*]}")" "$work/setup.scn" > "$work/setup.txt"
    if grep -q '^\[exit [1-9]' "$work/setup.txt"; then echo "record-cfgrestore: LVM2 failed in the setup:" >&2; cat "$work/setup.txt" >&2; exit 1; fi
  fi
  [ -f "$BACKUP" ] || { echo "record-cfgrestore: the setup wrote no \$BACKUP" >&2; exit 1; }
  out=${scn%.scn}
  python3 "$here/capture-metadata.py" "$out.json" "${imgs[@]}"
  cp "$BACKUP" "$out.backup.vg"
  bash "$oracle" --images "$(IFS=,; echo "${imgs[*]}")" "$work/restore.scn" > "$out.txt.tmp"
  head -n 1 "$out.txt.tmp" | grep -qF -- "\$D1=/dev/${names[0]}" \
    || { echo "record-cfgrestore: the oracle did not attach the images as predicted (${names[*]}): run again" >&2; rm -rf "$work" "$out.txt.tmp"; exit 1; }
  mv "$out.txt.tmp" "$out.txt"
  rm -rf "$work"
  echo "record-cfgrestore: $(basename "$scn"): $(grep -c '^\$ ' "$out.txt") commands -> $(basename "$out").txt, .json, .backup.vg" >&2
done
