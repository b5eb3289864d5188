package engine

import "github.com/echospec/echospec/spec/netaddr"

// The address helpers live at the floor, in package netaddr
// (spec/netaddr), so that the packages below the engines (faults/sock)
// need not import this one for them; the engines, their authors and the
// suites keep these names, each the same as netaddr's.
const (
	UnixPrefix = netaddr.UnixPrefix
	EnvAddr    = netaddr.EnvAddr
	EnvNetwork = netaddr.EnvNetwork
	EnvPath    = netaddr.EnvPath
)

// See package netaddr for each.
var (
	UnixAddr      = netaddr.UnixAddr
	Network       = netaddr.Network
	IsUnix        = netaddr.IsUnix
	CheckAddr     = netaddr.CheckAddr
	CheckLoopback = netaddr.CheckLoopback
	Listen        = netaddr.Listen
	ListenerAddr  = netaddr.ListenerAddr
	AddrFromEnv   = netaddr.AddrFromEnv
)
