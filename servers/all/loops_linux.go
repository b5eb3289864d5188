//go:build linux

package all

import (
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/epoll"
	"github.com/echospec/echospec/servers/iouring"
	"github.com/echospec/echospec/servers/nonblocking"
	"github.com/echospec/echospec/servers/poll"
	"github.com/echospec/echospec/servers/selectloop"
)

// loopEngines are the non-blocking event-loop engines: polling, select,
// poll, epoll level- and edge-triggered.
func loopEngines() []engine.Engine {
	return []engine.Engine{
		nonblocking.Engine(),
		selectloop.Engine(),
		poll.Engine(),
		epoll.Engine(),
		epoll.EdgeEngine(),
		iouring.Engine(),
	}
}
