#!/usr/bin/env bash
# lvm2-testsuite.sh — run LVM2 2.03.16's own test scripts (test/shell in lvmteam/lvm2, tag v2_03_16)
# against tsvm, through tsvm's stand-in for LVM2's test library (scripts/lvm2-testsuite/lib), and
# classify each script: pass, skip, fail (a tsvm difference) or needs-the-kernel (device-mapper).
#
#   scripts/lvm2-testsuite.sh [--lvm2 DIR] [--timeout S] [--jobs N] [--logs DIR] [--table | --readme]
#                             [--check-pass-list] [SCRIPT...]
#   scripts/lvm2-testsuite.sh --table-from RESULTS [--readme]
#
# DIR (or $LVM2_TEST_DIR) is a checkout of LVM2's test/ directory (with shell/); LVM2's scripts are
# read from there and never copied into tsvm. SCRIPT: names in DIR/shell (".sh" optional) or globs;
# default: the list in scripts/lvm2-testsuite/scripts.list. Each script runs in its own sandbox
# (a temporary TESTDIR with its image files, TSVM_SYSTEM_DIR and PATH of tsvm's command links),
# removed afterwards with any process it left. device-mapper and kernel tools (dmsetup, mount,
# mkfs, ...) and LVM2 commands tsvm lacks are stubs that fail loudly; no real LVM2 binary is on PATH.
#
# Output: one line per script, "NAME<TAB>CLASS<TAB>REASON" (REASON: the first failing line of the
# script and the last message before it). --table prints the Markdown table, --readme writes it into
# README.md between the lvm2-testsuite markers. --check-pass-list exits 1 when a script of
# scripts/lvm2-testsuite/pass.list does not pass (or is not run). Per-script logs: --logs DIR
# (default: a temporary folder, printed at the end).
set -u
# Run from a copy, so that editing this file while a long run goes on cannot change the run.
if test -z "${LVM2_SUITE_REPO-}"; then
	self=$(mktemp "${TMPDIR:-/tmp}/lvm2-testsuite-self.XXXXXX")
	cp "${BASH_SOURCE[0]}" "$self"
	LVM2_SUITE_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) bash "$self" "$@"
	st=$?
	rm -f "$self"
	exit $st
fi
repo=$LVM2_SUITE_REPO
here="$repo/scripts"
suite="$here/lvm2-testsuite"
lvm2=${LVM2_TEST_DIR:-}
timeout_s=${LVM2_SUITE_TIMEOUT:-900}
jobs=1
logs="" table="" readme="" table_from="" check_pass=""
scripts=()
while test $# -gt 0; do
	case "$1" in
	--lvm2) lvm2=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--logs) logs=$2; shift 2 ;;
	--table) table=1; shift ;;
	--readme) readme=1; shift ;;
	--table-from) table_from=$2; shift 2 ;;
	--check-pass-list) check_pass=1; shift ;;
	-h|--help) sed -n '2,21p' "$here/lvm2-testsuite.sh" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "lvm2-testsuite: unknown option $1" >&2; exit 2 ;;
	*) scripts+=( "$1" ); shift ;;
	esac
done

# --- the table -------------------------------------------------------------------------------------
md_escape_() { sed 's/|/\\|/g; s/`/'"'"'/g'; }

print_table() {
	local results=$1 n p s f k
	n=$(wc -l < "$results")
	p=$(awk -F'\t' '$2 == "pass"' "$results" | wc -l)
	s=$(awk -F'\t' '$2 == "skip"' "$results" | wc -l)
	f=$(awk -F'\t' '$2 == "fail"' "$results" | wc -l)
	k=$(awk -F'\t' '$2 == "needs-the-kernel"' "$results" | wc -l)
	echo "$n scripts: **$p pass**, $f fail, $k need the kernel, $s skip."
	echo
	echo "| script | result | why not (first failing line of the script, last message before it) |"
	echo "|---|---|---|"
	sort -t$'\t' -k1,1 "$results" | while IFS=$'\t' read -r name class reason; do
		printf '| %s | %s | %s |\n' "$name" "$class" "$(printf '%s' "$reason" | md_escape_)"
	done
}

