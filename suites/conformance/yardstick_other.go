//go:build !linux

package conformance

import (
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/goroutine"
)

// wakingEngine is the goroutine server outside Linux, where the
// thread-per-connection engine is not built (startYardstick).
func wakingEngine() (engine.Engine, string) {
	return goroutine.Engine(), "a goroutine echo server"
}
