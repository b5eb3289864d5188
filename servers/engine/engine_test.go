package engine

import (
	"errors"
	"strings"
	"testing"
)

func TestParseProfile(t *testing.T) {
	tests := []struct {
		in   string
		want Profile
		str  string // String() of the result
	}{
		{"", Profile{}, ""},
		{"   ", Profile{}, ""},
		{",,", Profile{}, ""},
		{"busy-idle", Profile{BusyIdle: true}, "busy-idle"},
		{"max-conns=1", Profile{MaxConns: 1}, "max-conns=1"},
		{"max-conns=64,busy-idle", Profile{MaxConns: 64, BusyIdle: true}, "max-conns=64,busy-idle"},
		{" busy-idle , max-conns=8 ", Profile{MaxConns: 8, BusyIdle: true}, "max-conns=8,busy-idle"},
		{"max-conns=3,max-conns=5", Profile{MaxConns: 5}, "max-conns=5"},
		{"busy-idle,busy-idle", Profile{BusyIdle: true}, "busy-idle"},
	}
	for _, tt := range tests {
		got, err := ParseProfile(tt.in)
		if err != nil {
			t.Errorf("ParseProfile(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseProfile(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.str {
			t.Errorf("ParseProfile(%q).String() = %q, want %q", tt.in, s, tt.str)
		}
		if got.IsZero() != (tt.str == "") {
			t.Errorf("ParseProfile(%q).IsZero() = %v", tt.in, got.IsZero())
		}
	}
}

func TestProfileRoundTrip(t *testing.T) {
	for _, p := range []Profile{
		{},
		{MaxConns: 1},
		{MaxConns: 1000},
		{BusyIdle: true},
		{MaxConns: 7, BusyIdle: true},
	} {
		back, err := ParseProfile(p.String())
		if err != nil {
			t.Errorf("ParseProfile(%q): %v", p.String(), err)
			continue
		}
		if back != p {
			t.Errorf("%+v -> %q -> %+v", p, p.String(), back)
		}
	}
	// Reason is for reports only: it is not part of the syntax.
	p := Profile{MaxConns: 2, Reason: "one thread per connection"}
	if s := p.String(); s != "max-conns=2" {
		t.Errorf("String() with a Reason = %q, want %q", s, "max-conns=2")
	}
	if (Profile{Reason: "why"}).IsZero() != true {
		t.Error("a Profile with only a Reason declares a deviation")
	}
}

func TestParseProfileErrors(t *testing.T) {
	tests := []struct {
		in   string
		want []string // in the message
	}{
		{"max-conns=x", []string{`"max-conns=x"`, "max-conns needs a whole number ≥ 1", `"x"`}},
		{"max-conns=0", []string{"≥ 1", `"0"`}},
		{"max-conns=-3", []string{"≥ 1", `"-3"`}},
		{"max-conns=", []string{"≥ 1", `""`}},
		{"max-conns=1.5", []string{"≥ 1", `"1.5"`}},
		{"max-conns", []string{`unknown deviation "max-conns"`}},
		{"bogus", []string{`unknown deviation "bogus"`, "known: max-conns=N, busy-idle"}},
		{"busy-idle,bogus", []string{`unknown deviation "bogus"`, `profile "busy-idle,bogus"`}},
		{"Busy-Idle", []string{`unknown deviation "Busy-Idle"`}},
		{"max-conns=2;busy-idle", []string{`"2;busy-idle"`}},
	}
	for _, tt := range tests {
		p, err := ParseProfile(tt.in)
		if err == nil {
			t.Errorf("ParseProfile(%q) = %+v, want an error", tt.in, p)
			continue
		}
		if p != (Profile{}) {
			t.Errorf("ParseProfile(%q) returned %+v with its error, want the zero Profile", tt.in, p)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ParseProfile(%q) error %q does not contain %q", tt.in, err, w)
			}
		}
	}
}

type nopServer struct{ addr string }

func (s nopServer) Addr() string { return s.addr }
func (s nopServer) Close() error { return nil }

func fake(name string) Engine {
	return Func(name, "model of "+name, Profile{}, func(addr string) (Server, error) {
		return nopServer{addr}, nil
	})
}

