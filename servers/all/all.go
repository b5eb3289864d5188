// Package all builds the registry of every built-in engine. It is the one
// place that knows them all; the suite and the echoserver command use it.
package all

import (
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/goroutine"
)

// Registry returns a new registry holding every built-in engine available on
// this platform.
func Registry() *engine.Registry {
	r := engine.NewRegistry(goroutine.Engine())
	for _, e := range append(platformEngines(), thirdPartyEngines()...) {
		r.Register(e)
	}
	return r
}
