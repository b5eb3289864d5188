package runner

// Variable is one setting of the suite: an ECHOSPEC_* environment variable
// and the flag of the same meaning (after --, e.g.
// `-- --target-cmd=...`). The suite's flags and SPEC.md are built from
// Variables.
type Variable struct {
	Env     string
	Flag    string
	Meaning string
}

// EnvReportDir is where the suite also writes index.html and matrix.md.
const EnvReportDir = "ECHOSPEC_REPORT_DIR"

// Variables lists every setting, in the order SPEC.md shows them.
var Variables = []Variable{
	{EnvEngines, "engines", "comma-separated built-in engines to test; empty or unset = all of them, unless a target below is given, in which case none unless listed"},
	{EnvTargetCmd, "target-cmd", "an outside server to start and test, run with `sh -c` from the repository root, with `ECHO_ADDR=127.0.0.1:PORT`, `ECHO_HOST` and `ECHO_PORT` in its environment (PORT is a free loopback port the suite picked); the suite waits for it to accept, watches its process (crash, fds, threads, memory, CPU through /proc), and stops its whole process group at the end of each spec"},
	{EnvPIDFile, "pid-file", "for `ECHOSPEC_TARGET_CMD`: a file in which the server writes its PID (`$ECHO_PORT` and the command's other variables are expanded; relative to the repository root); the suite probes that process, for a command that is a wrapper (a script, `docker run`) and does not `exec` the server. Without it, a wrapper that does not `exec` gets the process specs skipped, with this advice"},
	{EnvTargetHost, "target-host", "for `ECHOSPEC_TARGET_CMD`: the loopback address the command is to listen on, `127.0.0.1` (the default) or `::1`; with `::1` the suite picks a free port on it and gives `ECHO_ADDR=[::1]:PORT`, `ECHO_HOST=::1`"},
	{EnvNetwork, "target-network", "`tcp` (the default) or `unix`: the outside command (`ECHOSPEC_TARGET_CMD`) and the built-in engines serve a Unix-domain stream socket; the command gets `ECHO_NETWORK=unix` and `ECHO_PATH` (a socket path in a fresh temporary directory) instead of `ECHO_ADDR`, `ECHO_HOST` and `ECHO_PORT`; the specs that need TCP (toxiproxy, an RST, TCP_INFO) are skipped with the reason. An outside address on a Unix socket is `ECHOSPEC_TARGET_ADDR=unix:PATH`"},
	{EnvTargetName, "target-name", "the name the outside target has in reports (default `external`)"},
	{EnvTargetAddr, "target-addr", "an already-running outside server at HOST:PORT (loopback only), or `unix:PATH` on a Unix-domain socket; specs that need its process are skipped, with the reason"},
	{EnvToxiproxy, "toxiproxy-url", "use this toxiproxy API server instead of the embedded one"},
	{EnvProfile, "target-profile", "deviations the outside target declares, comma-separated: `max-conns=N` (serves at most N connections at once; more must wait, not fail), `busy-idle` (spins while idle by design); unset = none: the target is held to every spec"},
	{EnvProtocol, "protocol", "the protocol every target is judged by: `upper-echo` (the default, §1) or `echo` (every byte back unchanged, RFC 862, for the echo servers that already exist); every spec is otherwise the same, and reports name the protocol"},
	{EnvExpectedFailures, "expected-failures", "a file of the outside target's expected failures, in the format of the built-in one (see Expected failures)"},
	{EnvStrict, "strict", "`1`: a declared expected failure that passes fails the run, so stale declarations are retired"},
	{EnvReportDir, "report-dir", "also write `index.html` and `matrix.md` there"},
	{EnvExplore, "explore", "X1's time for random scenarios, a Go duration (default `10s`); a nightly run gives it minutes (`10m`) with `--label-filter=explore`"},
	{EnvReplay, "replay", "a script X1 printed and saved for a failing scenario (relative to the repository root): X1 runs exactly that scenario once, against any target, instead of exploring; the other specs run as selected"},
}