write_readme() {
	local results=$1 readme_file="$repo/README.md" tmp
	grep -q '^<!-- lvm2-testsuite:begin -->$' "$readme_file" || { echo "lvm2-testsuite: README.md has no lvm2-testsuite markers" >&2; return 1; }
	tmp=$(mktemp)
	print_table "$results" > "$tmp.table"
	awk -v t="$tmp.table" '
		/^<!-- lvm2-testsuite:begin -->$/ { print; while ((getline l < t) > 0) print l; skip = 1; next }
		/^<!-- lvm2-testsuite:end -->$/ { skip = 0 }
		!skip' "$readme_file" > "$tmp"
	cat "$tmp" > "$readme_file"
	rm -f "$tmp" "$tmp.table"
	echo "lvm2-testsuite: README.md table updated" >&2
}

if test -n "$table_from"; then
	if test -n "$readme"; then write_readme "$table_from"; else print_table "$table_from"; fi
	exit $?
fi

# --- the run ---------------------------------------------------------------------------------------
test -n "$lvm2" || { echo "lvm2-testsuite: give LVM2's test/ directory (--lvm2 DIR or LVM2_TEST_DIR)" >&2; exit 2; }
test -d "$lvm2/shell" || { echo "lvm2-testsuite: $lvm2 has no shell/ folder (want LVM2's test/)" >&2; exit 2; }
lvm2=$(cd "$lvm2" && pwd)
tsvm=${LVM2_SUITE_TSVM:-$repo/dist/tsvm}   # another build (a copy of dist/) for long runs
test -x "$tsvm" || { echo "lvm2-testsuite: $tsvm is not built (npm run build)" >&2; exit 2; }

