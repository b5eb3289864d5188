//go:build linux

package all

import (
	"github.com/echospec/echospec/servers/blocking"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/prefork"
	"github.com/echospec/echospec/servers/threadpool"
)

// threadEngines are the blocking-IO engines: thread per connection, thread
// pool, and prefork processes.
func threadEngines() []engine.Engine {
	return []engine.Engine{
		blocking.Engine(),
		threadpool.Engine(),
		prefork.Engine(),
	}
}
