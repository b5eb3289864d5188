//go:build !linux

package iouring

import (
	"errors"

	"github.com/echospec/echospec/servers/engine"
)

// errUnavailable is the reason on every platform but Linux.
var errUnavailable = errors.New("io_uring unavailable: it is a Linux interface")

// Engine returns the io_uring engine, which cannot run here.
func Engine() engine.Engine { return ioEngine{} }

type ioEngine struct{}

func (ioEngine) Name() string                        { return "iouring" }
func (ioEngine) Model() string                       { return "io_uring completions (Linux only)" }
func (ioEngine) Profile() engine.Profile             { return engine.Profile{} }
func (ioEngine) Available() error                    { return errUnavailable }
func (ioEngine) Start(string) (engine.Server, error) { return nil, errUnavailable }

// Available always returns the reason: io_uring is Linux only.
func Available() error { return errUnavailable }

// Start always fails here.
func Start(string) (engine.Server, error) { return nil, errUnavailable }