if test ${#scripts[@]} -eq 0; then
	mapfile -t scripts < <(sed 's/#.*//; s/[[:space:]]*$//; /^$/d' "$suite/scripts.list")
fi
resolved=()
for s in "${scripts[@]}"; do
	s=${s%.sh}
	for f in "$lvm2"/shell/$s.sh; do
		test -f "$f" && resolved+=( "$f" ) || echo "lvm2-testsuite: no script $s.sh in $lvm2/shell" >&2
	done
done

run=$(mktemp -d "${TMPDIR:-/tmp}/lvm2-testsuite.XXXXXX")
test -n "$logs" || logs=$(mktemp -d "${TMPDIR:-/tmp}/lvm2-testsuite-logs.XXXXXX")
mkdir -p "$logs" "$run/bin"
results="$run/results.tsv"
: > "$results"

# PATH of the sandbox: tsvm under LVM2's command names, and stubs that fail loudly.
"$tsvm" links "$run/bin" >/dev/null
ln -s "$tsvm" "$run/bin/tsvm"
rm -f "$run/bin/lsblk" "$run/bin/nbd"
stub_() { # stub_ NAME STATUS FILE WHAT
	printf '#!/bin/sh\necho "lvm2-testsuite: %s: $0 $*" >&2\necho "${0##*/} $*" >> "$TESTDIR/%s"\nexit %s\n' "$4" "$3" "$2" > "$run/bin/$1"
	chmod +x "$run/bin/$1"
}
for t in dmsetup dmstats dmeventd lvmpolld lvmlockd lvmlockctl lvmdbusd blockdev losetup blkdiscard \
	mkfs mkfs.ext2 mkfs.ext3 mkfs.ext4 mkfs.xfs mke2fs mkswap mount umount fsck fsck.ext2 fsck.ext3 fsck.ext4 \
	e2fsck resize2fs xfs_growfs fsadm mdadm modprobe sysctl thin_check thin_dump thin_repair thin_restore \
	cache_check cache_dump cache_repair cache_restore vdoformat lvm_import_vdo blkdeactivate; do
	stub_ "$t" 97 NEEDS_KERNEL "needs the kernel (device-mapper, block devices), which tsvm's sandbox has not"
done
printf '#!/bin/sh\ntest "$1" = settle && exit 0\necho "lvm2-testsuite: udevadm $*: needs the kernel" >&2\necho "udevadm $*" >> "$TESTDIR/NEEDS_KERNEL"\nexit 97\n' > "$run/bin/udevadm"
chmod +x "$run/bin/udevadm"
# LVM2 2.03.16's commands (tools/command-lines.in) that tsvm has no link for.
for c in lvchange lvconvert lvcreate lvdisplay lvextend lvmconfig lvmdevices lvmdiskscan lvmsadc lvmsar \
	lvreduce lvremove lvrename lvresize lvs lvscan pvchange pvck pvcreate pvdisplay pvmove pvremove pvresize \
	pvs pvscan vgcfgbackup vgcfgrestore vgchange vgck vgconvert vgcreate vgdisplay vgexport vgextend \
	vgimport vgimportclone vgimportdevices vgmerge vgmknodes vgreduce vgremove vgrename vgs vgscan vgsplit lvmdump; do
	test -e "$run/bin/$c" || stub_ "$c" 96 MISSING_COMMAND "tsvm has no command"
done
path="$run/bin:$suite/lib:/usr/local/bin:/usr/bin:/bin"

# The script's own line N, trimmed.
script_line_() { test "${2:-0}" -gt 0 2>/dev/null || return 0; sed -n "${2}p" "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//' | cut -c1-160; }

# What the failing command said: its own output lines (after the script's last trace line, before
# the failure marker), else the last line of the file its line redirects to (2>err, >out).
last_message_() { # last_message_ LOG SCRIPT_NAME TESTDIR SCRIPT_LINE
	local m f
	m=$(awk -v tr="^\\+$2:" '/^@@ FAILED/ { exit } $0 ~ tr { m = "" ; next } !/^\+/ && !/^## / && NF { m = $0 } END { print m }' "$1")
	if test -z "$m"; then
		f=$(printf '%s' "$4" | grep -o '[&2]*>[[:space:]]*[A-Za-z0-9_.]*' | tail -n 1 | sed 's/^[&2]*>[[:space:]]*//')
		test -z "$f" || test ! -f "$3/$f" || m=$(grep -v '^[[:space:]]*$' "$3/$f" | tail -n 1)
	fi
	printf '%s' "$m" | sed 's/^[[:space:]]*//' | cut -c1-200
}

classify_() { # classify_ SCRIPT TESTDIR LOG STATUS TIMED_OUT -> "CLASS<TAB>REASON"
	local script=$1 t=$2 log=$3 rc=$4 timed_out=$5 st line text msg
	if test "$timed_out" = 1; then
		line=$(grep -o "^+$(basename "$script"):[0-9]*:" "$log" | tail -n 1 | cut -d: -f2)
		printf 'fail\ttimed out after %ss at line %s: %s\n' "$timeout_s" "$line" "$(script_line_ "$script" "${line:-0}")"
		return
	fi
	if test "$rc" = 200 || test -f "$t/SKIP_THIS_TEST"; then
		msg=$(grep -m1 '^TEST SKIPPED:' "$log" | sed 's/^TEST SKIPPED: *//')
		line=$(grep -o "^+$(basename "$script"):[0-9]*:" "$log" | tail -n 1 | cut -d: -f2)
		if test -z "$msg" || test "$msg" = "(no reason given)"; then
			msg=$(grep -E '^(tsvm has no|Found .* version|.* is not built-in)' "$log" | tail -n 1)
		fi
		printf 'skip\tline %s: %s%s\n' "${line:-?}" "$(script_line_ "$script" "${line:-0}")" "${msg:+ — $msg}"
		return
	fi
	if test "$rc" = 0; then printf 'pass\t\n'; return; fi
	if test -f "$t/FAILED_AT"; then IFS=$'\t' read -r st line < "$t/FAILED_AT"; else st=$rc line=""; fi
	text=$(script_line_ "$script" "${line:-0}")
	msg=$(last_message_ "$log" "$(basename "$script")" "$t" "$text")
	# A stub inside a pipeline: the pipeline's status is another command's.
	if test "$st" != 97 && test -f "$t/NEEDS_KERNEL" && printf '%s' "$text" | grep -qw -- "$(head -n 1 "$t/NEEDS_KERNEL" | cut -d' ' -f1)"; then st=97; fi
	# A tsvm command given an LV's block device ($DM_DEV_DIR/VG/LV), which only the kernel makes.
	if test "$st" != 97 && printf '%s' "$msg" | grep -qE "(No device found for|Cannot use) $t/dev/[^/ ]+/[^/ ]+[.:]"; then
		printf 'needs-the-kernel\tline %s: %s — %s (an LV'"'"'s block device)\n' "$line" "$text" "$msg"
		return
	fi
	case "$st" in
	97) printf 'needs-the-kernel\tline %s: %s — %s\n' "$line" "$text" "$(head -n 1 "$t/NEEDS_KERNEL" 2>/dev/null)" ;;
	96) printf 'fail\tline %s: %s — tsvm has no command %s\n' "$line" "$text" "$(head -n 1 "$t/MISSING_COMMAND" | cut -d' ' -f1)" ;;
	95) printf 'fail\tline %s: %s — not in tsvm'"'"'s test library: %s\n' "$line" "$text" "$(head -n 1 "$t/LIBRARY_GAP")" ;;
	*) printf 'fail\tline %s: %s — %s\n' "${line:-?}" "$text" "${msg:-exit $st}" ;;
	esac
}

