// Package runner is the conformance suite's runner side: the configuration
// from the ECHOSPEC_* environment variables and flags (SPEC.md, "Running
// the suite"), the targets it resolves to, the preflight that starts each
// target before any spec runs, and the expected failures — the built-in
// engines' known findings, embedded, and a user's own file.
package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/echospec/echospec/faults/toxi"
	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/suites/settings"
)

// startCheckSlack is what the check that a target starts allows beyond
// target.StartLimit (the target's own bound for accepting a connection):
// the check's own connect and the stop that follows, on a busy host.
const startCheckSlack = 5 * time.Second

// Config is what to test, as set by the ECHOSPEC_* environment variables
// or the suite's flags of the same meaning (the table of settings,
// suites/settings).
type Config struct {
	Engines      []string // built-in engines; nil means the default
	TargetCmd    string   // an outside server to start
	TargetName   string   // its name in reports
	TargetAddr   string   // an outside server already running
	ToxiproxyURL string   // an outside toxiproxy; "" embeds one
	Profile      engine.Profile
	Dir          string // where an outside command runs; "" = here
	// PIDFile, for an outside command, is a file in which the server
	// writes its PID: the process the suite probes, when the command is a
	// wrapper that does not exec it.
	PIDFile string
	// TargetHost, for an outside command, is the loopback address it
	// listens on: "" (127.0.0.1) or ::1.
	TargetHost string
	// Network is where the outside command and the built-in engines
	// serve: "" (TCP) or "unix", a Unix-domain stream socket (the
	// command gets ECHO_NETWORK=unix and ECHO_PATH; an engine, e.Start
	// "unix:PATH"). An outside address says its own network.
	Network string
	// Protocol is what every target is judged by; the zero value is
	// upper-echo.
	Protocol payload.Protocol
	// Strict makes a declared expected failure that passes fail the run.
	Strict bool
	// ExpectedFailures is a file of the outside target's expected
	// failures (the format of the built-in one); "" = none.
	ExpectedFailures string

	// Values are the settings of the test binary's door
	// (settings.Suite) that are set, trimmed, by variable: Value reads a
	// setting that needs no parsing of its own.
	Values map[string]string
	// Explore is X1's budget for random scenarios (0: its default), and
	// Replay the text of a script X1 is to replay instead ("": none).
	Explore time.Duration
	Replay  string

	// Spawn, when set, says how to run a built-in engine in a process of
	// its own, for the specs that probe the server's process (false: not
	// at all). When nil, the engine's target is target.InProcess's: the
	// test binary re-executed, serving it at target.ServeIfAsked.
	Spawn func(e engine.Engine) (target.CommandSpec, bool)
}

// Value is setting s's value ("" when it is unset).
func (c Config) Value(s *settings.Setting) string { return c.Values[s.Env] }

