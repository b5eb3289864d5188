//go:build linux

package iouring_test

import (
	"testing"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/internal/enginetest"
	"github.com/echospec/echospec/servers/iouring"
)

func TestEngine(t *testing.T) {
	if err := iouring.Available(); err != nil {
		t.Skip(err)
	}
	enginetest.Run(t, iouring.Engine(), enginetest.Options{})
}

func TestChecker(t *testing.T) {
	if _, ok := iouring.Engine().(engine.Checker); !ok {
		t.Fatal("the iouring engine does not implement engine.Checker")
	}
	t.Setenv(iouring.DisableEnv, "1")
	err := engine.Available(iouring.Engine())
	if err == nil {
		t.Fatal("Available with io_uring disabled: nil")
	}
	if _, serr := iouring.Engine().Start("127.0.0.1:0"); serr == nil || serr.Error() != err.Error() {
		t.Fatalf("Start with io_uring disabled: %v; want %v", serr, err)
	}
}
