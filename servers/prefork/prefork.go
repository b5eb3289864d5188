//go:build linux

// Package prefork is the multi-process model: the parent opens one blocking
// loopback listening socket and re-executes its own binary N times
// (DefaultWorkers unless set) as worker processes that inherit it; each
// worker blocks in accept on the shared socket (the kernel hands every
// connection to one waiting worker) and serves each connection on its own
// locked OS thread with the blocking engine's code. The parent only
// supervises: it restarts a worker that dies, with a growing pause.
//
// What blocks: as in package blocking, a thread blocks in read, then write
// (backpressure; at most blocking.BufferSize, 16 KiB, of echo per connection
// in user space). What scales: workers share no memory, so a crash or leak
// is confined to one process and its connections, while the listen backlog
// survives it. Cost: a whole process per worker (a Go runtime each) plus a
// thread per connection. Limits: blocking.MaxConns connections per worker
// (declared in the Profile); connections of a worker that dies are lost.
package prefork

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/blocking"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/servers/internal/rawsock"
)

// DefaultWorkers is the number of worker processes of Engine.
const DefaultWorkers = 2

const (
	// workerEnv marks a worker process; its value is the parent's pid.
	workerEnv = "ECHOSPEC_PREFORK_WORKER"
	// The fds a worker inherits: the listening socket, and the write end of
	// a pipe on which it reports, with one byte, that it is accepting.
	listenFD = 3
	readyFD  = 4

	readyTimeout = 10 * time.Second // for a worker to report it is accepting
	stopGrace    = 3 * time.Second  // between SIGTERM and SIGKILL on Close
	minBackoff   = 50 * time.Millisecond
	maxBackoff   = 2 * time.Second
	stableAfter  = 10 * time.Second // a worker that lived this long resets the backoff
)

// Engine returns the prefork engine with DefaultWorkers worker processes.
func Engine() engine.Engine { return New(DefaultWorkers) }

// New returns a prefork engine with n worker processes (n ≥ 1).
func New(n int) engine.Engine {
	return engine.Func("prefork",
		fmt.Sprintf("prefork: %d worker processes sharing one blocking listening socket, one OS thread per connection", n),
		engine.Profile{
			MaxConns: n * blocking.MaxConns,
			Reason: fmt.Sprintf("%d worker processes of one OS thread per connection, at most %d each "+
				"(the Go runtime aborts a process past 10000 threads); more wait in the listen backlog", n, blocking.MaxConns),
		},
		func(addr string) (engine.Server, error) {
			s, err := Start(addr, n)
			if err != nil {
				return nil, err // not a nil *Server in a non-nil interface
			}
			return s, nil
		})
}

// Server is a running prefork engine: the supervising parent.
type Server struct {
	lf   *os.File // the listening socket, inherited by every worker
	lfd  int
	addr string
	exe  string
	env  []string

	done chan struct{} // closed by Close
	sup  blocking.Threads

	mu      sync.Mutex
	closing bool
	procs   []*os.Process // by worker slot; nil while none runs
	pids    []int

	once     sync.Once
	closeErr error
}

// Start listens on addr (loopback only), starts n worker processes and
// returns once every one of them is accepting.
func Start(addr string, n int) (*Server, error) {
	if n < 1 {
		return nil, fmt.Errorf("prefork engine: %d workers", n)
	}
	// /proc/self/exe is this very binary even if its file has since been
	// replaced or deleted (a test binary rebuilt under a running suite).
	exe := "/proc/self/exe"
	lfd, bound, err := rawsock.Listen(addr, rawsock.Options{})
	if err != nil {
		return nil, fmt.Errorf("prefork engine: %w", err)
	}
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, workerEnv+"=") })
	s := &Server{
		lf:    os.NewFile(uintptr(lfd), "prefork-listener"),
		lfd:   lfd,
		addr:  bound,
		exe:   exe,
		env:   append(env, workerEnv+"="+strconv.Itoa(os.Getpid())),
		done:  make(chan struct{}),
		procs: make([]*os.Process, n),
		pids:  make([]int, n),
	}
	started := make(chan error, n)
	for slot := range n {
		// The supervisor forks from its own locked thread, and keeps it for
		// as long as the worker lives: Pdeathsig fires when the forking
		// *thread* ends, so a thread that might exit (any locked goroutine
		// ending elsewhere in this process) must never be the one to fork.
		s.sup.Go(func() { s.supervise(slot, started) })
	}
	var errs []error
	for range n {
		if err := <-started; err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		s.Close()
		return nil, fmt.Errorf("prefork engine: %w", errors.Join(errs...))
	}
	return s, nil
}

