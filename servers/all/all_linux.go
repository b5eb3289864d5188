//go:build linux

package all

import "github.com/echospec/echospec/servers/engine"

// platformEngines are the engines built on Linux-only system calls.
func platformEngines() []engine.Engine {
	return []engine.Engine{}
}
