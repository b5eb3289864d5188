// Command stability runs the conformance suite's noise-prone verdicts many
// times and prints, for every spec × target, the runs, passes and
// failures, the failure kinds seen, a faulty server's catches with its
// declared kind, and each bound's measured value as a percentage of its
// limit (min / median / max); see package suites/stability.
//
//	go run ./suites/stability/cmd/stability -runs 10 -hogs 2 -parallel 3
//	go run ./suites/stability/cmd/stability -runs 2 -targets goroutine,epoll,drain-until-eagain -specs S1,S10,S11,H1
//	go run ./suites/stability/cmd/stability -from runs/*/reports/test/conformance*.json runs/*/reports/test/selftest/*.json
//
// It builds the conformance test binary, faultyserver and echoserver once,
// then runs the suite against one target at a time as an outside command,
// focused on that target's specs: every built-in engine and the self-test's
// correct servers on the specs that judge a bound
// (stability.BoundSpecs), every faulty server on the specs it declares.
// -hogs N keeps N CPU-bound processes (this command re-executed) spinning
// beside the runs; each stops by itself after -hog-cap, or when this
// command is gone. It writes stability.md and stability.json to -out and
// exits 1 when a cell is unstable (a correct target failed, or a faulty
// server escaped or was caught with another kind, in any run), 2 on bad
// flags or a failed build, 0 otherwise.
//
// -from tallies Ginkgo JSON reports written before instead of running the
// suite: every target of every report named is one run of it (make test
// keeps its conformance reports in reports/test and the self-test's in
// reports/test/selftest), so that many fresh-clone `make test` runs, quiet
// and beside CPU hogs, give the same table under make test's own load.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/suites/selftest"
	"github.com/echospec/echospec/suites/stability"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == stability.HogFlag {
		limit, err := stability.ParseHogArgs(os.Args[2:])
		if err != nil {
			fmt.Fprintln(os.Stderr, "stability:", err)
			os.Exit(2)
		}
		stability.RunHog(limit)
		return
	}
	os.Exit(run())
}

func run() int {
	fs := flag.NewFlagSet("stability", flag.ContinueOnError)
	runs := fs.Int("runs", 10, "runs of the suite per target")
	hogs := fs.Int("hogs", 0, "CPU-bound processes spinning beside the runs for their whole duration")
	hogCap := fs.Duration("hog-cap", 3*time.Hour, "the most a hog spins: each stops by itself after this, or when this command is gone")
	parallel := fs.Int("parallel", 3, "runs at once (make test runs the suite with 3 Ginkgo processes, beside a second run)")
	targets := fs.String("targets", "", "comma-separated engines, correct targets and faulty servers (default: all)")
	specs := fs.String("specs", "", "comma-separated spec IDs (default: the specs that judge a bound on the correct targets, the declared ones on the faulty servers)")
	out := fs.String("out", "reports/stability", "where stability.md and stability.json go")
	runTimeout := fs.Duration("run-timeout", 5*time.Minute, "the most one run of the suite may take")
	keep := fs.Bool("keep", false, "keep each run's Ginkgo JSON report under OUT/runs")
	from := fs.Bool("from", false, "tally the Ginkgo JSON reports named as arguments (e.g. of many make test runs) instead of running the suite")
	workers := fs.Int("workers", 0, "run each suite as a user's gate does, through echospec run --workers N (0: the test binary, as make test runs it)")
	unaimed := fs.Bool("unaimed", false, "run -specs on every faulty server whether it declares them or not, any failure a catch: a catch rate (e.g. -specs X1 -unaimed -runs 1 -parallel 1)")
	explore := fs.Duration("explore", 0, "X1's budget in every run (ECHOSPEC_EXPLORE), e.g. 1m for a nightly run's catch rate (default: X1's own, 10s)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	if *unaimed && *specs == "" {
		fmt.Fprintln(os.Stderr, "stability: -unaimed needs -specs")
		return 2
	}
	if *from {
		return tallyReports(fs.Args(), list(*targets), list(*specs), *out)
	}
	if fs.NArg() > 0 || *runs < 1 || *parallel < 1 || *hogs < 0 || *workers < 0 {
		fmt.Fprintln(os.Stderr, "stability: want -runs ≥ 1, -parallel ≥ 1, -hogs ≥ 0, -workers ≥ 0 and no arguments")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	root, err := target.ModuleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "stability:", err)
		return 2
	}
	tmp, err := os.MkdirTemp("", "echospec-stability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "stability:", err)
		return 2
	}
	defer os.RemoveAll(tmp)
	fmt.Fprintln(os.Stderr, "stability: building the suite, faultyserver and echoserver")
	bin, err := selftest.Build(ctx, root, filepath.Join(tmp, "bin"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "stability: build:", err)
		return 2
	}
	if *workers > 0 {
		if err := selftest.BuildEchospec(ctx, root, &bin); err != nil {
			fmt.Fprintln(os.Stderr, "stability: build:", err)
			return 2
		}
	}
	subjects, notes, err := stability.Subjects(bin, stability.Selection{
		Targets:          list(*targets),
		Specs:            list(*specs),
		ExpectedFailures: filepath.Join(root, "suites", "runner", "expected_failures.txt"),
		Unaimed:          *unaimed,
		Explore:          *explore,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "stability:", err)
		return 2
	}
	if len(subjects) == 0 {
		fmt.Fprintln(os.Stderr, "stability: nothing selected")
		return 2
	}
	for _, n := range notes {
		fmt.Fprintln(os.Stderr, "stability: note:", n)
	}
	reportDir := filepath.Join(tmp, "runs")
	if *keep {
		reportDir = filepath.Join(*out, "runs")
	}

	h, err := stability.StartHogs(*hogs, *hogCap)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stability:", err)
		return 2
	}
	defer h.Stop()
	if *hogs > 0 {
		fmt.Fprintf(os.Stderr, "stability: %d CPU hogs spinning (pids %v, cap %v)\n", *hogs, h.PIDs(), *hogCap)
	}
	njobs := *runs * len(subjects)
	fmt.Fprintf(os.Stderr, "stability: %d targets × %d runs = %d suite runs, %d at once\n", len(subjects), *runs, njobs, *parallel)

	start := time.Now()
	done := stability.Sweep(ctx, bin, subjects, stability.Options{
		Root: root, Runs: *runs, Parallel: *parallel, Workers: *workers, RunTimeout: *runTimeout, ReportDir: reportDir, Progress: os.Stderr,
	})
	elapsed := time.Since(start)
	h.Stop()
	if len(done) < njobs {
		notes = append(notes, fmt.Sprintf("interrupted: %d of %d runs were started", len(done), njobs))
	}

	res := stability.Result{
		Header: stability.Header{
			Date: start, Kernel: kernel(), NProc: runtime.NumCPU(), Runs: *runs, Hogs: *hogs, Parallel: *parallel, Workers: *workers,
			Command: commandLine(), Elapsed: elapsed, Notes: notes,
		},
		Cells:    stability.Tally(subjects, done),
		RunTimes: stability.RunTimes(subjects, done),
	}
	md := res.Markdown()
	fmt.Print(md)
	if err := res.Write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "stability:", err)
		return 2
	}
	fmt.Fprintf(os.Stderr, "stability: wrote %s and %s\n", filepath.Join(*out, "stability.md"), filepath.Join(*out, "stability.json"))
	if len(res.Unstable()) > 0 || ctx.Err() != nil {
		return 1
	}
	return 0
}

