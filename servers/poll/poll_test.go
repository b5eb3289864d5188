//go:build linux

package poll_test

import (
	"testing"

	"github.com/echospec/echospec/servers/internal/enginetest"
	"github.com/echospec/echospec/servers/poll"
)

func TestEngine(t *testing.T) { enginetest.Run(t, poll.Engine(), enginetest.Options{}) }
