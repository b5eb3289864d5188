// Package inprocess_test shows an engine author's own Ginkgo suite running
// the whole echospec conformance suite against an in-process server: the
// example the README quotes. Run it with
//
//	go tool ginkgo run ./examples/inprocess
package inprocess_test

import (
	"net"
	"sync"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/suites/conformance"
)

func TestMyEngine(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "my engine against echospec")
}

// One line registers every conformance spec against the engine.
var _ = conformance.Specs(target.InProcess(
	engine.Func("my-engine", "goroutine per connection, 32 KiB buffer", engine.Profile{}, startMyServer),
))

// startMyServer is the engine under test: any server that listens on addr
// and can be closed will do.
func startMyServer(addr string) (engine.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &myServer{ln: ln, conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

type myServer struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
}

func (s *myServer) Addr() string { return s.ln.Addr().String() }

func (s *myServer) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *myServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(c)
	}
}

func (s *myServer) serve(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		for i, b := range buf[:n] {
			if 'a' <= b && b <= 'z' {
				buf[i] = b - 32
			}
		}
		if _, werr := c.Write(buf[:n]); werr != nil {
			return
		}
		if err != nil { // EOF: everything is echoed; answer FIN with FIN
			c.(*net.TCPConn).CloseWrite()
			return
		}
	}
}
