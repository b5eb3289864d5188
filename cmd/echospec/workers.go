package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/fixtures/reaper"
	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/conformance"
	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/runner"
	"github.com/echospec/echospec/suites/settings"
)

// A parallel run (echospec run --workers N): the parent selects the specs
// by a dry run of the suite with the run's label filter and focus, splits
// them into N shares balanced by how long each spec typically takes, and
// runs each share in a worker, this binary re-executed (envWorker set, its
// job on stdin). A worker is an ordinary serial run of the suite with the
// same settings and seed that skips every spec of the other shares; it
// streams each spec's report to the parent as it ends (one JSON object a
// line, on fd 3), which prints its line, and writes its JSON report; the
// parent merges the workers' reports into one (report.MergeReports) and
// prints the table and the failures as a serial run does.
//
// Nothing survives the parent: a worker reads its stdin to the end, which
// comes when the parent's end of the pipe closes, whichever way the parent
// ends, and then exits at once; on Linux it also gets SIGKILL when the
// parent dies (Pdeathsig). Its servers run under the reaper as in any run,
// so they die with it.

// envWorker marks this binary, re-executed by a parallel run, as one of
// its workers; its job comes on stdin.
const envWorker = "ECHOSPEC_WORKER"

// defaultWorkers is how many workers run when --workers is not given (0):
// on the project's 2-core machine 4 keep both cores busy while most specs
// wait (idle times, stall limits, measuring windows), and the load-bearing
// verdicts are judged so that a neighbour cannot change them (README,
// Stability). Against an outside server already running (--addr) the
// specs share one server, so they run one at a time.
const defaultWorkers = 4

// workers is how many workers the run uses: its --workers, or the
// default.
func (c *runCmd) workers() int {
	n, _ := strconv.Atoi(c.get(settings.Workers.Env)) // checked at load
	switch {
	case worker != nil:
		return 1 // a worker runs its share itself
	case n > 0:
		return n
	case c.get(settings.TargetAddr.Env) != "":
		return 1
	}
	return defaultWorkers
}

// settings are the run's settings of its door, by variable, every one.
func (c *runCmd) settings() map[string]string {
	m := map[string]string{}
	for _, s := range settings.In(settings.Run) {
		m[s.Env] = c.get(s.Env)
	}
	return m
}

// job is what a worker is given: the parent's settings, its share.
type job struct {
	// Settings are the parent's settings of echospec run's door, by
	// variable, every one of them (unset ones empty), resolved (the seed
	// fixed).
	Settings map[string]string
	// Index is the worker's number, from 1.
	Index int
	// Skip are the full texts of the specs the other workers run.
	Skip []string
	// Report is where the worker writes its JSON report.
	Report string
	// Claims is the directory where a worker claims each spec before it
	// runs it (claim), so that no spec runs twice.
	Claims string
	// Steal: the worker runs any spec no worker has claimed yet, once its
	// slot's share is done (Skip then holds those claimed when it starts).
	Steal bool
	// Preflighted: the parent has started each target once, so the
	// worker does not (runner.Suite.Preflighted).
	Preflighted bool
}

// worker is this process's job when it is a worker.
var worker *job

// workIfAsked makes this binary, re-executed by a parallel run, run its
// share as a worker and exit.
func workIfAsked() {
	if os.Getenv(envWorker) == "" {
		return
	}
	os.Unsetenv(envWorker) // not for the servers it starts
	dec := json.NewDecoder(os.Stdin)
	var j job
	if err := dec.Decode(&j); err != nil {
		fmt.Fprintln(os.Stderr, "echospec worker: reading its job:", err)
		os.Exit(exitConfig)
	}
	go func() { // the parent is gone: so are we, and our servers with us
		io.Copy(io.Discard, io.MultiReader(dec.Buffered(), os.Stdin))
		os.Exit(exitFail)
	}()
	worker = &j
	c := runCmd{get: func(env string) string {
		if v, ok := j.Settings[env]; ok {
			return v
		}
		return os.Getenv(env)
	}}
	os.Exit(c.run(os.Stdout, os.Stderr))
}

