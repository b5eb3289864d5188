package faulty

// FAULTY ON PURPOSE: a fixed pool of 16 workers, each holding one
// connection for the connection's whole life.

import (
	"net"

	"github.com/echospec/echospec/spec"
)

// poolWorkers is the worker-pool server's number of workers.
const poolWorkers = 16

func init() { register(workerPool16) }

func workerPool16() Bug {
	return withEngine(Bug{
		Name:     "worker-pool-16",
		Category: spec.CatSlowClient,
		Defect:   "serves connections with 16 worker goroutines that each keep a connection until it closes and declares no max-conns: the 17th concurrent connection waits until one of the first 16 closes",
		Models:   "a fixed thread pool with blocking I/O per connection, sized for requests rather than connections",
		Aims:     catches(spec.Stall, "S2"),
		Catches:  catches(spec.Stall, "E7", "E7p", "C1"),
	}, skeleton(hooks{
		start: func(s *server) {
			work := make(chan *net.TCPConn)
			s.work = work
			for range poolWorkers {
				s.wg.Add(1)
				go func() {
					defer s.wg.Done()
					for {
						select {
						case c := <-work:
							s.echo(c, nil)
						case <-s.quit:
							return
						}
					}
				}()
			}
		},
		dispatch: func(s *server, c *net.TCPConn) {
			select {
			case s.work <- c: // BUG: blocks the accept loop while all 16 are busy
			case <-s.quit:
				s.drop(c)
			}
		},
	}))
}