# run_one INDEX SCRIPT: the script in its sandbox, under the timeout; its result line in $run/r.INDEX.
run_one() {
	local idx=$1 script=$2 name t log pid elapsed=0 timed_out=0 rc line
	name=$(basename "$script" .sh)
	t=$(mktemp -d "$run/t.XXXXXX")
	ln -s "$suite/lib" "$t/lib"
	ln -s "$lvm2/shell" "$t/shell"   # some scripts source ./shell/COMMON.sh, as from LVM2's test/
	log="$logs/$name.log"
	( cd "$t" && exec env -i HOME="$t" TERM=dumb PATH="$path" LVM2_SUITE_TESTDIR="$t" setsid bash "$script" ) \
		> "$log" 2>&1 < /dev/null &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if test "$elapsed" -ge "$timeout_s"; then
			timed_out=1
			kill -TERM -- -"$pid" 2>/dev/null; sleep 2; kill -KILL -- -"$pid" 2>/dev/null
			break
		fi
		sleep 1
		elapsed=$((elapsed + 1))
	done
	wait "$pid"
	rc=$?
	# What the script left: tsvm's NBD daemon of this sandbox, then any process of its session.
	TSVM_SYSTEM_DIR="$t/etc" TSVM_DEV_DIR="$t/dev" "$tsvm" nbd stop >/dev/null 2>&1
	kill -KILL -- -"$pid" 2>/dev/null
	line=$(classify_ "$script" "$t" "$log" "$rc" "$timed_out" | sed "s|$t/dev/|\\\$DM_DEV_DIR/|g; s/LVMTEST[0-9]*/LVMTEST/g")
	printf '%s\t%s\n' "$name" "$line" > "$run/r.$idx"
	rm -rf "$t"
}

# --jobs N scripts at a time; the lines come out in the order of the list.
idx=0 next=0
for script in "${resolved[@]}"; do
	while test "$(jobs -rp | wc -l)" -ge "$jobs"; do wait -n; done
	run_one "$idx" "$script" &
	idx=$((idx + 1))
	while test -f "$run/r.$next"; do cat "$run/r.$next" | tee -a "$results"; next=$((next + 1)); done
done
wait
while test "$next" -lt "$idx"; do cat "$run/r.$next" | tee -a "$results"; next=$((next + 1)); done

echo "lvm2-testsuite: logs in $logs" >&2
status=0
if test -n "$check_pass"; then
	while read -r want; do
		if ! awk -F'\t' -v n="$want" '$1 == n && $2 == "pass" { found = 1 } END { exit !found }' "$results"; then
			echo "lvm2-testsuite: $want is in pass.list but did not pass: $(awk -F'\t' -v n="$want" '$1 == n { print $2 ": " $3 }' "$results")" >&2
			status=1
		fi
	done < <(sed 's/#.*//; s/[[:space:]]*$//; /^$/d' "$suite/pass.list")
fi
if test -n "$readme"; then write_readme "$results"; elif test -n "$table"; then print_table "$results"; fi
cp "$results" "$logs/results.tsv"
rm -rf "$run"
exit $status