// LoadConfig reads the configuration through get (os.Getenv, or flags
// falling back to it). It checks syntax only; Targets and Preflight check
// the rest.
func LoadConfig(get func(string) string) (Config, error) {
	c := Config{
		TargetCmd:        strings.TrimSpace(get(EnvTargetCmd)),
		TargetName:       strings.TrimSpace(get(EnvTargetName)),
		TargetAddr:       strings.TrimSpace(get(EnvTargetAddr)),
		ToxiproxyURL:     strings.TrimSpace(get(EnvToxiproxy)),
		ExpectedFailures: strings.TrimSpace(get(EnvExpectedFailures)),
		PIDFile:          strings.TrimSpace(get(EnvPIDFile)),
		TargetHost:       strings.TrimSpace(get(EnvTargetHost)),
		Network:          strings.TrimSpace(get(EnvNetwork)),
	}
	if err := checkTypes(get); err != nil {
		return c, err
	}
	c.Strict, _ = settings.ParseBool(get(EnvStrict))
	for _, s := range settings.In(settings.Suite) {
		if v := strings.TrimSpace(get(s.Env)); v != "" {
			if c.Values == nil {
				c.Values = map[string]string{}
			}
			c.Values[s.Env] = v
		}
	}
	for _, n := range strings.Split(get(EnvEngines), ",") {
		if n = strings.TrimSpace(n); n != "" {
			c.Engines = append(c.Engines, n)
		}
	}
	var err error
	if c.Protocol, err = payload.ParseProtocol(get(EnvProtocol)); err != nil {
		return c, fmt.Errorf("%s: %w", EnvProtocol, err)
	}
	if c.TargetHost != "" {
		if c.TargetCmd == "" {
			return c, fmt.Errorf("%s is for %s: it says where the command is to listen", EnvTargetHost, EnvTargetCmd)
		}
		if err := target.CheckHost(c.TargetHost); err != nil {
			return c, fmt.Errorf("%s: %w", EnvTargetHost, err)
		}
	}
	switch c.Network {
	case "", "tcp":
		c.Network = ""
	case "unix":
		if c.TargetHost != "" {
			return c, fmt.Errorf("%s is for a TCP server; %s=unix serves a Unix-domain socket", EnvTargetHost, EnvNetwork)
		}
		if c.TargetAddr != "" {
			return c, fmt.Errorf("%s is for %s and the built-in engines: an outside address says its own network (unix:PATH for a Unix socket)", EnvNetwork, EnvTargetCmd)
		}
	default:
		return c, fmt.Errorf("%s=%q: want tcp or unix", EnvNetwork, c.Network)
	}
	if c.TargetName == "" {
		c.TargetName = "external"
	}
	if v := strings.TrimSpace(get(EnvExplore)); v != "" {
		if c.Explore, err = time.ParseDuration(v); err != nil || c.Explore <= 0 {
			return c, fmt.Errorf("%s=%q: want a positive duration, such as 10s or 10m", EnvExplore, v)
		}
	}
	if c.Profile, err = engine.ParseProfile(get(EnvProfile)); err != nil {
		return c, fmt.Errorf("%s: %w", EnvProfile, err)
	}
	if c.TargetCmd != "" && c.TargetAddr != "" {
		return c, fmt.Errorf("set %s or %s, not both", EnvTargetCmd, EnvTargetAddr)
	}
	if c.TargetAddr != "" {
		if err := target.ParseAddr(c.TargetAddr); err != nil {
			return c, fmt.Errorf("%s: %w", EnvTargetAddr, err)
		}
	}
	return c, nil
}

// Targets resolves the configuration into targets: the outside target if
// one is set, and the built-in engines asked for — all of them when none
// are named and there is no outside target.
func (c Config) Targets(reg *engine.Registry) ([]target.Target, error) {
	var ts []target.Target
	names := c.Engines
	switch {
	case c.TargetCmd != "":
		ts = append(ts, target.Command(target.CommandSpec{
			Name: c.TargetName, Cmdline: c.TargetCmd, Profile: c.Profile, Dir: c.Dir, PIDFile: c.PIDFile, Host: c.TargetHost, Network: c.Network}))
	case c.TargetAddr != "":
		t, err := target.Address(c.TargetName, c.TargetAddr, c.Profile)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	case len(names) == 0:
		names = reg.Names()
	}
	for _, n := range names {
		e, err := reg.Lookup(n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvEngines, err)
		}
		var opts []target.InProcessOption
		if c.Network == "unix" {
			opts = append(opts, target.OnUnixSocket())
		}
		t := target.InProcess(e, opts...) // in a process of its own: this test binary re-executed
		if c.Spawn != nil {
			if spec, ok := c.Spawn(e); ok {
				spec.Network = c.Network
				t = target.WithProcess(t, spec)
			} else {
				t = target.InProcess(e, append(opts, target.NoProcess())...)
			}
		}
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		return nil, errors.New("nothing to test: no engine and no outside target")
	}
	if len(ts) > 1 && (c.TargetCmd != "" || c.TargetAddr != "") && slices.Contains(names, c.TargetName) {
		return nil, fmt.Errorf("the outside target and a built-in engine are both named %q: name the outside one with %s", c.TargetName, EnvTargetName)
	}
	return ts, nil
}

// Preflight checks, before any spec runs, what can only be checked by
// trying: that the toxiproxy server answers, and that every target starts
// and accepts connections (an outside command within target.StartLimit).
func Preflight(ctx context.Context, c Config, ts []target.Target) error {
	var errs []error
	if c.ToxiproxyURL != "" {
		if _, err := toxi.Remote(c.ToxiproxyURL); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvToxiproxy, err))
		}
	}
	for _, t := range ts {
		if target.Available(t) != nil {
			continue // its specs are skipped, with the reason
		}
		ctx, cancel := context.WithTimeout(ctx, target.StartLimit+startCheckSlack)
		inst, err := t.Start(ctx)
		cancel()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// A server that ignores SIGTERM started fine, and is killed:
		// that is L1's finding (slow-exit), not a bad configuration.
		if err, _ := target.IgnoredTERM(inst.Stop()); err != nil {
			errs = append(errs, fmt.Errorf("target %s: stop: %w", t.Name(), err))
		}
	}
	return errors.Join(errs...)
}
