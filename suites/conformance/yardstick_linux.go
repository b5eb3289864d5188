package conformance

import (
	"github.com/echospec/echospec/servers/blocking"
	"github.com/echospec/echospec/servers/engine"
)

// wakingEngine is the yardstick that pays a kernel wake-up per message,
// as an event loop on a thread of its own does: one thread per connection
// blocked in read(2) between messages (startYardstick).
func wakingEngine() (engine.Engine, string) {
	return blocking.Engine(), "a thread-per-connection echo server on blocking system calls"
}
