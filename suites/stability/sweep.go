package stability

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/echospec/echospec/suites/report"
	"github.com/echospec/echospec/suites/selftest"
)

// Options shape a sweep.
type Options struct {
	// Root is the module root.
	Root string
	// Runs is how many times each subject runs.
	Runs int
	// Parallel is how many runs go at once.
	Parallel int
	// Workers, when above 0, runs each through echospec run --workers
	// Workers (selftest.RunOptions.Workers).
	Workers int
	// RunTimeout bounds one run (selftest.RunOptions.Timeout).
	RunTimeout time.Duration
	// ReportDir gets a directory per run for its JSON report.
	ReportDir string
	// Progress gets a line per run as it ends (nil: none).
	Progress io.Writer
}

// Sweep runs the suite against every subject o.Runs times, o.Parallel at
// once, interleaved (every subject's first run, then every subject's
// second…), so that the runs of one target meet different neighbours.
// It returns the runs in the order they were started; a cancelled ctx
// starts no more.
func Sweep(ctx context.Context, bin selftest.Binaries, subjects []Subject, o Options) []selftest.Run {
	type job struct {
		s Subject
		i int
	}
	var jobs []job
	for i := range o.Runs {
		for _, s := range subjects {
			jobs = append(jobs, job{s, i})
		}
	}
	runs := make([]selftest.Run, len(jobs))
	started := make([]bool, len(jobs))
	sem := make(chan struct{}, max(1, o.Parallel))
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for n, j := range jobs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		started[n] = true
		wg.Go(func() {
			defer func() { <-sem }()
			dir := filepath.Join(o.ReportDir, fmt.Sprintf("%s-%02d", j.s.Target.Name, j.i+1))
			os.MkdirAll(dir, 0o755)
			r := selftest.RunSuite(ctx, bin, j.s.Target, selftest.RunOptions{Root: o.Root, ReportDir: dir, Timeout: o.RunTimeout, Workers: o.Workers})
			runs[n] = r
			if o.Progress != nil {
				mu.Lock()
				done++
				fmt.Fprintf(o.Progress, "stability: [%d/%d] %-24s run %d  %6v  %s\n", done, len(jobs), j.s.Target.Name, j.i+1,
					r.Duration.Round(100*time.Millisecond), RunStatus(j.s, r))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	var out []selftest.Run
	for n, r := range runs {
		if started[n] {
			out = append(out, r)
		}
	}
	return out
}

// RunStatus says in one line what a run did on the subject's specs:
// "ok", the failures with their kinds, a faulty server's escapes, or why
// the run broke.
func RunStatus(s Subject, r selftest.Run) string {
	if r.Err != nil {
		return "BROKEN: " + firstLine(r.Err.Error(), 200)
	}
	var failed, escaped []string
	for _, id := range s.Specs {
		c, ok := r.Cells[id]
		switch {
		case !ok:
			failed = append(failed, id+" (no verdict)")
		case c.Outcome == report.Fail:
			failed = append(failed, fmt.Sprintf("%s (%s)", id, c.Kind))
		case c.Outcome == report.XFail:
			failed = append(failed, fmt.Sprintf("%s (%s, declared)", id, c.Kind))
		}
		if s.Faulty() && ok && !(c.Outcome == report.Fail && slices.Contains(s.Declared[id], c.Kind)) {
			escaped = append(escaped, fmt.Sprintf("%s (%s)", id, outcomeOf(c)))
		}
	}
	var parts []string
	if len(failed) > 0 {
		parts = append(parts, "failed "+strings.Join(failed, ", "))
	}
	if len(escaped) > 0 {
		parts = append(parts, "ESCAPED "+strings.Join(escaped, ", "))
	}
	if len(parts) == 0 {
		return "ok"
	}
	return strings.Join(parts, "; ")
}

func outcomeOf(c report.Cell) string {
	if c.Outcome == report.Fail {
		return "failed with " + string(c.Kind)
	}
	return string(c.Outcome)
}
