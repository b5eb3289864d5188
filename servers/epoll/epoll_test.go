//go:build linux

package epoll_test

import (
	"testing"

	"github.com/echospec/echospec/servers/epoll"
	"github.com/echospec/echospec/servers/internal/enginetest"
)

func TestLevel(t *testing.T) { enginetest.Run(t, epoll.Engine(), enginetest.Options{}) }

func TestEdge(t *testing.T) { enginetest.Run(t, epoll.EdgeEngine(), enginetest.Options{}) }
