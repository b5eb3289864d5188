//go:build !linux

package main

import "io"

// printStatsOnSIGUSR1 does nothing here: no engine keeps counters.
func printStatsOnSIGUSR1(string, io.Writer) {}
