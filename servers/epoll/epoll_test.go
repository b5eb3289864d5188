//go:build linux

package epoll_test

import (
	"testing"

	"github.com/echospec/echospec/servers/epoll"
	"github.com/echospec/echospec/servers/internal/loop/looptest"
)

func TestLevel(t *testing.T) { looptest.Run(t, epoll.Engine()) }

func TestEdge(t *testing.T) { looptest.Run(t, epoll.EdgeEngine()) }
