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
# Every run gets the whole of servers/realworld/expected_failures.txt, the
# known findings (the runner takes the lines that name its target and leaves
# the others out). A server whose program is not installed (socat, node) is
# skipped, saying so. A run is as known when the runner exits 0: every spec
# that ran passed or failed as declared. The exit status is 0 when every run
# is as known, else 1; the runner's own variables pass through
# (ECHOSPEC_SEED, ECHOSPEC_STRICT=1, ECHOSPEC_LABEL_FILTER, ...).
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
	local name=$1 cmd=$2 dir=$out/$1 t0=$SECONDS rc verdict
	rm -rf "$dir"
	mkdir -p "$dir"
	timeout 900 "$tmp/echospec" run --cmd "$cmd" --protocol echo --name "$name" \
		--expected-failures "$xfail" --report-dir "$dir" --timeout 14m >"$dir/run.log" 2>&1 &
	if [ -z "${quiet:-}" ]; then
		tail -n +1 --pid=$! -f "$dir/run.log"
	fi
	wait $!
	rc=$?
	verdict=$(grep -E '^[0-9]+ pass, ' "$dir/run.log" | tail -1)
	echo "$rc" >"$tmp/$name.rc"
	printf '%-15s runner exit %s in %3ss: %s\n' "$name" "$rc" "$((SECONDS - t0))" "${verdict:-no verdict}" >"$tmp/$name.summary"
	if [ "$rc" != 0 ]; then
		grep -E '^FAIL: ' "$dir/run.log" | tail -1 | sed 's/^/  /' >>"$tmp/$name.summary"
	fi
}

start=$SECONDS
ran=()
for entry in "${servers[@]}"; do
	IFS='|' read -r name prog cmd <<<"$entry"
	if [ -n "${REALWORLD_ONLY:-}" ] && ! [[ " $REALWORLD_ONLY " == *" $name "* ]]; then
		continue
	fi
	ran+=("$name")
	if [ -n "$prog" ] && ! command -v "$prog" >/dev/null 2>&1; then
		echo "== skip $name: $prog is not installed"
		printf '%-15s skipped: %s is not installed\n' "$name" "$prog" >"$tmp/$name.summary"
		continue
	fi
	if [ "$name" = socat ] && [ -z "${REALWORLD_SERIAL:-}" ]; then
		# socat's run is mostly waiting (four specs run out of time while
		# its default listen backlog of 5 makes clients retry their SYNs),
		# so it runs beside the others, quietly.
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
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "realworld: not as known: ${failed[*]} (see $out/NAME/run.log)"
	exit 1
fi
