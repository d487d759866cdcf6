#!/usr/bin/env bash
# record-golden.sh — replay fixtures/golden/*.scn against the real LVM2 (via the shared lvm2-oracle)
# and write each transcript next to its scenario as <same-name>.txt.
#
#   bash scripts/record-golden.sh            # every scenario
#   bash scripts/record-golden.sh 03 06-reports.scn fixtures/golden/08-mirror.scn   # only these
#
# A scenario may start with a comment line  `# oracle: --disks 3 --size 100M`  whose options are
# passed to the oracle (default: the oracle's own, 5 disks of 20G). Needs root.
# Never edit the .txt files by hand: change the .scn and re-record.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
oracle="$here/../../shared/tools/lvm2-oracle"
gold="$here/../fixtures/golden"
[ -x "$oracle" ] || [ -f "$oracle" ] || { echo "record-golden: oracle not found at $oracle" >&2; exit 2; }

pick=()
if [ $# -eq 0 ]; then
  pick=("$gold"/*.scn)
else
  for a in "$@"; do
    b=$(basename "$a"); b=${b%.scn}; b=${b%.txt}
    m=("$gold/$b".scn "$gold/$b"-*.scn)
    found=0
    for f in "${m[@]}"; do [ -f "$f" ] && { pick+=("$f"); found=1; }; done
    [ $found = 1 ] || { echo "record-golden: no scenario matches '$a'" >&2; exit 2; }
  done
fi

for scn in "${pick[@]}"; do
  opts=()
  first=$(head -n 1 "$scn")
  if [[ $first =~ ^#[[:space:]]*oracle:(.*)$ ]]; then
    read -r -a opts <<<"${BASH_REMATCH[1]}"
  fi
  out=${scn%.scn}.txt
  echo "record-golden: $(basename "$scn") ${opts[*]:-}" >&2
  bash "$oracle" "${opts[@]}" "$scn" > "$out.tmp"
  mv "$out.tmp" "$out"
  echo "record-golden:   $(grep -c '^\$ ' "$out") commands -> $(basename "$out")" >&2
done
