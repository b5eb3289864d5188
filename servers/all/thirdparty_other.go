//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package all

import "github.com/echospec/echospec/servers/engine"

// thirdPartyEngines is empty where none of the third-party engines has an
// event loop of its own: netpoll does not build there, and gnet, evio and
// nbio fall back to emulations on the net package.
func thirdPartyEngines() []engine.Engine { return nil }
