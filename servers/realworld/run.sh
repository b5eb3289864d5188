#!/usr/bin/env bash
# make realworld: the whole suite, through the echospec runner, against echo
# servers nobody here wrote, each started by the suite as an outside command
# and judged by plain echo (--protocol echo). See servers/realworld/README.md.
#
#   bash servers/realworld/run.sh                 # every server
#   REALWORLD_ONLY='socat node-net' bash servers/realworld/run.sh
#
# Each server's reports go to $REPORTS/realworld/NAME/ (conformance.json,
# conformance.xml, index.html, matrix.md, and run.log, the runner's output).
# Its known findings are the lines of servers/realworld/expected_failures.txt
# that name it (the runner refuses a file naming a target it does not run,
# so each run gets its own lines). A server whose program is not installed
# (socat, node) is skipped, saying so. A run is as known when the runner
# exits 0, or exits 1 with every failure declared with the kind it is
# reported with (the runner cannot excuse a crash seen after another
# symptom, nor a spec timeout: README.md, "Suite issues"). The exit status
# is 0 when every run is as known, else 1; the runner's own variables pass
# through (ECHOSPEC_SEED, ECHOSPEC_STRICT=1, ECHOSPEC_LABEL_FILTER, ...).
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
GO=${GO:-go}
REPORTS=${REPORTS:-reports}
out=$REPORTS/realworld
xfail=servers/realworld/expected_failures.txt

tmp=$(mktemp -d "${TMPDIR:-/tmp}/echospec-realworld.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# C1 holds 1,000 connections at both ends, C4 and H1 churn through more.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null

echo "== building the echospec runner and the Go engines' echo servers into $tmp"
for pkg in cmd/echospec servers/realworld/gnet servers/realworld/evio servers/realworld/nbio servers/realworld/netpoll; do
	timeout 600 "$GO" build -o "$tmp/$(basename "$pkg")" "./$pkg" || { echo "realworld: go build ./$pkg failed"; exit 1; }
done

# name | program that must be installed ("" for none) | command the suite runs
servers=(
	"socat|socat|exec socat TCP-LISTEN:\$ECHO_PORT,bind=\$ECHO_HOST,reuseaddr,fork EXEC:cat"
	"node-net|node|exec node servers/realworld/node/echo.js"
	"python-asyncio|python3|exec python3 servers/realworld/python/asyncio_docs.py"
	"gnet-echo||exec $tmp/gnet"
	"evio-echo||exec $tmp/evio"
	"nbio-echo||exec $tmp/nbio"
	"netpoll-echo||exec $tmp/netpoll"
)

# run NAME CMD: the whole suite against CMD; writes $tmp/NAME.rc and
# $tmp/NAME.summary, and the runner's output to $out/NAME/run.log (and to
# the terminal unless quiet is set).
run() {
	local name=$1 cmd=$2 dir=$out/$1 t0=$SECONDS rc runner verdict note
	rm -rf "$dir"
	mkdir -p "$dir"
	grep -E "^$name[[:space:]]" "$xfail" >"$tmp/$name.xfail" || true
	timeout 900 "$tmp/echospec" run --cmd "$cmd" --protocol echo --name "$name" \
		--expected-failures "$tmp/$name.xfail" --report-dir "$dir" --timeout 14m >"$dir/run.log" 2>&1 &
	if [ -z "${quiet:-}" ]; then
		tail -n +1 --pid=$! -f "$dir/run.log"
	fi
	wait $!
	rc=$?
	runner=$rc
	verdict=$(grep -E '^[0-9]+ pass, ' "$dir/run.log" | tail -1)
	note=
	if [ "$rc" -eq 1 ] && grep -qE '^FAIL: ' "$dir/run.log" && ! grep -q 'A suite timeout occurred' "$dir/run.log" &&
		[ -z "$(unexcused "$name")" ]; then
		# Every failure is declared with the kind it is reported with, but
		# the runner did not excuse it: a crash found after the spec had
		# already failed with another symptom, or a spec timeout (see
		# servers/realworld/README.md, "Suite issues").
		note=" (as known; declared, but not excused by the runner: $(grep -E '^FAIL: ' "$dir/run.log" | tail -1 |
			grep -oE "$name [A-Za-z0-9]+ \([^()]*\)" | sed "s/^$name //" | paste -sd, - | sed 's/,/, /g'))"
		rc=0
	fi
	echo "$rc" >"$tmp/$name.rc"
	printf '%-15s runner exit %s in %3ss: %s%s\n' "$name" "$runner" "$((SECONDS - t0))" "${verdict:-no verdict}" "$note" >"$tmp/$name.summary"
}

# unexcused NAME: the failures of NAME's run (the runner's last "FAIL:" line)
# that $tmp/NAME.xfail does not declare with the kind they are reported with.
unexcused() {
	local name=$1 id kind
	grep -E '^FAIL: ' "$out/$name/run.log" | tail -1 | grep -oE "$name [A-Za-z0-9]+ \([^()]*\)" |
		while read -r _ id kind; do
			kind=${kind#(}
			kind=${kind%)}
			awk -v id="$id" -v k="$kind" '$2 == id { n = split($3, a, "|"); for (i = 1; i <= n; i++) if (a[i] == k) f = 1 } END { exit !f }' \
				"$tmp/$name.xfail" || echo "$id ($kind)"
		done
}

start=$SECONDS
ran=()
for entry in "${servers[@]}"; do
	IFS='|' read -r name prog cmd <<<"$entry"
	if [ -n "${REALWORLD_ONLY:-}" ] && ! [[ " $REALWORLD_ONLY " == *" $name "* ]]; then
		continue
	fi
	if [ -n "$prog" ] && ! command -v "$prog" >/dev/null 2>&1; then
		echo "== skip $name: $prog is not installed"
		printf '%-15s skipped: %s is not installed\n' "$name" "$prog" >"$tmp/$name.summary"
		ran+=("$name")
		continue
	fi
	ran+=("$name")
	if [ "$name" = socat ] && [ -z "${REALWORLD_SERIAL:-}" ]; then
		# socat's run is mostly waiting (four specs run into their 1-minute
		# timeout while its default listen backlog of 5 makes clients retry
		# their SYNs), so it runs beside the others, quietly.
		echo "== $name: $cmd (in the background; its output: $out/$name/run.log)"
		quiet=1 run "$name" "$cmd" &
		bg=$!
		continue
	fi
	echo "== $name: $cmd"
	run "$name" "$cmd"
done
if [ -n "${bg:-}" ]; then
	echo "== waiting for socat's run"
	wait "$bg"
	grep -E '^(FAIL|xfail|XPASS|xpass)' "$out/socat/run.log" | sed 's/^/socat: /'
fi

echo
echo "== realworld, $((SECONDS - start))s (reports in $out/)"
failed=()
for name in "${ran[@]}"; do
	cat "$tmp/$name.summary"
	if [ -f "$tmp/$name.rc" ] && [ "$(cat "$tmp/$name.rc")" != 0 ]; then
		failed+=("$name")
		[ -f "$out/$name/run.log" ] && [ -n "$(unexcused "$name")" ] &&
			echo "  $name, not declared with that kind: $(unexcused "$name" | tr '\n' ' ')"
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "realworld: not as known: ${failed[*]} (see $out/NAME/run.log)"
	exit 1
fi
