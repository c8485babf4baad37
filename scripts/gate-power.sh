#!/usr/bin/env bash
# gate-power.sh measures the power of `perfbench compare` on this machine:
# how often it flags a planted ~20 % slowdown (router lookups repeated, build
# tag perfbench_plant), how often an A/A compare (HEAD against HEAD) flags
# anything, and whether a ~5 % plant (perfbench_plant5) is wrongly called a
# regression at the 10 % time tolerance. Run it on a quiet machine, from the
# module directory, with a clean or dirty tree (head is the working tree).
#
#   scripts/gate-power.sh [WORKLOAD] [extra compare flags …]
#
# Goals: 20 % plant flagged in >= 9/10; A/A flags nothing in >= 19/20;
# 5 % plant flagged in 0/10. Exit 3 when a goal is missed.
set -u
workload=${1:-route-match}
shift || true
bin=$(mktemp -d)/perfbench
out=$(mktemp -d)
trap 'rm -rf "$(dirname "$bin")" "$out"' EXIT INT TERM
go build -o "$bin" . || exit 1

# run NAME N FLAGS…: N compares, counting exit 3 (regression) and errors.
run() {
	local name=$1 n=$2 flagged=0 failed=0 start
	shift 2
	for i in $(seq 1 "$n"); do
		start=$(date +%s)
		"$bin" compare --base HEAD --opt jit --workload "$workload" --out "$out/$name-$i" "$@" >"$out/$name-$i.txt" 2>"$out/$name-$i.err"
		case $? in
		0) ;;
		3) flagged=$((flagged + 1)) ;;
		*) failed=$((failed + 1)); tail -3 "$out/$name-$i.err" >&2 ;;
		esac
		echo "gate-power: $name $i/$n: $(( $(date +%s) - start ))s, flagged so far $flagged" >&2
	done
	echo "$name: flagged $flagged of $n (errors $failed)"
	eval "${name//-/_}_flagged=$flagged; ${name//-/_}_failed=$failed"
}

run plant20 10 --tags-head perfbench_plant "$@"
run aa 20 "$@"
run plant5 10 --tags-head perfbench_plant5 "$@"

ok=1
[ "$plant20_flagged" -ge 9 ] || { echo "FAIL: 20 % plant flagged $plant20_flagged/10 (goal >= 9)"; ok=0; }
[ "$aa_flagged" -le 1 ] || { echo "FAIL: A/A flagged $aa_flagged/20 (goal <= 1)"; ok=0; }
[ "$plant5_flagged" -eq 0 ] || { echo "FAIL: 5 % plant flagged $plant5_flagged/10 (goal 0)"; ok=0; }
[ $((plant20_failed + aa_failed + plant5_failed)) -eq 0 ] || { echo "FAIL: some compares errored"; ok=0; }
[ $ok -eq 1 ] && echo "PASS: power goals met on workload $workload" || exit 3
