package main

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
	"go.yaml.in/yaml/v3"

	"github.com/echospec/echospec/servers/faulty"
	"github.com/echospec/echospec/suites/conformance"
	"github.com/echospec/echospec/suites/report"
)

// workflow is what the test reads of a GitHub Actions workflow.
type workflow struct {
	Env  map[string]string `yaml:"env"`
	Jobs map[string]struct {
		Env   map[string]string `yaml:"env"`
		Steps []struct {
			Name string `yaml:"name"`
			Uses string `yaml:"uses"`
			Run  string `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

var expr = regexp.MustCompile(`\$\{\{\s*matrix\.([a-z.]+)\s*\}\}`)

// TestGitHubActionsRecipe runs the shell steps of
// examples/ci/github-actions.yml as its jobs would — every shard (targets ×
// label selections) in a directory of its own, through the echospec
// binary, then the merge job on their reports — and checks that the
// merged matrix has the verdicts of an unsharded run of each target. The
// steps that install echospec and build the server are the test's own
// (binaries built from this tree), and the actions (checkout, artifacts)
// are done by hand. The selection is narrow, to stay within a minute.
func TestGitHubActionsRecipe(t *testing.T) {
	t.Parallel() // runs the binary for a while, mostly waiting
	if testing.Short() || runtime.GOOS != "linux" {
		t.Skip("runs the suite through the binary for about a minute; Linux")
	}
	raw, err := os.ReadFile("../../examples/ci/github-actions.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(raw, &wf); err != nil {
		t.Fatal(err)
	}
	shardJob, mergeJob := wf.Jobs["shard"], wf.Jobs["merge"]
	if len(shardJob.Steps) == 0 || len(mergeJob.Steps) == 0 {
		t.Fatal("the workflow has no shard or merge job")
	}

	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	build(t, bin, ".", "echospec")
	build(t, bin, "../../suites/report/cmd/echoreport", "echoreport")
	echospec := filepath.Join(bin, "echospec")

	// The matrix: two targets (the goroutine engine served by the
	// echospec binary itself, and the Python asyncio server where python3
	// is) × two narrow selections.
	targets := []map[string]string{{"name": "goroutine", "cmd": "ECHOSPEC_SERVE_ENGINE=goroutine exec " + echospec}}
	if _, err := exec.LookPath("python3"); err == nil {
		abs, _ := filepath.Abs("../../fixtures/servers/asyncio_echo.py")
		targets = append(targets, map[string]string{"name": "asyncio", "cmd": python3() + abs})
	}
	categories := []string{"echo && !long && !proxy", "lifecycle"}

	shards := filepath.Join(tmp, "merge", "shards")
	n := 0
	for _, tg := range targets {
		for _, cat := range categories {
			n++
			matrix := map[string]string{"target.name": tg["name"], "target.cmd": tg["cmd"], "category": cat}
			work := filepath.Join(tmp, "shard", strings.Repeat("x", n)) // a checkout of its own
			env := jobEnv(t, wf.Env, shardJob.Env, matrix, bin)
			for _, st := range shardJob.Steps {
				if skipped(st.Name, st.Uses) {
					continue
				}
				runStep(t, work, env, st.Name, st.Run)
			}
			// upload-artifact of reports/, download-artifact with
			// merge-multiple into shards/.
			copyTree(t, filepath.Join(work, "reports"), shards)
		}
	}
	merge := filepath.Join(tmp, "merge")
	env := jobEnv(t, wf.Env, mergeJob.Env, nil, bin)
	for _, st := range mergeJob.Steps {
		if skipped(st.Name, st.Uses) {
			continue
		}
		runStep(t, merge, env, st.Name, st.Run)
	}
	merged, err := report.ReadJSON(filepath.Join(merge, "merged", "conformance.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"index.html", "matrix.md"} {
		if _, err := os.Stat(filepath.Join(merge, "merged", f)); err != nil {
			t.Error(err)
		}
	}

	// The same targets, unsharded: one run each, every selection at once.
	var whole []string
	for _, tg := range targets {
		dir := filepath.Join(tmp, "whole-"+tg["name"])
		cmd := exec.Command(echospec, "run", "--name", tg["name"], "--cmd", tg["cmd"],
			"--label-filter", "("+strings.Join(categories, ") || (")+")", "--report-dir", dir)
		cmd.Dir = tmp
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("unsharded run of %s: %v\n%s", tg["name"], err, out)
		}
		whole = append(whole, filepath.Join(dir, "conformance.json"))
	}
	unsharded, err := report.ReadJSON(whole...)
	if err != nil {
		t.Fatal(err)
	}
	got, want := merged.Verdicts(), unsharded.Verdicts()
	if !maps.Equal(got, want) {
		t.Errorf("merged verdicts differ from the unsharded run's:\n got %v\nwant %v", got, want)
	}
	if len(want) < 10*len(targets) {
		t.Errorf("only %d verdicts: the selection ran too little", len(want))
	}
	// echospec list's labels are the specs' own.
	reports, _, err := report.ReadReports(whole...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		for _, s := range r.SpecReports {
			id, _, ok := report.SpecID(s.LeafNodeText)
			if s.LeafNodeType != types.NodeTypeIt || !ok {
				continue
			}
			var got []string
			for _, l := range s.Labels() {
				if !strings.HasPrefix(l, "target:") {
					got = append(got, l)
				}
			}
			d, _ := conformance.Lookup(id)
			if want := labelsOf(d); !sameSet(got, want) {
				t.Errorf("%s: labels %v, echospec list says %v", id, got, want)
			}
		}
	}
	t.Logf("%d shards merged: %d targets × %d specs, %s", n, len(merged.Targets), len(merged.IDs), merged.Summary())
}

// skipped are the steps the test does itself: the actions, installing
// echospec and building the server.
func skipped(name, uses string) bool {
	return uses != "" || strings.HasPrefix(name, "install ") || strings.HasPrefix(name, "build ")
}

// jobEnv is the environment of a job's steps: the test's, the binaries
// first on PATH, then the workflow's and the job's env with the matrix
// expressions evaluated.
func jobEnv(t *testing.T, wfEnv, env map[string]string, matrix map[string]string, bin string) []string {
	t.Helper()
	out := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	for _, m := range []map[string]string{wfEnv, env} {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			v := expr.ReplaceAllStringFunc(m[k], func(e string) string {
				key := expr.FindStringSubmatch(e)[1]
				val, ok := matrix[key]
				if !ok {
					t.Fatalf("env %s: no matrix value for %s", k, key)
				}
				return val
			})
			out = append(out, k+"="+v)
		}
	}
	return out
}

// runStep runs a step's shell as GitHub Actions does (bash -eo pipefail).
func runStep(t *testing.T, dir string, env []string, name, script string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("step %q: %v\n%s", name, err, out)
	}
	if !strings.Contains(string(out), "PASS (exit 0)") && strings.Contains(script, "echospec run") {
		t.Fatalf("step %q did not pass:\n%s", name, out)
	}
}

func build(t *testing.T, bin, pkg, name string) {
	t.Helper()
	out, err := exec.Command("go", "build", "-o", filepath.Join(bin, name), pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
}

// copyTree copies the files under src into dst, keeping their paths.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// python3 is the start of a command that runs a Python server with the
// interpreter itself, not through a version manager's shim (which takes
// most of a second to start it, and far longer on a busy host).
func python3() string { return "exec '" + faulty.Python() + "' " }