func TestFunc(t *testing.T) {
	prof := Profile{MaxConns: 4}
	var gotAddr string
	startErr := errors.New("start failed")
	e := Func("x", "a model", prof, func(addr string) (Server, error) {
		gotAddr = addr
		return nil, startErr
	})
	if e.Name() != "x" || e.Model() != "a model" || e.Profile() != prof {
		t.Errorf("Name, Model, Profile = %q, %q, %+v", e.Name(), e.Model(), e.Profile())
	}
	if _, err := e.Start("127.0.0.1:0"); !errors.Is(err, startErr) || gotAddr != "127.0.0.1:0" {
		t.Errorf("Start: err %v, addr %q; want the start func's error and address", err, gotAddr)
	}
}

// ownServer is an engine author's own server type: Func takes a start
// function that returns it as it is, with no wrapper closure.
type ownServer struct{ addr string }

func (s *ownServer) Addr() string { return s.addr }
func (s *ownServer) Close() error { return nil }

func startOwn(addr string) (*ownServer, error) { return &ownServer{addr}, nil }

func TestFuncOwnServerType(t *testing.T) {
	e := Func("own", "its own type", Profile{}, startOwn)
	srv, err := e.Start("127.0.0.1:7")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if own, ok := srv.(*ownServer); !ok || own.Addr() != "127.0.0.1:7" {
		t.Errorf("Start = %#v, want the start function's *ownServer", srv)
	}

	// A nil server without an error is an error, never a typed nil the
	// suite would call.
	for name, e := range map[string]Engine{
		"nil pointer":   Func("nilptr", "m", Profile{}, func(string) (*ownServer, error) { return nil, nil }),
		"nil interface": Func("nilif", "m", Profile{}, func(string) (Server, error) { return nil, nil }),
	} {
		srv, err := e.Start("127.0.0.1:0")
		if err == nil || srv != nil || !strings.Contains(err.Error(), e.Name()) || !strings.Contains(err.Error(), "no server") {
			t.Errorf("%s: Start = %v, %v; want a nil Server and an error naming the engine", name, srv, err)
		}
	}

	// An error comes back as it is, with a nil Server (not a typed nil).
	boom := errors.New("boom")
	srv, err = Func("err", "m", Profile{}, func(string) (*ownServer, error) { return &ownServer{}, boom }).Start("127.0.0.1:0")
	if !errors.Is(err, boom) || srv != nil {
		t.Errorf("Start = %v, %v; want nil and the start function's error", srv, err)
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry(fake("zeta"), fake("alpha"), fake("mid"))
	if got := strings.Join(r.Names(), ","); got != "alpha,mid,zeta" {
		t.Errorf("Names() = %s, want alpha,mid,zeta (sorted)", got)
	}
	e, err := r.Lookup("mid")
	if err != nil || e.Name() != "mid" {
		t.Errorf("Lookup(mid) = %v, %v", e, err)
	}
	r.Register(fake("beta"))
	if got := strings.Join(r.Names(), ","); got != "alpha,beta,mid,zeta" {
		t.Errorf("Names() after Register = %s", got)
	}

	_, err = r.Lookup("nope")
	if err == nil {
		t.Fatal("Lookup of an unknown name succeeded")
	}
	if want := `unknown engine "nope" (valid: alpha, beta, mid, zeta)`; err.Error() != want {
		t.Errorf("Lookup error = %q, want %q", err, want)
	}

	empty := NewRegistry()
	if len(empty.Names()) != 0 {
		t.Errorf("empty registry has names %v", empty.Names())
	}
	if _, err := empty.Lookup("x"); err == nil {
		t.Error("Lookup in an empty registry succeeded")
	}
}

func TestRegistryDuplicatePanics(t *testing.T) {
	tests := []struct {
		name string
		do   func()
	}{
		{"NewRegistry", func() { NewRegistry(fake("dup"), fake("dup")) }},
		{"Register", func() { NewRegistry(fake("dup")).Register(fake("dup")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				v := recover()
				if v == nil {
					t.Fatal("no panic on a duplicate name")
				}
				if s, _ := v.(string); !strings.Contains(s, `"dup"`) {
					t.Errorf("panic %v does not name the engine", v)
				}
			}()
			tt.do()
		})
	}
}

func TestUpperAllBytes(t *testing.T) {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	Upper(b)
	for i, c := range b {
		want := byte(i)
		if i >= 0x61 && i <= 0x7a {
			want = byte(i) - 0x20
		}
		if c != want {
			t.Errorf("Upper(0x%02x) = 0x%02x, want 0x%02x", i, c, want)
		}
	}
	Upper(nil) // must not panic
	s := []byte("Hello, wörld! az{`@[")
	Upper(s)
	if string(s) != "HELLO, WöRLD! AZ{`@[" {
		t.Errorf("Upper in place = %q", s)
	}
}
