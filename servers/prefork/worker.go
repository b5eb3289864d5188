//go:build linux

package prefork

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/echospec/echospec/servers/blocking"
)

// init makes every binary that links this package (the echoserver command,
// test binaries, the conformance suite) usable as its own worker: a worker
// is this same binary re-executed, and it must turn into a worker before the
// program does anything else. Go runs this init after the packages prefork
// imports, and possibly after unrelated packages whose import paths sort
// first, but before any package that imports prefork and before main.
func init() { RunWorkerIfChild() }

// RunWorkerIfChild returns at once in an ordinary process. In a worker
// process started by Start it serves connections until the parent stops it,
// then exits the process: it never returns. It runs from this package's
// init; a main package may call it too, first thing, to make it explicit.
func RunWorkerIfChild() {
	v, ok := os.LookupEnv(workerEnv)
	if !ok {
		return
	}
	os.Exit(runWorker(v))
}

// runWorker serves the inherited listening socket (fd 3) with blocking IO
// and a thread per connection until SIGTERM, and returns the exit status.
func runWorker(parent string) int {
	os.Unsetenv(workerEnv)
	// Pdeathsig is armed in the child before exec; if the parent died even
	// earlier, we have been reparented already and nobody will stop us.
	if ppid, err := strconv.Atoi(parent); err != nil || os.Getppid() != ppid {
		fmt.Fprintf(os.Stderr, "echospec prefork worker: parent %q is gone\n", parent)
		return 1
	}
	// A terminal's ^C reaches the whole process group: leave it to the
	// parent, which stops the workers itself.
	signal.Ignore(syscall.SIGINT)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)

	if v, err := unix.GetsockoptInt(listenFD, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil || v != 1 {
		fmt.Fprintf(os.Stderr, "echospec prefork worker: fd %d is not a listening socket (%v)\n", listenFD, err)
		return 2
	}
	unix.CloseOnExec(listenFD)
	unix.CloseOnExec(readyFD)

	// Settle the worker's own fds before reporting ready, so that a count
	// taken once Start returns is the one an idle worker goes back to:
	//   - the Go runtime opens its network poller (an epoll fd and an
	//     eventfd) the first time any timer is armed (the GC's scavenger,
	//     an accept back-off...), which in a worker otherwise happens only
	//     under load, as two fds that stay for the life of the process;
	//   - accept4 reserves the new connection's fd number before it blocks,
	//     so an idle worker has one more fd open (counted by the kernel in
	//     /proc/PID/fd's size, not listed) once its accept thread waits.
	time.AfterFunc(time.Hour, func() {}).Stop()
	conns := blocking.NewConns(blocking.MaxConns)
	var accept blocking.Threads
	tid := make(chan int, 1)
	accept.Go(func() {
		tid <- unix.Gettid()
		conns.AcceptLoop(listenFD)
	})
	waitInAccept(<-tid, time.Now().Add(acceptWait))
	_, err := unix.Write(readyFD, []byte{1})
	unix.Close(readyFD)
	if err != nil {
		return 1
	}

	<-stop
	// The socket is shared with the other workers: shutting it down here
	// would stop them all, so it is left to the parent, which does it on
	// Close. Connections are this worker's own: end them, wait for their
	// threads, and exit; the accept thread, if still blocked, ends with the
	// process.
	conns.Shutdown()
	conns.Wait()
	return 0
}

// acceptWait bounds how long a starting worker waits to see its accept
// thread blocked in accept4 before reporting ready anyway.
const acceptWait = time.Second

// waitInAccept waits until thread tid of this process is blocked in the
// accept4 system call (/proc/self/task/TID/syscall names the call a
// blocked thread is in), or until deadline.
func waitInAccept(tid int, deadline time.Time) {
	want := strconv.Itoa(unix.SYS_ACCEPT4) + " "
	path := "/proc/self/task/" + strconv.Itoa(tid) + "/syscall"
	for {
		b, err := os.ReadFile(path)
		if err != nil || strings.HasPrefix(string(b), want) || time.Now().After(deadline) {
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
}
