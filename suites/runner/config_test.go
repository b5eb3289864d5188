package runner

// Plain `testing` tests of the configuration. They use their own fake getenv and engine registry: no environment
// variable, flag or global of the suite is read or changed.

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/echospec/echospec/faults/toxi"
	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/goroutine"
)

// env is a fake getenv.
type env map[string]string

func (e env) get(k string) string { return e[k] }

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name string
		env  env
		want Config
	}{
		{"nothing set", env{}, Config{TargetName: "external"}},
		{"engines, trimmed, empty items dropped", env{EnvEngines: " alpha, beta ,, gamma,"},
			Config{Engines: []string{"alpha", "beta", "gamma"}, TargetName: "external"}},
		{"only commas", env{EnvEngines: " , ,"}, Config{TargetName: "external"}},
		{"command target", env{EnvTargetCmd: "  python3 srv.py  ", EnvTargetName: " mine "},
			Config{TargetCmd: "python3 srv.py", TargetName: "mine"}},
		{"address target", env{EnvTargetAddr: "127.0.0.1:7000"},
			Config{TargetAddr: "127.0.0.1:7000", TargetName: "external"}},
		{"IPv6 loopback address", env{EnvTargetAddr: "[::1]:7000"},
			Config{TargetAddr: "[::1]:7000", TargetName: "external"}},
		{"blank name is the default", env{EnvTargetCmd: "x", EnvTargetName: "   "},
			Config{TargetCmd: "x", TargetName: "external"}},
		{"toxiproxy and profile", env{EnvToxiproxy: " http://127.0.0.1:8474 ", EnvProfile: "max-conns=4, busy-idle"},
			Config{ToxiproxyURL: "http://127.0.0.1:8474", TargetName: "external", Profile: engine.Profile{MaxConns: 4, BusyIdle: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadConfig(tt.env.get)
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			if !slices.Equal(got.Engines, tt.want.Engines) || got.TargetCmd != tt.want.TargetCmd ||
				got.TargetName != tt.want.TargetName || got.TargetAddr != tt.want.TargetAddr ||
				got.ToxiproxyURL != tt.want.ToxiproxyURL || got.Profile != tt.want.Profile || got.Dir != "" || got.Spawn != nil {
				t.Errorf("LoadConfig = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLoadConfigReadsOnlyItsVariables(t *testing.T) {
	var asked []string
	LoadConfig(func(k string) string { asked = append(asked, k); return "" })
	for _, k := range asked {
		if !strings.HasPrefix(k, "ECHOSPEC_") {
			t.Errorf("LoadConfig read %q", k)
		}
	}
	for _, k := range []string{EnvEngines, EnvTargetCmd, EnvTargetName, EnvTargetAddr, EnvToxiproxy, EnvProfile} {
		if !slices.Contains(asked, k) {
			t.Errorf("LoadConfig did not read %s", k)
		}
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		env  env
		want []string
	}{
		{"command and address", env{EnvTargetCmd: "srv", EnvTargetAddr: "127.0.0.1:7000"},
			[]string{EnvTargetCmd, EnvTargetAddr, "not both"}},
		{"non-loopback address", env{EnvTargetAddr: "10.0.0.1:7000"}, []string{EnvTargetAddr, "10.0.0.1:7000", "loopback"}},
		{"address without port", env{EnvTargetAddr: "127.0.0.1"}, []string{EnvTargetAddr, "127.0.0.1"}},
		{"port 0", env{EnvTargetAddr: "127.0.0.1:0"}, []string{EnvTargetAddr, "1..65535"}},
		{"port too big", env{EnvTargetAddr: "127.0.0.1:70000"}, []string{EnvTargetAddr, "1..65535"}},
		{"named port", env{EnvTargetAddr: "localhost:echo"}, []string{EnvTargetAddr, "1..65535"}},
		{"garbage address", env{EnvTargetAddr: "not an address"}, []string{EnvTargetAddr}},
		{"max-conns=x", env{EnvProfile: "max-conns=x"}, []string{EnvProfile, `"x"`}},
		{"max-conns=0", env{EnvProfile: "max-conns=0"}, []string{EnvProfile, "≥ 1"}},
		{"bogus deviation", env{EnvProfile: "bogus"}, []string{EnvProfile, `unknown deviation "bogus"`}},
		{"bad profile with a target", env{EnvTargetCmd: "srv", EnvProfile: "busy-idle,max-conns=-1"}, []string{EnvProfile}},
		{"explore not a duration", env{EnvExplore: "ten"}, []string{EnvExplore, `"ten"`, "invalid duration"}},
		{"explore zero", env{EnvExplore: "0s"}, []string{EnvExplore, "positive duration"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(tt.env.get)
			if err == nil {
				t.Fatal("LoadConfig succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// fakeServer accepts connections on loopback and closes them; it counts
// its Close calls.
type fakeServer struct {
	ln     net.Listener
	wg     sync.WaitGroup
	closed *atomic.Int32
}

func startFake(addr string, closed *atomic.Int32) (engine.Server, error) {
	if err := engine.CheckLoopback(addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &fakeServer{ln: ln, closed: closed}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return s, nil
}

func (s *fakeServer) Addr() string { return s.ln.Addr().String() }
func (s *fakeServer) Close() error {
	s.closed.Add(1)
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

// fakeRegistry holds fake engines alpha, beta and gamma; closes counts the
// Close calls of their servers.
func fakeRegistry(closes *atomic.Int32) *engine.Registry {
	var es []engine.Engine
	for _, n := range []string{"gamma", "alpha", "beta"} {
		es = append(es, engine.Func(n, "fake", engine.Profile{}, func(addr string) (engine.Server, error) {
			return startFake(addr, closes)
		}))
	}
	return engine.NewRegistry(es...)
}

func names(ts []target.Target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name())
	}
	return out
}

func TestTargets(t *testing.T) {
	reg := fakeRegistry(new(atomic.Int32))
	prof := engine.Profile{MaxConns: 2}
	tests := []struct {
		name string
		c    Config
		want []string
	}{
		{"no engines, no target: every registered engine", Config{TargetName: "external"}, []string{"alpha", "beta", "gamma"}},
		{"engines listed", Config{Engines: []string{"gamma", "alpha"}, TargetName: "external"}, []string{"gamma", "alpha"}},
		{"command target alone", Config{TargetCmd: "srv", TargetName: "external", Profile: prof}, []string{"external"}},
		{"command target and engines", Config{TargetCmd: "srv", TargetName: "mine", Engines: []string{"beta"}, Profile: prof}, []string{"mine", "beta"}},
		{"address target alone", Config{TargetAddr: "127.0.0.1:7000", TargetName: "external", Profile: prof}, []string{"external"}},
		{"address target and engines", Config{TargetAddr: "127.0.0.1:7000", TargetName: "external", Engines: []string{"alpha", "gamma"}, Profile: prof}, []string{"external", "alpha", "gamma"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := tt.c.Targets(reg)
			if err != nil {
				t.Fatalf("Targets: %v", err)
			}
			if got := names(ts); !slices.Equal(got, tt.want) {
				t.Fatalf("targets %v, want %v", got, tt.want)
			}
			if tt.c.TargetCmd != "" || tt.c.TargetAddr != "" {
				if ts[0].Profile() != prof {
					t.Errorf("outside target's Profile = %+v, want %+v", ts[0].Profile(), prof)
				}
				for _, e := range ts[1:] {
					if !e.Profile().IsZero() {
						t.Errorf("engine %s took the outside target's profile %+v", e.Name(), e.Profile())
					}
				}
			}
		})
	}
}

func TestTargetsFromEnvironment(t *testing.T) {
	reg := fakeRegistry(new(atomic.Int32))
	tests := []struct {
		env  env
		want []string
	}{
		{env{}, []string{"alpha", "beta", "gamma"}},
		{env{EnvEngines: "beta"}, []string{"beta"}},
		{env{EnvTargetCmd: "python3 srv.py"}, []string{"external"}},
		{env{EnvTargetCmd: "python3 srv.py", EnvTargetName: "py", EnvEngines: "alpha"}, []string{"py", "alpha"}},
		{env{EnvTargetAddr: "localhost:7000", EnvEngines: "gamma,beta"}, []string{"external", "gamma", "beta"}},
	}
	for _, tt := range tests {
		c, err := LoadConfig(tt.env.get)
		if err != nil {
			t.Fatalf("LoadConfig(%v): %v", tt.env, err)
		}
		ts, err := c.Targets(reg)
		if err != nil {
			t.Fatalf("Targets(%v): %v", tt.env, err)
		}
		if got := names(ts); !slices.Equal(got, tt.want) {
			t.Errorf("environment %v: targets %v, want %v", tt.env, got, tt.want)
		}
	}
}

func TestTargetsErrors(t *testing.T) {
	reg := fakeRegistry(new(atomic.Int32))
	tests := []struct {
		name string
		c    Config
		reg  *engine.Registry
		want []string
	}{
		{"unknown engine", Config{Engines: []string{"alpha", "nope"}}, reg,
			[]string{EnvEngines, `unknown engine "nope"`, "valid: alpha, beta, gamma"}},
		{"unknown engine beside a target", Config{TargetCmd: "srv", Engines: []string{"epol"}}, reg,
			[]string{`unknown engine "epol"`, "alpha, beta, gamma"}},
		{"bad address set directly", Config{TargetAddr: "8.8.8.8:53"}, reg, []string{"8.8.8.8:53"}},
		{"nothing to test", Config{}, engine.NewRegistry(), []string{"nothing to test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := tt.c.Targets(tt.reg)
			if err == nil {
				t.Fatalf("Targets = %v, want an error", names(ts))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestTargetsSpawn(t *testing.T) {
	reg := fakeRegistry(new(atomic.Int32))
	var asked []string
	c := Config{Spawn: func(e engine.Engine) (target.CommandSpec, bool) {
		asked = append(asked, e.Name())
		return target.CommandSpec{Name: e.Name(), Cmdline: "true"}, e.Name() == "beta"
	}}
	ts, err := c.Targets(reg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(asked, []string{"alpha", "beta", "gamma"}) {
		t.Errorf("Spawn asked for %v", asked)
	}
	for _, tg := range ts {
		_, ok := tg.(target.Spawner)
		if ok != (tg.Name() == "beta") {
			t.Errorf("target %s: Spawner = %v", tg.Name(), ok)
		}
	}
	if got := names(ts); !slices.Equal(got, []string{"alpha", "beta", "gamma"}) {
		t.Errorf("targets %v", got)
	}
}

// closedURL is an http URL on a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	return url
}

func TestPreflightPasses(t *testing.T) {
	var closes atomic.Int32
	reg := fakeRegistry(&closes)
	tox, err := toxi.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tox.Close() })
	c := Config{ToxiproxyURL: tox.URL()}
	ts, err := c.Targets(reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := Preflight(ctx, c, ts); err != nil {
		t.Fatalf("Preflight: %v", err)
	}
	if n := closes.Load(); n != 3 {
		t.Errorf("%d servers closed after Preflight, want 3 (each target started and stopped)", n)
	}
}

func TestPreflightErrors(t *testing.T) {
	broken := engine.Func("broken", "fails", engine.Profile{}, func(string) (engine.Server, error) {
		return nil, errors.New("cannot start")
	})
	quitter := target.Command(target.CommandSpec{Name: "quitter", Cmdline: `echo "no config file" >&2; exit 3`})
	bad := closedURL(t)
	tests := []struct {
		name string
		c    Config
		ts   []target.Target
		want []string
	}{
		{"command exits at once", Config{}, []target.Target{quitter},
			[]string{"quitter", "exit status 3", "no config file"}},
		{"engine fails to start", Config{}, []target.Target{target.InProcess(broken)},
			[]string{"broken", "cannot start"}},
		{"toxiproxy unreachable", Config{ToxiproxyURL: bad}, nil,
			[]string{EnvToxiproxy, bad, "does not answer"}},
		{"every problem at once", Config{ToxiproxyURL: bad}, []target.Target{quitter, target.InProcess(broken)},
			[]string{EnvToxiproxy, "quitter", "exit status 3", "broken"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			err := Preflight(ctx, tt.c, tt.ts)
			if err == nil {
				t.Fatal("Preflight succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if took := time.Since(start); took > target.StartLimit/2 {
				t.Errorf("Preflight took %v to find a target that fails at once", took)
			}
		})
	}
}

func TestPreflightHonoursContext(t *testing.T) {
	sleeper := target.Command(target.CommandSpec{Name: "sleeper", Cmdline: "exec sleep 60"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	err := Preflight(ctx, Config{}, []target.Target{sleeper})
	if err == nil || !strings.Contains(err.Error(), "sleeper") {
		t.Errorf("Preflight = %v, want an error naming the target", err)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("Preflight took %v with a 1s context", took)
	}
}

func TestLoadConfigProtocolAndHost(t *testing.T) {
	c, err := LoadConfig(env{}.get)
	if err != nil || c.Protocol != payload.UpperEcho || c.TargetHost != "" {
		t.Fatalf("default: %+v, %v; want upper-echo on 127.0.0.1", c, err)
	}
	c, err = LoadConfig(env{EnvProtocol: " echo ", EnvTargetCmd: "srv", EnvTargetHost: " ::1 "}.get)
	if err != nil || c.Protocol != payload.Echo || c.TargetHost != "::1" {
		t.Fatalf("echo on ::1: %+v, %v", c, err)
	}
	ts, err := c.Targets(engine.NewRegistry())
	if err != nil || len(ts) != 1 {
		t.Fatalf("Targets: %v, %v", ts, err)
	}
	for _, tt := range []struct {
		env  env
		want []string
	}{
		{env{EnvProtocol: "upper"}, []string{EnvProtocol, `"upper"`, "upper-echo, echo"}},
		{env{EnvTargetHost: "::1"}, []string{EnvTargetHost, EnvTargetCmd}},
		{env{EnvTargetCmd: "srv", EnvTargetHost: "10.0.0.1"}, []string{EnvTargetHost, "loopback"}},
		{env{EnvTargetCmd: "srv", EnvTargetHost: "localhost"}, []string{EnvTargetHost, "no name"}},
		{env{EnvTargetCmd: "srv", EnvTargetHost: "[::1]"}, []string{EnvTargetHost, "no brackets"}},
		{env{EnvTargetCmd: "srv", EnvNetwork: "udp"}, []string{EnvNetwork, "want tcp or unix"}},
		{env{EnvTargetCmd: "srv", EnvNetwork: "unix", EnvTargetHost: "::1"}, []string{EnvTargetHost, "Unix-domain"}},
		{env{EnvTargetAddr: "unix:/tmp/s", EnvNetwork: "unix"}, []string{EnvNetwork, "unix:PATH"}},
		{env{EnvTargetAddr: "unix:"}, []string{EnvTargetAddr, "no socket path"}},
	} {
		_, err := LoadConfig(tt.env.get)
		if err == nil {
			t.Errorf("LoadConfig(%v) succeeded, want an error", tt.env)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("LoadConfig(%v): %q does not contain %q", tt.env, err, w)
			}
		}
	}
}

// TestTargetsOnUnixSocket: ECHOSPEC_TARGET_NETWORK=unix puts the outside
// command and the built-in engines on a Unix socket; an outside address
// says its own network.
func TestTargetsOnUnixSocket(t *testing.T) {
	reg := engine.NewRegistry()
	reg.Register(goroutine.Engine())
	c, err := LoadConfig(env{EnvTargetCmd: "srv", EnvEngines: "goroutine", EnvNetwork: "unix"}.get)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := c.Targets(reg)
	if err != nil || len(ts) != 2 {
		t.Fatalf("Targets: %v, %v", ts, err)
	}
	for _, tg := range ts {
		if target.NetworkOf(tg) != "unix" {
			t.Errorf("target %s: network %q, want unix", tg.Name(), target.NetworkOf(tg))
		}
	}
	c.Spawn = func(engine.Engine) (target.CommandSpec, bool) { return target.CommandSpec{Cmdline: "x"}, true }
	if ts, err = c.Targets(reg); err != nil || target.NetworkOf(ts[1]) != "unix" {
		t.Errorf("with Spawn: %v, %v; want the engine on unix", ts, err)
	}
	c, err = LoadConfig(env{EnvTargetAddr: "unix:/tmp/echo.sock"}.get)
	if err != nil {
		t.Fatal(err)
	}
	if ts, err = c.Targets(reg); err != nil || target.NetworkOf(ts[0]) != "unix" {
		t.Errorf("an address unix:PATH: %v, %v; want a target on unix", ts, err)
	}
	c, _ = LoadConfig(env{EnvEngines: "goroutine", EnvNetwork: "tcp"}.get)
	if ts, err = c.Targets(reg); err != nil || target.NetworkOf(ts[0]) != "tcp" {
		t.Errorf("tcp: %v, %v; want a target on tcp", ts, err)
	}
}