// Addr returns the listening address.
func (s *Server) Addr() string { return s.addr }

// WorkerPIDs returns the process ids of the workers running now, by slot (0
// for a slot whose worker is being restarted).
func (s *Server) WorkerPIDs() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.pids)
}

// Close stops the server: it stops the shared socket listening (waking every
// worker's accept), sends every worker SIGTERM (a worker then shuts its
// connections down and exits), sends SIGKILL to any still alive after
// stopGrace, and returns once every worker has been reaped and every
// supervising thread has exited. The listening fd is closed last.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.mu.Lock()
		s.closing = true
		close(s.done)
		s.mu.Unlock()
		err := unix.Shutdown(s.lfd, unix.SHUT_RDWR)
		s.signalAll(syscall.SIGTERM)
		stopped := make(chan struct{})
		go func() {
			s.sup.Wait()
			close(stopped)
		}()
		select {
		case <-stopped:
		case <-time.After(stopGrace):
			s.signalAll(syscall.SIGKILL)
			<-stopped
		}
		s.closeErr = errors.Join(err, s.lf.Close())
	})
	return s.closeErr
}

func (s *Server) signalAll(sig os.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.procs {
		if p != nil {
			p.Signal(sig) // through a pidfd: never hits a reused pid
		}
	}
}

// setProc records the worker of slot (nil: none), and reports whether the
// server is closing, in which case a new worker must be stopped at once:
// Close may already have signalled the others.
func (s *Server) setProc(slot int, p *os.Process) (closing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.procs[slot] = p
	s.pids[slot] = 0
	if p != nil {
		s.pids[slot] = p.Pid
	}
	return s.closing
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// supervise keeps a worker running in slot until Close. The first start's
// outcome goes to started; if it fails, supervise gives up (Start fails).
func (s *Server) supervise(slot int, started chan<- error) {
	backoff := minBackoff
	for first := true; ; first = false {
		cmd, err := s.spawn(slot)
		if first {
			started <- err
			if err != nil {
				return
			}
		}
		if s.isClosing() {
			if cmd != nil {
				cmd.Wait() // Close signals it
				s.setProc(slot, nil)
			}
			return
		}
		if err == nil {
			since := time.Now()
			err = cmd.Wait()
			s.setProc(slot, nil)
			if s.isClosing() {
				return
			}
			if time.Since(since) >= stableAfter {
				backoff = minBackoff
			}
			if err == nil {
				err = errors.New("exited")
			}
			err = fmt.Errorf("worker %d (pid %d): %w", slot, cmd.Process.Pid, err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-s.done:
			t.Stop()
			return // the death was part of stopping (e.g. SIGTERM to the process group)
		case <-t.C:
		}
		fmt.Fprintf(os.Stderr, "echospec prefork: %v; restarting after %v\n", err, backoff)
		backoff = min(2*backoff, maxBackoff)
	}
}

// spawn starts a worker for slot and waits until it reports it is
// accepting. On error no worker of this spawn is left running.
func (s *Server) spawn(slot int) (*exec.Cmd, error) {
	if s.isClosing() {
		return nil, errors.New("closing")
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cmd := &exec.Cmd{
		Path:       s.exe,
		Args:       []string{os.Args[0], "prefork-worker"},
		Env:        s.env,
		ExtraFiles: []*os.File{s.lf, w}, // fds 3 and 4
		Stderr:     os.Stderr,
		SysProcAttr: &syscall.SysProcAttr{
			// The worker dies with its parent. No Setpgid: workers stay in
			// the parent's process group, where tools expect them.
			Pdeathsig: syscall.SIGKILL,
		},
	}
	err = cmd.Start()
	w.Close() // the worker holds the only write end: EOF if it dies first
	if err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	if s.setProc(slot, cmd.Process) {
		cmd.Process.Signal(syscall.SIGTERM)
	}
	r.SetReadDeadline(time.Now().Add(readyTimeout))
	var b [1]byte
	if _, err = io.ReadFull(r, b[:]); err != nil {
		cmd.Process.Kill()
		werr := cmd.Wait()
		s.setProc(slot, nil)
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("worker pid %d ended before accepting: %v", cmd.Process.Pid, werr)
		}
		return nil, fmt.Errorf("worker pid %d not accepting: %w", cmd.Process.Pid, err)
	}
	return cmd, nil
}
