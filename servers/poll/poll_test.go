//go:build linux

package poll_test

import (
	"testing"

	"github.com/echospec/echospec/servers/internal/loop/looptest"
	"github.com/echospec/echospec/servers/poll"
)

func TestEngine(t *testing.T) { looptest.Run(t, poll.Engine()) }
