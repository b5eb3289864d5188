//go:build dragonfly || netbsd || openbsd

package all

import (
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/thirdparty/gnet"
)

// thirdPartyEngines is gnet alone on these BSDs: the kqueue code of evio,
// nbio and netpoll uses system-call constants Go defines only for macOS and
// FreeBSD, so they do not compile here.
func thirdPartyEngines() []engine.Engine {
	return []engine.Engine{gnet.Engine()}
}
