package engine

import (
	"fmt"
	"sort"
	"strings"
)

// Registry maps engine names to engines. It is an ordinary value: whoever
// needs one builds it (see package servers/all for the built-in engines).
type Registry struct {
	engines map[string]Engine
}

// NewRegistry returns a registry holding the given engines.
func NewRegistry(engines ...Engine) *Registry {
	r := &Registry{engines: map[string]Engine{}}
	for _, e := range engines {
		r.Register(e)
	}
	return r
}

// Register adds e. It panics on a duplicate name: that is a programming error.
func (r *Registry) Register(e Engine) {
	if _, dup := r.engines[e.Name()]; dup {
		panic(fmt.Sprintf("engine %q registered twice", e.Name()))
	}
	r.engines[e.Name()] = e
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.engines))
	for n := range r.engines {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the engine called name, or an error listing the valid names.
func (r *Registry) Lookup(name string) (Engine, error) {
	e, ok := r.engines[name]
	if !ok {
		return nil, fmt.Errorf("unknown engine %q (valid: %s)", name, strings.Join(r.Names(), ", "))
	}
	return e, nil
}
