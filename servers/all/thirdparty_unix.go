//go:build darwin || freebsd || linux

package all

import (
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/thirdparty/evio"
	"github.com/echospec/echospec/servers/thirdparty/gnet"
	"github.com/echospec/echospec/servers/thirdparty/nbio"
	"github.com/echospec/echospec/servers/thirdparty/netpoll"
)

// thirdPartyEngines adapt popular Go IO engines (gnet, evio, nbio, netpoll).
// All four run their own epoll/kqueue loops on Linux, macOS and FreeBSD.
func thirdPartyEngines() []engine.Engine {
	return []engine.Engine{gnet.Engine(), evio.Engine(), nbio.Engine(), netpoll.Engine()}
}
