//go:build !linux

package toxi

import "net/netip"

func sightings(netip.AddrPort) ([]sighting, error) { return nil, ErrUnsupported }

func lookupEnd(local, remote netip.AddrPort) (End, error) { return End{}, ErrUnsupported }