// tallyReports is -from: the table of reports written before.
func tallyReports(paths, targets, specs []string, out string) int {
	if len(paths) == 0 {
		fmt.Fprintln(os.Stderr, "stability: -from needs the reports' paths as arguments")
		return 2
	}
	root, err := target.ModuleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "stability:", err)
		return 2
	}
	runs, err := stability.FromReports(paths)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stability:", err)
		return 2
	}
	subjects, notes, err := stability.Subjects(selftest.Binaries{}, stability.Selection{
		Targets:          targets,
		Specs:            specs,
		ExpectedFailures: filepath.Join(root, "suites", "runner", "expected_failures.txt"),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "stability:", err)
		return 2
	}
	if len(specs) == 0 {
		specs = stability.BoundSpecs()
	}
	if len(targets) > 0 {
		runs = slices.DeleteFunc(runs, func(r selftest.Run) bool { return !slices.Contains(targets, r.Target.Name) })
	}
	subjects, runs = stability.ReportSubjects(subjects, runs, specs)
	most := 0
	for _, s := range subjects {
		n := 0
		for _, r := range runs {
			if r.Target.Name == s.Target.Name {
				n++
			}
		}
		most = max(most, n)
	}
	notes = append(notes, fmt.Sprintf("tallied from %d report files written before (%d target runs), not run here: the header's hogs and parallelism are not known", len(paths), len(runs)))
	res := stability.Result{
		Header: stability.Header{
			Date: time.Now(), Kernel: kernel(), NProc: runtime.NumCPU(), Runs: most,
			Command: commandLine(), Notes: notes,
		},
		Cells:    stability.Tally(subjects, runs),
		RunTimes: stability.RunTimes(subjects, runs),
	}
	fmt.Print(res.Markdown())
	if err := res.Write(out); err != nil {
		fmt.Fprintln(os.Stderr, "stability:", err)
		return 2
	}
	fmt.Fprintf(os.Stderr, "stability: wrote %s and %s\n", filepath.Join(out, "stability.md"), filepath.Join(out, "stability.json"))
	if len(res.Unstable()) > 0 {
		return 1
	}
	return 0
}

// list splits a comma-separated flag value.
func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// kernel is uname -r.
func kernel() string {
	out, err := exec.Command("uname", "-r").Output()
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return strings.TrimSpace(string(out))
}

// commandLine is how this command was run, shell-quoted where needed.
func commandLine() string {
	args := []string{"stability"}
	for _, a := range os.Args[1:] {
		if a == "" || strings.ContainsAny(a, " \t'\"\\$`|&;<>()*?[]{}") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		args = append(args, a)
	}
	return strings.Join(args, " ")
}
