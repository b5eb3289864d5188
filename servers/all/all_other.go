//go:build !linux

package all

import "github.com/echospec/echospec/servers/engine"

// platformEngines is empty where the syscall engines do not build.
func platformEngines() []engine.Engine { return nil }
