package report_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	vocab "github.com/echospec/echospec/spec"
	"github.com/echospec/echospec/suites/report"
)

// shard is the report of one run: a SynchronizedBeforeSuite carrying the
// spec version and the Run, then specs.
func shard(start time.Time, seed int64, version string, run report.Run, specs ...types.SpecReport) types.Report {
	before := spec("", "", types.SpecStatePassed, "")
	before.LeafNodeType = types.NodeTypeSynchronizedBeforeSuite
	if version != "" {
		before = withEntry(before, report.VersionEntry, version)
	}
	b, _ := json.Marshal(run)
	before = withEntry(before, report.RunEntry, string(b))
	r := types.Report{StartTime: start, SpecReports: append(types.SpecReports{before}, specs...)}
	r.SuiteConfig.RandomSeed = seed
	r.SuiteConfig.LabelFilter = "echo"
	return r
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func echospecRun() report.Run {
	return report.Run{Runner: report.RunnerEchospec, Outside: "srv", Dir: "/work dir",
		Settings: map[string]string{"ECHOSPEC_TARGET_CMD": "exec ./srv -x", "ECHOSPEC_TARGET_NAME": "srv", "ECHOSPEC_ENGINES": "epoll,poll", "ECHOSPEC_STRICT": "1"}}
}

func TestMergeShards(t *testing.T) {
	run := echospecRun()
	a := report.Build(shard(t0, 1, "v1", run,
		spec("srv", "[E1] a byte", types.SpecStatePassed, ""),
		withEntry(spec("srv", "[E2] all bytes", types.SpecStateFailed, "[wrong-byte] echo wrong"), vocab.KindEntry, "wrong-byte")))
	b := report.Build(shard(t0.Add(time.Second), 2, "v1", run,
		spec("srv", "[R1] a reset", types.SpecStatePassed, ""),
		spec("epoll", "[E1] a byte", types.SpecStatePassed, "")))
	m, err := report.Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Targets, ","); got != "epoll,srv" {
		t.Errorf("targets %s", got)
	}
	if got := strings.Join(m.IDs, ","); got != "E1,E2,R1" {
		t.Errorf("IDs %s", got)
	}
	if m.Version != "v1" || len(m.Runs) != 2 {
		t.Errorf("version %q, %d runs", m.Version, len(m.Runs))
	}
	c := m.Cells["srv"]["E2"]
	want := `cd '/work dir' && echospec run --cmd 'exec ./srv -x' --name srv --strict --label-filter echo --focus '\[E2\]' --seed 1`
	if c.Rerun != want {
		t.Errorf("rerun\n got %s\nwant %s", c.Rerun, want)
	}
	if m.Cells["srv"]["E1"].Rerun != "" {
		t.Error("a passing spec has a rerun command")
	}
}

