#!/usr/bin/env bash
# gate-power.sh measures the power of `perfbench compare` on this machine:
# how often it flags a planted ~20 % slowdown (router lookups repeated, build
# tag perfbench_plant), how often an A/A compare (HEAD against HEAD) flags
# anything, and whether a ~5 % plant (perfbench_plant5) is wrongly called a
# regression at the 10 % time tolerance. Run it on a quiet machine, from the
# module directory, with a clean tree (head is the working tree, so the A/A
# compares are A/A only when it equals HEAD).
#
#   scripts/gate-power.sh [WORKLOAD] [extra compare flags …]
#   scripts/gate-power.sh --suite-aa [N] [extra compare flags …]
#
# The first form runs the plants on WORKLOAD (default route-match) and 20
# A/A compares over one run per workload family (14 cases, 40–55 s
# each on a quiet machine):
#   routes      jit/route-match
#   agents      pooling/instruction-churn
#   signals     zerocopy/signal-pass/map-1k
#   bus         batching/batch-throughput (and batching over the other
#               toggles, with and without fastpath)
#   cluster     tree/cluster-broadcast/3
# mixed, a blend of these, is left to the second form: N (default 3) A/A
# compares of the whole suite (56 cases, about 3 minutes each), with no
# --opt or --workload.
#
# Every A/A compare is judged from its results.json by scripts/aacheck: a
# run is bad when any gated metric is called better or worse (either is a
# false alarm on identical code; only worse fails compare), or when the
# whole CI of a gated metric's change lies beyond half its tolerance. It
# prints the largest |Δ|/tolerance of each run.
#
# Goals: 20 % plant flagged on a time metric in >= 9/10; family A/A bad in
# <= 1/20; 5 % plant flagged on a time metric in 0/10 (its allocation
# increase is real and rightly flagged); whole-suite A/A bad in 0/N. Exit 3
# when a goal is missed, 2 on bad usage.
set -u
suite_runs=0
if [ "${1:-}" = --suite-aa ]; then
	shift
	suite_runs=3
	case ${1:-} in
	'' | -*) ;;
	*[!0-9]* | 0) echo "gate-power: --suite-aa takes a positive number of runs, got '$1'" >&2; exit 2 ;;
	*) suite_runs=$1; shift ;;
	esac
fi
workload=route-match
if [ "$suite_runs" -eq 0 ] && [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
	workload=$1
	shift
fi
family_opts=jit,pooling,zerocopy,batching,tree
family_workloads=route-match,instruction-churn,signal-pass/map-1k,batch-throughput,cluster-broadcast/3

tmp=$(mktemp -d)
bin=$tmp/perfbench
check=$tmp/aacheck
out=$(mktemp -d)
trap 'rm -rf "$tmp" "$out"' EXIT INT TERM
go build -o "$bin" . || exit 1
go build -o "$check" ./scripts/aacheck || exit 1

# keep RUN: a run that missed its goal (a plant not flagged on time or
# flagged where it should not be, a bad A/A) is copied, with its output,
# to profiles/gate-power/RUN, so that its rounds can be read afterwards.
keep() {
	local dst=profiles/gate-power/$1
	[ -d "$out/$1" ] || return 0
	rm -rf "$dst" && mkdir -p profiles/gate-power && cp -r "$out/$1" "$dst" &&
		cp "$out/$1".txt "$out/$1".err "$dst/" 2>/dev/null
	echo "gate-power: kept $1 in $dst" >&2
}

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
		local ontime=0
		echo "$regs" | grep -qE ': (ns/op|ops/s|cpu-ns/op)(;|$)' && ontime=1 && timed=$((timed + 1))
		echo "$regs" | grep -qE ': (B/op|allocs/op)(;|$)' && allocs=$((allocs + 1))
		echo "gate-power: $name $i/$n: $(( $(date +%s) - start ))s; ${regs:-no regression}" >&2
		if { [ "$name" = plant20 ] && [ $ontime = 0 ]; } || { [ "$name" = plant5 ] && [ $ontime = 1 ]; }; then keep "$name-$i"; fi
	done
	echo "$name: of $n, flagged on time $timed, on allocations $allocs, at all $any (errors $failed)"
	eval "${name//-/_}_time=$timed; ${name//-/_}_any=$any; ${name//-/_}_failed=$failed"
}

# aa NAME N FLAGS…: N A/A compares, each judged by aacheck (see above);
# counts the bad runs and the errors.
aa() {
	local name=$1 n=$2 bad=0 failed=0 start rc
	shift 2
	for i in $(seq 1 "$n"); do
		start=$(date +%s)
		"$bin" compare --base HEAD --out "$out/$name-$i" "$@" >"$out/$name-$i.txt" 2>"$out/$name-$i.err"
		rc=$?
		case $rc in
		0 | 3) ;;
		*) failed=$((failed + 1)); tail -3 "$out/$name-$i.err" >&2; continue ;;
		esac
		"$check" "$out/$name-$i" >"$out/$name-$i.check" 2>&1
		case $? in
		0) ;;
		3) bad=$((bad + 1)); keep "$name-$i" ;;
		*) failed=$((failed + 1)) ;;
		esac
		echo "gate-power: $name $i/$n: $(( $(date +%s) - start ))s; compare exit $rc" >&2
		grep -v '^aacheck:' "$out/$name-$i.check" | sed "s|^$out/||" >&2
	done
	echo "$name: of $n A/A runs, bad $bad (errors $failed)"
	eval "${name//-/_}_bad=$bad; ${name//-/_}_failed=$failed"
}

ok=1
if [ "$suite_runs" -gt 0 ]; then
	aa suite-aa "$suite_runs" "$@"
	[ "$suite_aa_bad" -eq 0 ] || { echo "FAIL: whole-suite A/A bad in $suite_aa_bad/$suite_runs (goal 0)"; ok=0; }
	[ "$suite_aa_failed" -eq 0 ] || { echo "FAIL: some compares errored"; ok=0; }
	[ $ok -eq 1 ] && echo "PASS: whole-suite A/A clean in $suite_runs/$suite_runs" || exit 3
	exit 0
fi

run plant20 10 --tags-head perfbench_plant "$@"
aa aa 20 --opt "$family_opts" --workload "$family_workloads" "$@"
run plant5 10 --tags-head perfbench_plant5 "$@"

[ "$plant20_time" -ge 9 ] || { echo "FAIL: 20 % plant flagged on time in $plant20_time/10 (goal >= 9)"; ok=0; }
[ "$aa_bad" -le 1 ] || { echo "FAIL: family A/A bad in $aa_bad/20 (goal <= 1)"; ok=0; }
[ "$plant5_time" -eq 0 ] || { echo "FAIL: 5 % plant flagged on time in $plant5_time/10 (goal 0 at the 10 % time tolerance)"; ok=0; }
[ $((plant20_failed + aa_failed + plant5_failed)) -eq 0 ] || { echo "FAIL: some compares errored"; ok=0; }
[ $ok -eq 1 ] && echo "PASS: power goals met on workload $workload" || exit 3
