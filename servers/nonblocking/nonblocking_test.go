//go:build linux

package nonblocking_test

import (
	"testing"

	"github.com/echospec/echospec/servers/internal/enginetest"
	"github.com/echospec/echospec/servers/nonblocking"
)

func TestEngine(t *testing.T) { enginetest.Run(t, nonblocking.Engine(), enginetest.Options{}) }
