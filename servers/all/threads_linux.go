//go:build linux

package all

import "github.com/echospec/echospec/servers/engine"

// threadEngines are the blocking-IO engines: thread per connection, thread
// pool, and prefork processes.
func threadEngines() []engine.Engine {
	return nil
}