// work runs the worker's share: the suite, skipping the other shares'
// specs, each spec's report sent to the parent as it ends.
func (j *job) work(s *runner.Suite, sc types.SuiteConfig, rc types.ReporterConfig) int {
	events := os.NewFile(3, "events")
	if len(j.Skip) > 0 {
		sc.SkipStrings = []string{exactly(j.Skip)}
	}
	sc.FailOnEmpty = false
	rc.JSONReport, rc.JUnitReport = j.Report, ""
	var mu sync.Mutex
	enc := json.NewEncoder(events)
	s.Preflighted = j.Preflighted
	BeforeEach(func() {
		if !claim(j.Claims, fullText(CurrentSpecReport())) {
			Skip(report.ElsewhereSkip)
		}
	})
	s.Register(nil)
	ReportAfterEach(func(r types.SpecReport) {
		if r.LeafNodeType != types.NodeTypeIt || filtered(r) || r.Failure.Message == report.ElsewhereSkip {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		enc.Encode(r)
	})
	t := &testingT{}
	RunSpecs(t, suiteDescription, sc, rc)
	if t.failed {
		return exitFail
	}
	return exitPass
}

// suiteDescription is the name RunSpecs gives the suite.
const suiteDescription = "echospec conformance"

// claim claims the spec of this full text for this worker: true the
// first time any worker of the run claims it, false after.
func claim(dir, text string) bool {
	f, err := os.OpenFile(claimPath(dir, text), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// isClaimed reports whether a worker has claimed the spec of this text.
func isClaimed(dir, text string) bool {
	_, err := os.Stat(claimPath(dir, text))
	return err == nil
}

func claimPath(dir, text string) string {
	sum := sha256.Sum256([]byte(text))
	return filepath.Join(dir, hex.EncodeToString(sum[:]))
}

// stealWorth is how much typical work must be left unclaimed for a slot
// to start a worker that steals it: less, and the owners (already
// started, and about to claim it) are sooner than a new worker's start
// and preflight.
const stealWorth = 2 * time.Second

// stealable is the typical time of the units no worker has claimed yet,
// E13 (which a stealer leaves to its owner) aside.
func stealable(dir string, units []unit) time.Duration {
	var d time.Duration
	for _, u := range units {
		if u.id != idleSpec && !isClaimed(dir, u.text) {
			d += max(u.cost, time.Millisecond)
		}
	}
	return d
}

// claimed is how many of the units have been claimed.
func claimed(dir string, units []unit) int {
	entries, _ := os.ReadDir(dir)
	return min(len(entries), len(units))
}

// filtered reports whether r is a spec the run did not select (a skip
// without a reason), as report.Build leaves out.
func filtered(r types.SpecReport) bool {
	return r.State == types.SpecStateSkipped && r.Failure.Message == ""
}

// fullText is what Ginkgo matches --focus and --skip against: the suite's
// description, then the spec's containers and text.
func fullText(r types.SpecReport) string { return suiteDescription + " " + r.FullText() }

// exactly is the regular expression that matches exactly the texts.
func exactly(texts []string) string {
	q := make([]string, len(texts))
	for i, t := range texts {
		q[i] = regexp.QuoteMeta(t)
	}
	return `^(?:` + strings.Join(q, "|") + `)$`
}

// unit is one selected spec against one target, with how long it
// typically takes.
type unit struct {
	text, target, id string
	long             bool // in the long-running group
	cost             time.Duration
}

// typical is how long each spec typically takes against a correct target,
// serially, on the project's 2-core machine (a busy one: measured
// 2026-12-05 at a load average of 12–24, the larger of epoll and
// fixtures/servers/asyncio_echo.py). It only balances the workers: a
// wrong figure costs time, never a verdict. A spec not listed is taken as
// 0.5 s. E13 idles 15 s, overlapped by the long-running group's other
// specs in its worker (share.cost).
var typical = map[string]time.Duration{
	"C4": 9 * time.Second, "S11": 6 * time.Second, "S7": 3500 * time.Millisecond,
	"E11": 3300 * time.Millisecond, "E11p": 3300 * time.Millisecond, "S8": 3 * time.Second,
	"S9": 2600 * time.Millisecond, "S2": 2400 * time.Millisecond, "H4": 2 * time.Second,
	"H7": 1900 * time.Millisecond, "H5": 1700 * time.Millisecond, "E12": 1700 * time.Millisecond,
	"R5": 1600 * time.Millisecond, "W4": 1500 * time.Millisecond, "H1": 1200 * time.Millisecond,
	"E7p": 1100 * time.Millisecond, "S1": 1100 * time.Millisecond, "H6": time.Second,
	"C5": time.Second, "R1": time.Second, "S5": 800 * time.Millisecond,
	"W1": 800 * time.Millisecond, "W3": 800 * time.Millisecond, "W2": 700 * time.Millisecond,
	"R6": 600 * time.Millisecond, "H3": 600 * time.Millisecond,
	idleSpec: 15500 * time.Millisecond,
	// Those that run only when asked take the longest of all.
	"L2": 60 * time.Second, "E14": 60 * time.Second, "C2": 30 * time.Second,
}

// idleSpec is the long-running group's last spec, E13, whose idle time
// the group's other specs in its process overlap.
const idleSpec = "E13"

func costOf(id string) time.Duration {
	if d, ok := typical[id]; ok {
		return d
	}
	return 500 * time.Millisecond
}

// share is one worker's specs.
type share []unit

// cost is how long the share typically takes: its specs one after
// another, except that, per target, the long-running group's specs run
// while E13's connections idle, when E13 is among them.
func (s share) cost() time.Duration {
	var total time.Duration
	long := map[string]time.Duration{}
	idles := map[string]bool{}
	for _, u := range s {
		switch {
		case u.id == idleSpec:
			idles[u.target] = true
		case u.long:
			long[u.target] += u.cost
		default:
			total += u.cost
		}
	}
	for tg := range idles {
		long[tg] = max(long[tg], costOf(idleSpec))
	}
	for _, d := range long {
		total += d
	}
	return total
}

// partition splits the units into at most n shares, longest first, each
// to the share it lengthens least (the shortest of those, on a tie).
func partition(units []unit, n int) []share {
	units = slices.Clone(units)
	slices.SortStableFunc(units, func(a, b unit) int {
		return cmp.Or(cmp.Compare(b.cost, a.cost), cmp.Compare(a.target, b.target), cmp.Compare(a.id, b.id))
	})
	shares := make([]share, min(n, len(units)))
	for _, u := range units {
		best, bestGrow, bestCost := 0, time.Duration(-1), time.Duration(0)
		for i, s := range shares {
			before := s.cost()
			after := append(slices.Clip(s), u).cost()
			if grow := after - before; bestGrow < 0 || grow < bestGrow || (grow == bestGrow && after < bestCost) {
				best, bestGrow, bestCost = i, grow, after
			}
		}
		shares[best] = append(shares[best], u)
	}
	return shares
}

// selected runs the suite dry with the run's selection and returns the
// specs it would run, as units, and the dry run's report (which says why
// when it selects none).
func selected(s *runner.Suite, sc types.SuiteConfig, rc types.ReporterConfig) ([]unit, types.Report) {
	sc.DryRun = true
	rc = types.ReporterConfig{NoColor: true, Succinct: true}
	formatter.ColorableStdOut = io.Discard
	var dry types.Report
	s.Register(func(r types.Report) { dry = r })
	RunSpecs(&testingT{}, suiteDescription, sc, rc)
	var units []unit
	for _, r := range dry.SpecReports {
		if r.LeafNodeType != types.NodeTypeIt || filtered(r) {
			continue
		}
		id, _, _ := report.SpecID(r.LeafNodeText)
		u := unit{text: fullText(r), target: report.TargetOf(r), id: id, long: slices.Contains(r.Labels(), spec.LongLabel), cost: costOf(id)}
		if d, ok := conformance.Lookup(id); ok && d.OnlyWhenAsked != "" && !asked(d.OnlyWhenAsked, r.FullText(), sc) {
			u.cost = 0 // it skips itself at once
		}
		units = append(units, u)
	}
	return units, dry
}

// asked reports whether a spec that runs only when asked, by its label,
// is asked for by the run's label filter or focus, as the spec itself
// decides (conformance's onlyWhenAsked).
func asked(label, text string, sc types.SuiteConfig) bool {
	if f := sc.LabelFilter; strings.Contains(f, label) && Label(label).MatchesLabelFilter(f) {
		return true
	}
	return slices.ContainsFunc(sc.FocusStrings, func(f string) bool {
		re, err := regexp.Compile(f)
		return err == nil && re.MatchString(text)
	})
}

// parallel runs the selected specs across n workers and returns the
// merged report and whether the run failed. out prints each spec's line
// as a worker reports it.
func (c *runCmd) parallel(n int, s *runner.Suite, out *printer, sc types.SuiteConfig, rc types.ReporterConfig, stderr io.Writer) (types.Report, bool) {
	units, dry := selected(s, sc, rc)
	if len(units) == 0 {
		return dry, true
	}
	dir, err := os.MkdirTemp("", "echospec-workers-")
	if err != nil {
		return failedRun(dry, fmt.Sprintf("echospec: workers: %v", err)), true
	}
	defer os.RemoveAll(dir)

	// The preflight, once for the run rather than once a worker (a start
	// of every target each, a second or more for some commands). Should
	// it fail, one worker runs the suite, whose own preflight fails and
	// says why as a serial run does.
	preflighted := c.preflight(s) == nil
	if !preflighted {
		n = 1
	}
	shares := partition(units, n)
	claims := filepath.Join(dir, "claims")
	if err := os.Mkdir(claims, 0o755); err != nil {
		return failedRun(dry, fmt.Sprintf("echospec: workers: %v", err)), true
	}
	var mu sync.Mutex // out, and what the workers report as they go
	ran := map[string]bool{}
	var streamed []types.SpecReport
	onSpec := func(r types.SpecReport) {
		mu.Lock()
		defer mu.Unlock()
		ran[fullText(r)] = true
		streamed = append(streamed, r)
		out.spec(r)
	}
	live := &liveWorkers{procs: map[*workerProc]bool{}}
	stop := live.forwardSignals()
	defer stop()

	// Each slot runs its share, then, while specs are left that no worker
	// has claimed (a share that takes far longer than its typical time:
	// a broken server), steals them.
	var reports []types.Report
	var reasons []string
	var wg sync.WaitGroup
	seq := 0
	began := time.Now()
	timeout, err := time.ParseDuration(c.get(settings.Timeout.Env))
	if err != nil || timeout <= 0 {
		timeout, _ = time.ParseDuration(settings.Timeout.Default)
	}
	for i := range shares {
		wg.Go(func() {
			steal := false
			for {
				mu.Lock()
				seq++
				j := job{Settings: c.settings(), Index: seq, Report: filepath.Join(dir, fmt.Sprintf("worker-%d.json", seq)), Claims: claims, Steal: steal, Preflighted: preflighted}
				mu.Unlock()
				left := timeout - time.Since(began)
				j.Settings[settings.Seed.Env] = strconv.FormatInt(sc.RandomSeed, 10)
				j.Settings[settings.ReportDir.Env], j.Settings[settings.Baseline.Env] = "", ""
				j.Settings[settings.Workers.Env], j.Settings[settings.Timeout.Env] = "1", left.String()
				if left <= 0 {
					mu.Lock()
					reasons = append(reasons, fmt.Sprintf("worker %d was not started: the run's --timeout (%v) had passed", j.Index, timeout))
					mu.Unlock()
					return
				}
				for k, other := range shares {
					for _, u := range other {
						// A stealer leaves E13 to its owner, whose idle connections
						// have been idling since its share began.
						if (!steal && k != i) || (steal && (u.id == idleSpec || isClaimed(claims, u.text))) {
							j.Skip = append(j.Skip, u.text)
						}
					}
				}
				before := claimed(claims, units)
				rep, reason := live.run(j, onSpec)
				mu.Lock()
				if reason != "" {
					reasons = append(reasons, reason)
				} else {
					reports = append(reports, rep)
				}
				mu.Unlock()
				after := claimed(claims, units)
				if reason != "" || live.interrupted() || stealable(claims, units) < stealWorth || (steal && after == before) {
					return
				}
				steal = true
			}
		})
	}
	wg.Wait()
	if len(reasons) > 0 {
		// What the lost workers had reported, and every spec no worker
		// reported, so that no spec of the run goes unmentioned.
		mu.Lock()
		lost := types.Report{SuiteDescription: suiteDescription, SuiteSucceeded: false, SpecialSuiteFailureReasons: reasons}
		if len(reports) > 0 { // the spec version and the run, as the others say them
			lost.SpecReports = slices.DeleteFunc(slices.Clone(reports[0].SpecReports), func(r types.SpecReport) bool { return r.LeafNodeType == types.NodeTypeIt })
		}
		for _, r := range streamed {
			if !slices.ContainsFunc(reports, func(rep types.Report) bool { return hasSpec(rep, fullText(r)) }) {
				lost.SpecReports = append(lost.SpecReports, r)
			}
		}
		var missing []string
		for _, u := range units {
			if !ran[u.text] {
				missing = append(missing, u.target+" "+u.id)
			}
		}
		mu.Unlock()
		if len(missing) > 0 {
			lost.SpecialSuiteFailureReasons = append(lost.SpecialSuiteFailureReasons, "never reported: "+strings.Join(missing, ", "))
		}
		reports = append(reports, lost)
	}
	merged, err := report.MergeReports(reports...)
	if err != nil {
		return failedRun(dry, err.Error()), true
	}
	if rc.JSONReport != "" {
		if err := reporters.GenerateJSONReport(merged, rc.JSONReport); err != nil {
			fmt.Fprintln(stderr, "echospec:", err)
		}
	}
	if rc.JUnitReport != "" {
		if err := reporters.GenerateJUnitReport(merged, rc.JUnitReport); err != nil {
			fmt.Fprintln(stderr, "echospec:", err)
		}
	}
	return merged, !merged.SuiteSucceeded
}

// preflight runs the suite's preflight in the parent, bounded as the
// suite's own is, and kills whatever it leaves.
func (c *runCmd) preflight(s *runner.Suite) error {
	ctx, cancel := context.WithTimeout(context.Background(), runner.PreflightLimit)
	defer cancel()
	defer target.KillAll()
	return s.Preflight(ctx)
}

// hasSpec reports whether r has the spec of this full text, run.
func hasSpec(r types.Report, text string) bool {
	return slices.ContainsFunc(r.SpecReports, func(s types.SpecReport) bool {
		return s.LeafNodeType == types.NodeTypeIt && !filtered(s) && fullText(s) == text
	})
}

// failedRun is r marked failed, for the reason.
func failedRun(r types.Report, reason string) types.Report {
	r.SuiteSucceeded = false
	r.SpecialSuiteFailureReasons = append(slices.Clone(r.SpecialSuiteFailureReasons), reason)
	return r
}

// workerProc is a started worker.
type workerProc struct {
	job    job
	cmd    *exec.Cmd
	done   chan error
	read   chan struct{} // its events are all read
	stdinW *os.File      // held open while it runs: its EOF tells the worker the parent is gone
}

// startWorker starts this binary as worker j; each spec it reports goes
// to onSpec.
func startWorker(j job, onSpec func(types.SpecReport)) (*workerProc, error) {
	in, err := json.Marshal(j)
	if err != nil {
		return nil, err
	}
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	evR, evW, err := os.Pipe()
	if err != nil {
		stdinR.Close()
		stdinW.Close()
		return nil, err
	}
	cmd := exec.Command(reaper.SelfExe())
	cmd.Args[0] = fmt.Sprintf("echospec-worker-%d", j.Index)
	cmd.Env = append(os.Environ(), envWorker+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdinR, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{evW} // fd 3
	cmd.SysProcAttr = workerAttr()
	w := &workerProc{job: j, cmd: cmd, done: make(chan error, 1), read: make(chan struct{}), stdinW: stdinW}
	err = startLocked(cmd, w.done)
	stdinR.Close()
	evW.Close()
	if err != nil {
		stdinW.Close()
		evR.Close()
		return nil, err
	}
	go func() {
		defer close(w.read)
		defer evR.Close()
		dec := json.NewDecoder(evR)
		for {
			var r types.SpecReport
			if dec.Decode(&r) != nil {
				return
			}
			onSpec(r)
		}
	}()
	if _, err := io.Copy(stdinW, bytes.NewReader(in)); err != nil {
		w.cmd.Process.Kill()
	}
	return w, nil
}

// wait waits for the worker to end and its events to be read.
func (w *workerProc) wait() error {
	err := <-w.done
	<-w.read
	w.stdinW.Close()
	return err
}

// liveWorkers are the workers running now.
type liveWorkers struct {
	mu     sync.Mutex
	procs  map[*workerProc]bool
	signal bool // the run was interrupted: no more workers
}

// run runs worker j to its end and returns its report, or why there is
// none.
func (l *liveWorkers) run(j job, onSpec func(types.SpecReport)) (types.Report, string) {
	l.mu.Lock()
	if l.signal {
		l.mu.Unlock()
		return types.Report{}, fmt.Sprintf("worker %d was not started: the run was interrupted", j.Index)
	}
	w, err := startWorker(j, onSpec)
	if err != nil {
		l.mu.Unlock()
		return types.Report{}, fmt.Sprintf("worker %d did not start: %v", j.Index, err)
	}
	l.procs[w] = true
	l.mu.Unlock()
	werr := w.wait()
	l.mu.Lock()
	delete(l.procs, w)
	l.mu.Unlock()
	rs, _, err := report.ReadReports(j.Report)
	if err != nil || len(rs) != 1 {
		return types.Report{}, fmt.Sprintf("worker %d ended without its report (%v)", j.Index, errors.Join(werr, err))
	}
	return rs[0], ""
}

func (l *liveWorkers) interrupted() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.signal
}

// forwardSignals passes SIGINT and SIGTERM on to the workers, which stop
// as an interrupted run does and still write their reports, and starts no
// more; stop ends it.
func (l *liveWorkers) forwardSignals() (stop func()) {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	quit := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sig:
				l.mu.Lock()
				l.signal = true
				for w := range l.procs {
					w.cmd.Process.Signal(s)
				}
				l.mu.Unlock()
			case <-quit:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sig)
		close(quit)
	}
}

// startLocked starts cmd from a goroutine locked to its OS thread, kept
// until cmd has been waited for (Wait's error goes to waited): the
// parent-death signal fires when the thread that forked the child ends,
// not the process.
func startLocked(cmd *exec.Cmd, waited chan<- error) error {
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		waited <- cmd.Wait()
	}()
	return <-started
}
