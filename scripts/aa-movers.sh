#!/usr/bin/env bash
# aa-movers.sh measures the false-mover rate of `perfbench profile`: N A/A
# profile runs (default 40) of a toggle that does not touch the workload
# (fastpath changes how agent state is queried; route-match never queries an
# agent), counting the runs whose top-mover table calls at least one
# significant mover in a tested kind (cpu, heap, allocs, wall; results.json
# marks each tested mover "significant"). Run it on a quiet machine, from the
# module directory.
#
#   scripts/aa-movers.sh [N] [extra profile flags …]
#
# Goal: at most 1 run in 20 (2 of 40). Exit 3 when more runs call a mover
# than N/20 allows, 1 when a run fails. AA_KEEP=DIR keeps every run's
# output under DIR.
set -u
n=${1:-40}
shift || true
bin=$(mktemp -d)/perfbench
out=${AA_KEEP:-$(mktemp -d)}
mkdir -p "$out"
if [ -n "${AA_KEEP:-}" ]; then
	trap 'rm -rf "$(dirname "$bin")"' EXIT INT TERM
else
	trap 'rm -rf "$(dirname "$bin")" "$out"' EXIT INT TERM
fi
go build -o "$bin" . || exit 1

called=0 failed=0 begin=$(date +%s)
for i in $(seq 1 "$n"); do
	start=$(date +%s)
	if ! "$bin" profile --opt=fastpath --workload=route-match --top 1000 --format json --out "$out/run-$i" "$@" \
		>"$out/run-$i.json" 2>"$out/run-$i.err"; then
		failed=$((failed + 1))
		tail -3 "$out/run-$i.err" >&2
		continue
	fi
	# The significant movers, as "kind function": results.json is indented
	# one key per line, top_movers grouped by kind.
	movers=$(awk '
		/^  "top_movers": \{/ { in_top = 1; next }
		in_top && /^  [^ ]/ { in_top = 0 }
		in_top && /^    "[a-z]+": \[/ { kind = $1; gsub(/[":]/, "", kind) }
		in_top && /"function":/ { fn = $0; sub(/^ *"function": "/, "", fn); sub(/",$/, "", fn) }
		in_top && /"significant": true/ { print kind " " fn }
	' "$out/run-$i.json")
	[ -n "$movers" ] && called=$((called + 1))
	echo "aa-movers: $i/$n: $(($(date +%s) - start))s; ${movers:-no mover}" | tr '\n' ';' >&2
	echo >&2
done
allowed=$((n / 20))
echo "aa-movers: $called of $n A/A runs called a significant mover ($(awk "BEGIN { printf \"%.1f\", 100 * $called / $n }") %; goal <= $allowed); $failed failed; $(($(date +%s) - begin)) s in all"
[ "$failed" -eq 0 ] || exit 1
[ "$called" -le "$allowed" ] || exit 3
