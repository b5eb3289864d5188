//go:build linux

package all

import "github.com/echospec/echospec/servers/engine"

// loopEngines are the non-blocking event-loop engines: polling, select,
// poll, epoll level- and edge-triggered.
func loopEngines() []engine.Engine {
	return nil
}
