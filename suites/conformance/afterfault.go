package conformance

// The check after a fault (afterFault): whether a fault left the server
// serving every other connection exactly.

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/faults/sock"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/spec"
)

// afterFault is the last check of every spec that faults the server
// (resets, cut or held connections, EMFILE): the same server instance,
// the fault over, must keep afterFaultConns connections at once apart,
// each exchanging its own payload in afterFaultChunk writes, read only
// after afterFaultDelay through a narrow window (bounds.go says why), all
// within afterFaultLimit. A server that shares state between connections only
// after a fault passes every check that runs one connection at a time;
// this one mixes their bytes. fault says what the fault was; the failure
// names the spec and the fault, the connection and its error, with the
// kind of the worst error any connection met (afterFaultOrder), so that
// the kind does not depend on which connection failed first.
func (r *run) afterFault(ctx context.Context, fault string) {
	GinkgoHelper()
	where := fmt.Sprintf("after the fault (%s: %s)", currentID(), fault)
	n := r.fit(afterFaultConns, 0, "connections in the check after the fault")
	ctx, cancel := context.WithTimeout(ctx, afterFaultLimit)
	defer cancel()
	t0 := time.Now()
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := sock.DialNarrow(ctx, r.inst.Addr(), afterFaultRcvBuf, afterFaultMSS)
		if err != nil {
			noErr(connectFailed(ctx, err), "%s: connection %d of %d", where, i+1, n)
		}
		c = trackedFault(c, "SO_RCVBUF %d and TCP_MAXSEG %d before the connect", afterFaultRcvBuf, afterFaultMSS)
		DeferCleanup(func() { c.Close() })
		conns[i] = c
	}
	errs := make([]error, n)
	o := verify.Options{Stall: afterFaultLimit, ReadDelay: afterFaultDelay, Chunks: func(int) int { return afterFaultChunk }}
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			_, errs[i] = r.s.exchange(ctx, c, seeds().Random(afterFaultSize, afterFaultSeed+uint64(i)), o)
		})
	}
	wg.Wait()
	took := time.Since(t0)
	bound("exchange after the fault", ms(took), ms(afterFaultLimit), "ms")
	failed, worst := 0, -1
	for i, err := range errs {
		if err == nil {
			continue
		}
		failed++
		if worst < 0 || afterFaultRank(kindOf(err)) < afterFaultRank(kindOf(errs[worst])) {
			worst = i
		}
	}
	if worst >= 0 {
		noErr(kinded(kindOf(errs[worst]), fmt.Errorf("connection %d of %d: %w (%d of %d connections failed, %s each, at once, in %v)",
			worst+1, n, errs[worst], failed, n, size(afterFaultSize), took.Round(time.Millisecond))), "%s", where)
	}
	AddReportEntry("after the fault", fmt.Sprintf("%s: %d connections at once, %s each, read from %v on, every echo exact, in %v",
		fault, n, size(afterFaultSize), afterFaultDelay, took.Round(time.Microsecond)))
}

// afterFaultSeed numbers afterFault's payload streams (seeds), one per
// connection, so that no two are alike.
const afterFaultSeed = 0xaf7e

// afterFaultOrder ranks the kinds afterFault may see, the one it reports
// first: a wrong byte is the news whatever else went wrong beside it
// (connections that share a buffer may also stall or close), then the
// ways an echo can go missing, then the rest.
var afterFaultOrder = []spec.Kind{spec.WrongByte, spec.Extra, spec.Lost, spec.EarlyClose, spec.Stall, spec.Refused}

func afterFaultRank(k spec.Kind) int {
	if i := slices.Index(afterFaultOrder, k); i >= 0 {
		return i
	}
	return len(afterFaultOrder)
}
