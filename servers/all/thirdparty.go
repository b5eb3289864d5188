package all

import "github.com/echospec/echospec/servers/engine"

// thirdPartyEngines adapt popular Go IO engines (gnet, evio, nbio, netpoll).
func thirdPartyEngines() []engine.Engine {
	return nil
}
