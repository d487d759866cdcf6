#!/usr/bin/env bash
# Re-record the LVM2 oracle transcripts this folder's tests rely on: each NAME.scn -> NAME.txt.
# The first line of a scenario names its oracle options in brackets, e.g. [--disks 2 --size 100M].
# Usage (as root): test/fixtures-alloc/record.sh [NAME.scn ...]
set -eu
cd "$(dirname "$0")"
for scn in ${@:-*.scn}; do
  opts=$(head -1 "$scn" | sed -n 's/.*\[\(.*\)\].*/\1/p')
  /work/shared/tools/lvm2-oracle $opts "$scn" > "${scn%.scn}.txt"
done
