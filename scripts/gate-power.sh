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
# Goals: 20 % plant flagged on a time metric in >= 9/10; A/A flags nothing
# in >= 19/20; 5 % plant flagged on a time metric in 0/10 (its allocation
# increase is real and rightly flagged). Exit 3 when a goal is missed.
set -u
workload=${1:-route-match}
shift || true
bin=$(mktemp -d)/perfbench
out=$(mktemp -d)
trap 'rm -rf "$(dirname "$bin")" "$out"' EXIT INT TERM
go build -o "$bin" . || exit 1

# run NAME N FLAGS…: N compares, counting those that flag a time metric
# (ns/op, ops/s, cpu-ns/op), those that flag an allocation metric (B/op,
# allocs/op), and errors. The plants do real extra work, and a repeated trie
# walk allocates, so they are rightly flagged on allocations (2 % tolerance)
# too; the power goals are about time, at the 10 % tolerance.
run() {
	local name=$1 n=$2 timed=0 allocs=0 any=0 failed=0 start regs
	shift 2
	for i in $(seq 1 "$n"); do
		start=$(date +%s)
		"$bin" compare --base HEAD --opt jit --workload "$workload" --out "$out/$name-$i" "$@" >"$out/$name-$i.txt" 2>"$out/$name-$i.err"
		case $? in
		0) ;;
		3) any=$((any + 1)) ;;
		*) failed=$((failed + 1)); tail -3 "$out/$name-$i.err" >&2 ;;
		esac
		regs=$(grep '^REGRESSION' "$out/$name-$i.txt" | sed 's/^[^:]*: //')
		echo "$regs" | grep -qE ': (ns/op|ops/s|cpu-ns/op)(;|$)' && timed=$((timed + 1))
		echo "$regs" | grep -qE ': (B/op|allocs/op)(;|$)' && allocs=$((allocs + 1))
		echo "gate-power: $name $i/$n: $(( $(date +%s) - start ))s; ${regs:-no regression}" >&2
	done
	echo "$name: of $n, flagged on time $timed, on allocations $allocs, at all $any (errors $failed)"
	eval "${name//-/_}_time=$timed; ${name//-/_}_any=$any; ${name//-/_}_failed=$failed"
}

run plant20 10 --tags-head perfbench_plant "$@"
run aa 20 "$@"
run plant5 10 --tags-head perfbench_plant5 "$@"

ok=1
[ "$plant20_time" -ge 9 ] || { echo "FAIL: 20 % plant flagged on time in $plant20_time/10 (goal >= 9)"; ok=0; }
[ "$aa_any" -le 1 ] || { echo "FAIL: A/A flagged in $aa_any/20 (goal <= 1)"; ok=0; }
[ "$plant5_time" -eq 0 ] || { echo "FAIL: 5 % plant flagged on time in $plant5_time/10 (goal 0 at the 10 % time tolerance)"; ok=0; }
[ $((plant20_failed + aa_failed + plant5_failed)) -eq 0 ] || { echo "FAIL: some compares errored"; ok=0; }
[ $ok -eq 1 ] && echo "PASS: power goals met on workload $workload" || exit 3
