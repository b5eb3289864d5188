//go:build linux

package all

import "github.com/echospec/echospec/servers/engine"

// platformEngines are the engines built on Linux-only system calls.
func platformEngines() []engine.Engine {
	var es []engine.Engine
	es = append(es, threadEngines()...)
	es = append(es, loopEngines()...)
	return es
}
