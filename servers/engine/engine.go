// Package engine defines what a server implementation is to echospec: an
// Engine that starts an upper-echo server on a loopback address and a Server
// that stops it. It also holds the explicit Registry of engines by name, the
// Profile of deviations an engine declares, and Upper, the protocol's byte
// transform shared by every reference engine.
package engine

import (
	"fmt"
	"reflect"
)

// Engine is one implementation of the upper-echo protocol.
type Engine interface {
	// Name is the registered name, e.g. "epoll".
	Name() string
	// Model is a one-line description of the IO model.
	Model() string
	// Profile is what the engine declares it does not do (SPEC.md §3).
	Profile() Profile
	// Start listens on addr (HOST:PORT; port 0 picks a free one) and serves
	// until Close. It returns once the server accepts connections.
	Start(addr string) (Server, error)
}

// Server is a running engine.
type Server interface {
	// Addr is the address the server listens on, with the real port.
	Addr() string
	// Close stops the server and returns only after every connection,
	// goroutine, thread and process the server started has ended.
	Close() error
}

// Func adapts a start function to an Engine, for engine authors who need no
// type of their own. start may return the author's own server type, e.g.
// func(addr string) (*myengine.Server, error): any type with Addr() string
// and Close() error will do. A start function that returns neither a
// server nor an error (a nil pointer, a nil interface) makes Start fail
// with an error that says so, rather than hand the suite a server it
// cannot call.
func Func[S Server](name, model string, profile Profile, start func(addr string) (S, error)) Engine {
	return funcEngine[S]{name: name, model: model, profile: profile, start: start}
}

type funcEngine[S Server] struct {
	name, model string
	profile     Profile
	start       func(addr string) (S, error)
}

func (f funcEngine[S]) Name() string     { return f.name }
func (f funcEngine[S]) Model() string    { return f.model }
func (f funcEngine[S]) Profile() Profile { return f.profile }

func (f funcEngine[S]) Start(addr string) (Server, error) {
	srv, err := f.start(addr)
	if err != nil {
		return nil, err
	}
	if isNil(srv) {
		return nil, fmt.Errorf("engine %s: start on %s returned no server and no error", f.name, addr)
	}
	return srv, nil
}

// isNil reports whether v is a nil interface or holds a nil pointer, map,
// slice, channel or func.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch r := reflect.ValueOf(v); r.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface, reflect.UnsafePointer:
		return r.IsNil()
	}
	return false
}

// Upper applies the protocol's transform in place: ASCII a..z become A..Z,
// every other byte value is left as it is.
func Upper(b []byte) {
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
}
