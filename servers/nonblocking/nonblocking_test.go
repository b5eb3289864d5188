//go:build linux

package nonblocking_test

import (
	"testing"

	"github.com/echospec/echospec/servers/internal/loop/looptest"
	"github.com/echospec/echospec/servers/nonblocking"
)

func TestEngine(t *testing.T) { looptest.Run(t, nonblocking.Engine()) }