func TestMergeRefuses(t *testing.T) {
	run := echospecRun()
	a := report.Build(shard(t0, 1, "v1", run, spec("srv", "[E1] a byte", types.SpecStatePassed, "")))
	a.Runs[0].Source = "a.json"
	for _, tt := range []struct {
		name string
		b    report.Matrix
		want string
	}{
		{"twice", a, "a report merged twice"},
		{"overlap", report.Build(shard(t0.Add(time.Hour), 1, "v1", run, spec("srv", "[E1] a byte", types.SpecStatePassed, ""))), "shards must not overlap"},
		{"version", report.Build(shard(t0.Add(time.Hour), 1, "v2", run, spec("srv", "[E2] bytes", types.SpecStatePassed, ""))), "different spec versions"},
		{"no version", report.Build(shard(t0.Add(time.Hour), 1, "", run, spec("srv", "[E2] bytes", types.SpecStatePassed, ""))), "none (an older report)"},
	} {
		_, err := report.Merge(a, tt.b)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestReadJSONTwice(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.json")
	r := shard(t0, 1, "v1", echospecRun(), spec("srv", "[E1] a byte", types.SpecStatePassed, ""))
	if err := report.WriteJSON(p, []types.Report{r}); err != nil {
		t.Fatal(err)
	}
	if _, err := report.ReadJSON(p); err != nil {
		t.Fatal(err)
	}
	if _, err := report.ReadJSON(p, p); err == nil || !strings.Contains(err.Error(), "merged twice") {
		t.Errorf("the same file twice: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte("{"), 0o644)
	if _, err := report.ReadJSON(filepath.Join(dir, "bad.json")); err == nil {
		t.Error("a bad file reads")
	}
}

func TestRerunGinkgo(t *testing.T) {
	run := report.Run{Runner: report.RunnerGinkgo, Outside: "srv", Dir: "/repo",
		Settings: map[string]string{"ECHOSPEC_TARGET_CMD": "python3 x.py", "ECHOSPEC_ENGINES": "epoll", "ECHOSPEC_TOXIPROXY_URL": "http://127.0.0.1:8474",
			"ECHOSPEC_EXPLORE": "10s"}} // X1's default: no need to say it
	got := run.Rerun("epoll", "E1", 7, "")
	want := `cd /repo && ECHOSPEC_ENGINES=epoll ECHOSPEC_TOXIPROXY_URL=http://127.0.0.1:8474 go tool ginkgo run --focus='\[E1\]' --seed=7 ./suites/conformance`
	if got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	got = run.Rerun("srv", "E1p", 7, "echo && must")
	want = `cd /repo && ECHOSPEC_TARGET_CMD='python3 x.py' ECHOSPEC_TOXIPROXY_URL=http://127.0.0.1:8474 go tool ginkgo run --label-filter='echo && must' --focus='\[E1p\]' --seed=7 ./suites/conformance`
	if got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	if (report.Run{}).Rerun("srv", "E1", 1, "") != "" {
		t.Error("a report without a Run has a rerun command")
	}
}

func TestCompare(t *testing.T) {
	run := echospecRun()
	failed := func(id, kind string) types.SpecReport {
		return withEntry(spec("srv", "["+id+"] x", types.SpecStateFailed, "["+kind+"] x"), vocab.KindEntry, kind)
	}
	pass := func(id string) types.SpecReport { return spec("srv", "["+id+"] x", types.SpecStatePassed, "") }
	base := report.Build(shard(t0, 1, "v1", run, pass("E1"), failed("E2", "lost"), failed("E3", "lost"), failed("E4", "stall"),
		withEntry(pass("E5"), vocab.DeviationEntry, "max-conns"), pass("E7")))
	now := report.Build(shard(t0.Add(time.Hour), 2, "v1", run, failed("E1", "wrong-byte"), pass("E2"), failed("E3", "lost"), failed("E4", "early-close"),
		pass("E5"), pass("E6")))
	c := report.Compare(base, "old.json", now)
	got := map[string]string{}
	for _, ch := range c.Changes {
		got[ch.ID] = ch.What
		if ch.Regression != (ch.ID == "E1" || ch.ID == "E4") {
			t.Errorf("%s: regression %v", ch.ID, ch.Regression)
		}
	}
	want := map[string]string{"E1": report.NewFailure, "E2": report.Fixed, "E4": report.KindChanged, "E5": report.DeviationChanged, "E6": report.NotInBaseline}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: %q, want %q", id, got[id], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	if n := len(c.Regressions()); n != 2 {
		t.Errorf("%d regressions", n)
	}
	now.Changes = &c
	md := now.Markdown()
	for _, w := range []string{"## Changes since baseline", "| srv | E1 | pass | fail (wrong-byte) | **new failure (regression)** |", "rerun: `"} {
		if !strings.Contains(md, w) {
			t.Errorf("markdown lacks %q:\n%s", w, md)
		}
	}
	page, err := now.HTML("t")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Changes since baseline", `class="regression"`, `<pre class="rerun">`} {
		if !strings.Contains(string(page), w) {
			t.Errorf("HTML lacks %q", w)
		}
	}
}

// TestCompareRetiredKinds: a baseline written before early-eof and reset
// became early-close reads them as early-close, so the same failure is no
// kind change; a kind this version does not know is kept as it is.
func TestCompareRetiredKinds(t *testing.T) {
	run := echospecRun()
	failed := func(id, kind string) types.SpecReport {
		return withEntry(spec("srv", "["+id+"] x", types.SpecStateFailed, "["+kind+"] x"), vocab.KindEntry, kind)
	}
	base := report.Build(shard(t0, 1, "v1", run, failed("E1", "early-eof"), failed("E2", "reset"), failed("E3", "reset"), failed("E4", "bogus")))
	now := report.Build(shard(t0.Add(time.Hour), 2, "v1", run, failed("E1", "early-close"), failed("E2", "early-close"), failed("E3", "lost"), failed("E4", "bogus")))
	if k := base.Cells["srv"]["E1"].Kind; k != vocab.EarlyClose {
		t.Errorf("early-eof read as %q, want early-close", k)
	}
	if k := base.Cells["srv"]["E4"].Kind; k != "bogus" {
		t.Errorf("an unknown kind read as %q, want it kept", k)
	}
	c := report.Compare(base, "old.json", now)
	got := map[string]string{}
	for _, ch := range c.Changes {
		got[ch.ID] = ch.What
	}
	if len(got) != 1 || got["E3"] != report.KindChanged {
		t.Errorf("changes %v, want E3's kind only (reset, then lost)", got)
	}
}
