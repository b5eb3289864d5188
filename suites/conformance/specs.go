package conformance

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/echospec/echospec/faults/toxi"
	"github.com/echospec/echospec/fixtures/payload"
	"github.com/echospec/echospec/fixtures/verify"
	"github.com/echospec/echospec/spec"
)

// Def is one spec's definition: its ID, labels and timeout, the
// requirement a user reads, how it is measured and the failure kinds it
// can raise. Catalog holds them all; the specs, SPEC.md and the README's
// tables are built from it.
type Def struct {
	ID       string
	Category spec.Category
	Level    spec.Level
	Timeout  time.Duration
	// Text is the requirement, one sentence, built from the named bounds.
	Text string
	// Measure says how the spec checks it: what it does, what it
	// measures, its bound.
	Measure string
	// Kinds are the failure kinds the spec raises when the server is at
	// fault, besides crash (which any spec may raise) and stall (a spec whose
	// time runs out, budget). (A []spec.Kind, not a spec.Kinds: the spec
	// version hashes each Def's Go syntax, type names included.)
	Kinds []spec.Kind
	// Proxied: the spec also runs through toxiproxy with no toxic, as
	// ID+"p".
	Proxied bool
	// OnlyWhenAsked: the spec runs only when its label is in the label
	// filter (C2, label c10k).
	OnlyWhenAsked string
	// NeedsProcess: the spec probes the server's own process (/proc), and
	// is skipped where the suite has none.
	NeedsProcess bool
	// Long: the spec runs in the long-running group (label long), in
	// order on one process, while E13's connections idle.
	Long bool
	// TCP, when set, says why the spec needs TCP (toxiproxy, an RST,
	// TCP_INFO): it is skipped, with that reason, for a target on a
	// Unix-domain socket.
	TCP string
	// AfterFault: the spec faults the server (resets, cut or held
	// connections, EMFILE), and ends with the check after the fault
	// (afterFault): its Measure says so, and its Kinds include the
	// check's (afterFaultKinds).
	AfterFault bool
}

// afterFaultKinds are the kinds the check after a fault raises.
var afterFaultKinds = []spec.Kind{spec.Refused, spec.WrongByte, spec.Extra, spec.EarlyClose, spec.Stall}

// withAfterFault completes the definitions of the specs that end with the
// check after the fault: the sentence that says so, and its kinds.
func withAfterFault(defs []Def) []Def {
	for i, d := range defs {
		if !d.AfterFault {
			continue
		}
		defs[i].Measure += fmt.Sprintf("; then, the fault over, the same server must keep %d connections at once apart, each its own %s, "+
			"read only after %s through a %s receive buffer with %d-byte segments, so that its writes block with echo unsent while the others are read; "+
			"every echo exact within %s in all (a failure there says \"after the fault\")",
			afterFaultConns, size(afterFaultSize), dur(afterFaultDelay), size(afterFaultRcvBuf), afterFaultMSS, dur(afterFaultLimit))
		defs[i].Kinds = spec.KindsOf(append(slices.Clone(d.Kinds), afterFaultKinds...)...)
	}
	return defs
}

// Why specs need TCP (Def.TCP).
const (
	viaToxiproxy = "it runs through toxiproxy, which proxies TCP"
	resets       = "it resets connections (RST via SO_LINGER 0), which only TCP has"
	readsTCPInfo = "it reads the connection's TCP state (TCP_INFO)"
)

// Catalog returns every spec's definition, in the suite's order. Proxied
// variants (E1p …) are not listed apart: see Def.Proxied.
func Catalog() []Def { return catalogOnce() }

// Lookup returns the definition of id, proxied variants included.
func Lookup(id string) (Def, bool) {
	base, proxied := strings.CutSuffix(id, "p")
	for _, d := range Catalog() {
		if d.ID == id {
			return d, true
		}
		if proxied && d.Proxied && d.ID == base {
			p := d
			p.ID = id
			p.Text += " (through toxiproxy)"
			p.TCP = viaToxiproxy
			return p, true
		}
	}
	return Def{}, false
}

// IDs lists every spec ID, proxied variants included, in the suite's order.
func IDs() []string {
	var ids []string
	for _, d := range Catalog() {
		ids = append(ids, d.ID)
		if d.Proxied {
			ids = append(ids, d.ID+"p")
		}
	}
	return ids
}

var catalogOnce = sync.OnceValue(func() []Def {
	echo := []spec.Kind{spec.WrongByte, spec.Lost, spec.Extra, spec.EarlyClose, spec.Stall}
	closing := append(echo[:len(echo):len(echo)], spec.NoEOF, spec.RSTClose)
	serving := []spec.Kind{spec.Refused, spec.WrongByte, spec.EarlyClose, spec.Stall}
	timing := append([]spec.Kind{spec.Timing}, echo...)
	return withAfterFault([]Def{
		{ID: "E1", Category: spec.CatEcho, Level: spec.Must, Timeout: quick, Proxied: true, Kinds: echo,
			Text:    "a single byte comes back uppercased, and nothing else",
			Measure: fmt.Sprintf("sends `q`, expects `Q`, then reads %s more to catch extra bytes", dur(extraWait))},
		{ID: "E2", Category: spec.CatEcho, Level: spec.Must, Timeout: quick, Proxied: true, Kinds: echo,
			Text:    "all 256 byte values come back, a..z uppercased, every other byte unchanged",
			Measure: "sends 0x00..0xff in order; the first wrong byte's offset, wanted, got and sent values are reported"},
		{ID: "E3", Category: spec.CatEcho, Level: spec.Must, Timeout: standard, Proxied: true, Kinds: echo,
			Text: fmt.Sprintf("%s ping-pong round trips on one connection each get their exact echo", count(pingPongRounds)),
			Measure: fmt.Sprintf("%s messages of 1..%d random bytes, each sent after the previous echo is complete; round-trip times reported",
				count(pingPongRounds), pingPongMaxSize)},
		{ID: "E4", Category: spec.CatEcho, Level: spec.Must, Timeout: standard, Proxied: true, Kinds: echo,
			Text:    fmt.Sprintf("%s written without waiting for the echo comes back exact", size(pipelinedSmall)),
			Measure: "written in 64 KiB chunks while the echo is read concurrently; throughput reported"},
		{ID: "E5", Category: spec.CatEcho, Level: spec.Must, Timeout: long, Proxied: true, Kinds: echo,
			Text:    fmt.Sprintf("%s written without waiting for the echo comes back exact", size(pipelinedLarge)),
			Measure: fmt.Sprintf("as E4; no progress for %s is a stall", dur(largeStall))},
		{ID: "E6", Category: spec.CatEcho, Level: spec.Must, Timeout: standard, Proxied: true, Kinds: echo,
			Text: fmt.Sprintf("%s sent in random chunks of 1..%d bytes with random pauses comes back exact", size(chunkedSize), chunkMax),
			Measure: fmt.Sprintf("one write in %d is followed by a pause, spent waiting until the server has read everything written (the kernel's count at the server's end, or at the proxy's link to it: sock_diag, for at most %s), and the next write follows at once: "+
				"the server's reads end at odd offsets and more input comes right after, whatever the host's load; where the kernel cannot be asked, a pause of up to %s",
				chunkPauseEvery, dur(verify.DrainMax), dur(chunkPauseMax))},
		{ID: "E7", Category: spec.CatEcho, Level: spec.Must, Timeout: long, Proxied: true, Kinds: echo,
			Text: fmt.Sprintf("%d concurrent connections each get their own payload back, with no cross-talk", crossTalkConns),
			Measure: fmt.Sprintf("each payload (%s) starts with its connection's number, so cross-talk shows at once; scaled to max-conns if declared",
				size(crossTalkSize))},
		{ID: "E8", Category: spec.CatEcho, Level: spec.Must, Timeout: standard, Kinds: closing,
			Text:    "after the client's FIN the server echoes everything it received, then closes (EOF)",
			Measure: fmt.Sprintf("%s, then FIN; the echo, then EOF, must follow", size(halfCloseSize))},
		{ID: "E9", Category: spec.CatEcho, Level: spec.Must, Timeout: standard, Kinds: closing,
			Text:    fmt.Sprintf("%d short connections in a row, each message then FIN, each get the echo and a clean close (FIN, never RST)", shortConns),
			Measure: fmt.Sprintf("messages of 100 bytes to about 50 KiB; no progress for %s is a stall", dur(shortStall))},
		{ID: "E10", Category: spec.CatEcho, Level: spec.Must, Timeout: standard, Proxied: true, Kinds: serving,
			Text:    fmt.Sprintf("after %d connections opened and closed without data, the server still echoes", emptyConns),
			Measure: fmt.Sprintf("then a %d-byte exchange on a new connection", emptyAfter)},
		{ID: "E11", Category: spec.CatEcho, Level: spec.Must, Long: true, Timeout: standard, Proxied: true, Kinds: echo,
			Text:    fmt.Sprintf("a connection left idle for %s still echoes", dur(idleShort)),
			Measure: "an exchange before and after the idle time"},
		{ID: "E12", Category: spec.CatEcho, Level: spec.Must, Timeout: standard, Kinds: closing,
			Text: fmt.Sprintf("after the client's FIN the server still echoes all of %s to a client that starts reading only %s later, then closes (EOF)",
				size(lateReadSize), dur(lateReadDelay)),
			Measure: fmt.Sprintf("the echo piles up in the server while the client writes and sends FIN; the client starts reading only once the echo has met full sockets, however slowly a busy host let it get there (at most half the stall time): the echo waiting for the client has not grown for 50 ms and, where the kernel can say (TCP on Linux, sock_diag), the server's send buffer is full and has not changed for as long; a server that gives up on pending echo at FIN loses it; %d such connections one after another, each with its own payload: whether echo is still queued when a server reads the FIN can be a race of its own threads", lateReadConns)},
		{ID: "E13", Category: spec.CatEcho, Level: spec.Should, Long: true, Timeout: long + longIdle, Kinds: echo,
			Text: fmt.Sprintf("%d connections left idle for %s still echo", longIdleConns, dur(longIdle)),
			Measure: fmt.Sprintf("the connections are opened, each exchanges once, and are checked again after at least %s; "+
				"they idle while the other long-running specs of their group run", dur(longIdle))},

		{ID: "E14", Category: spec.CatEcho, Level: spec.Must, Timeout: hugeStreamTime, OnlyWhenAsked: spec.HugeStreamLabel, Kinds: echo,
			Text: fmt.Sprintf("one connection's stream of 4 GiB + %s, past 2³¹ and 2³² bytes, comes back exact (no 32-bit count of a connection's bytes wraps)",
				size(hugeStreamPast)),
			Measure: fmt.Sprintf("written in 256 KiB chunks while the echo is read and checked concurrently, at memory speed; every byte depends on its offset (a %s-byte prime pattern, and the offset stamped every %d bytes), so bytes from the wrong offset show within %d bytes, and the first wrong offset is reported; "+
				"no progress for %s is a stall, a slow stream is not (its timeout, %s, is the stream at %.0f MB/s); throughput reported. "+
				"It moves 8 GiB through the server (on a 2-core host at load averages of 6 to 20: 7 to 18 s for most built-in engines, at 220 to 580 MiB/s; evio 17 to 29 s, netpoll 24 to 47 s; the Python asyncio example 35 s to 2 min, at 34 to 117 MiB/s), so it runs only when asked: --label-filter=%s, or a --focus that names it",
				count(payload.PositionalPeriod), payload.StampEvery, payload.StampEvery, dur(hugeStall), dur(hugeStreamTime), float64(hugeStream)/1e6/hugeStreamTime.Seconds(), spec.HugeStreamLabel)},

		{ID: "R1", AfterFault: true, Category: spec.CatReset, Level: spec.Must, Timeout: standard, TCP: resets, Kinds: serving,
			Text: "a client that resets while the server has echo pending for it disturbs no other connection, and new connections are served",
			Measure: fmt.Sprintf("the resetting client sends up to %s without reading, then RST (SO_LINGER 0); another connection's %s exchange runs throughout",
				size(resetHogLimit), size(resetOtherSize))},
		{ID: "R2", AfterFault: true, Category: spec.CatReset, Level: spec.Must, Timeout: standard, TCP: resets, Kinds: serving,
			Text:    fmt.Sprintf("a reset in the middle of a %s upload leaves the server serving", size(resetUpload)),
			Measure: "RST after half the upload, while the echo flows; then a new connection's exchange"},
		{ID: "R3", AfterFault: true, Category: spec.CatReset, Level: spec.Must, Timeout: standard, TCP: viaToxiproxy, Kinds: append(serving, spec.NoFault),
			Text: "toxiproxy reset_peer on the upstream path: the reset connection fails, the server survives, another connection is unaffected",
			Measure: fmt.Sprintf("reset_peer after %s on a %s exchange paced to outlast it; the reset must be seen by the client (else no-fault); a direct %s exchange runs throughout",
				dur(resetPeerAfter), size(resetPeerSize), size(resetPeerOther))},
		{ID: "R4", AfterFault: true, Category: spec.CatReset, Level: spec.Must, Timeout: standard, TCP: viaToxiproxy, Kinds: append(serving, spec.NoFault),
			Text:    "toxiproxy reset_peer on the downstream path: the reset connection fails, the server survives, another connection is unaffected",
			Measure: "as R3, with the toxic on the server-to-client path"},
		{ID: "R5", AfterFault: true, Category: spec.CatReset, Level: spec.Must, Timeout: standard, TCP: readsTCPInfo + " to prove its FIN was acknowledged", Kinds: append(serving, spec.NoFault),
			Text: "a client that sends FIN and then closes without reading, while the server has echo pending for it, does not kill the server (its write meets EPIPE; no SIGPIPE death)",
			Measure: fmt.Sprintf("%d clients with a tiny receive buffer each send while the server keeps taking data, then FIN; once the FIN is acknowledged (TCP_INFO: FIN_WAIT2, "+
				"within %s, else no-fault) they close with unread echo, so the server in CLOSE_WAIT gets an RST and its next write fails with EPIPE", sigpipeClients, dur(sigpipeFINLimit))},
		{ID: "R6", AfterFault: true, Category: spec.CatReset, Level: spec.Must, Timeout: long, TCP: resets, Kinds: serving,
			Text:    fmt.Sprintf("after a storm of %s connect-then-reset cycles the server still echoes, and a connection open through the storm is intact", count(stormResets)),
			Measure: "each cycle connects and resets at once (SO_LINGER 0)"},

		{ID: "W1", Category: spec.CatPartialWrite, Level: spec.Must, Timeout: standard, TCP: viaToxiproxy, Kinds: echo,
			Text:    "toxiproxy slicer in both directions: the server reads and writes in tiny fragments, and the echo is exact",
			Measure: fmt.Sprintf("%s through slices of about 7 bytes each way", size(slicerSize))},
		{ID: "W2", Category: spec.CatPartialWrite, Level: spec.Must, Timeout: long, TCP: readsTCPInfo + " to prove its window closed, and sizes its payload from tcp_wmem", Kinds: append(echo, spec.NoFault),
			Text: "a client with a tiny receive buffer that reads slowly while it keeps sending gets every byte exactly once, in order (the server's writes come back short or EAGAIN)",
			Measure: fmt.Sprintf("payload %d × the host's tcp_wmem maximum + %s, so the server's send buffer fills whatever autotuning does, written in odd %s-byte chunks (the server's echo writes then straddle the kernel's segments); socket buffers of %s, reads of %s %s apart; "+
				"the client must see its receive queue full (%s or more unread, its window nearly closed) for at least %s (else no-fault)",
				tinyBufWmemFactor, size(tinyBufExtra), count(w2Chunk), size(w2Buf), size(tinyRead), dur(tinyReadPause), size(w2Full), dur(tinyWindowClosed))},
		{ID: "W3", Category: spec.CatPartialWrite, Level: spec.Must, Timeout: standard, TCP: viaToxiproxy, Kinds: echo,
			Text:    fmt.Sprintf("toxiproxy bandwidth (%d MB/s each way) with a %s payload: the echo is exact", bandwidthKBps/1024, size(bandwidthSize)),
			Measure: "throughput reported"},
		// W4 fills the server's send buffer through the proxy before it cuts:
		// on the Python asyncio server beside two CPU hogs that took 4–24 s
		// (of standard's 28 s for the body), so it has long.
		{ID: "W4", AfterFault: true, Category: spec.CatPartialWrite, Level: spec.Must, Timeout: long, TCP: viaToxiproxy + ", and reads the state of the proxy's connection to the server (sock_diag) to prove the cut", Kinds: append(serving, spec.NoFault),
			Text: "toxiproxy limit_data cuts a connection mid-stream, once while the server's writes on it are blocked and once while it waits to read, and resets its socket: the server survives, and another connection's exchange is unaffected",
			Measure: fmt.Sprintf("the server-to-client path is held, so the proxy stops reading the echo; the first %d bytes go one at a time, each echoed and read by the proxy (its reads before the hold stops them); "+
				"then one connection is fed until the server's send buffer is full and it leaves input unread, or reads a chunk more (at most %s), the other %s, which the server reads and echoes all; "+
				"limit_data is then added with no byte left to pass, and the next byte cuts: with echo unread, the proxy's close is a reset, so the blocked write, or the read, fails "+
				"(on a FIN the server might finish its echo and read a clean EOF); that both ends are gone at once, as a reset leaves them, is checked in the kernel (else no-fault); "+
				"a direct %s exchange runs across each cut",
				toxi.HoldReads, size(limitPushMax), size(limitIdleEcho), size(resetPeerOther))},

		{ID: "S1", Category: spec.CatSlowClient, Level: spec.Must, Timeout: long, Kinds: timing,
			Text: fmt.Sprintf("a client that keeps sending and never reads does not stall %d ping-pong clients: their median round trip stays within %dx (+%s) of the baseline measured without it",
				pingClients, slowdownFactor, dur(slowdownSlack)),
			Measure: fmt.Sprintf("%d rounds of 64 bytes per client, before and beside the non-reading client", pingRounds)},
		{ID: "S2", Category: spec.CatSlowClient, Level: spec.Must, Long: true, Timeout: long, Kinds: timing,
			Text: fmt.Sprintf("%d byte-at-a-time senders (one byte every %s) each get an exact echo while a fast client's %s exchanges stay within %dx (+%s) of the baseline",
				tricklers, dur(trickleEvery), size(fastSize), slowdownFactor, dur(slowdownSlack)),
			Measure: fmt.Sprintf("the median of %d fast exchanges beside the trickling senders, against the median of %d before them (a stalled exchange fails as a stall)", fastRounds, fastRounds)},
		{ID: "S3", Category: spec.CatSlowClient, Level: spec.Must, Timeout: quick, Kinds: echo,
			Text:    fmt.Sprintf("one connection open and silent does not stall a second one: its echo comes within %s", dur(silentStall)),
			Measure: "the silent connection must still echo when it speaks at last"},
		{ID: "S4", Category: spec.CatSlowClient, Level: spec.Must, Timeout: standard, TCP: viaToxiproxy, Kinds: echo,
			Text:    fmt.Sprintf("through toxiproxy latency with jitter (%s ± %s each way) the echo is exact", dur(latencyEach), dur(latencyJitter)),
			Measure: fmt.Sprintf("%s in chunks of varying size", size(latencySize))},
		{ID: "S5", AfterFault: true, Category: spec.CatSlowClient, Level: spec.Must, Timeout: standard, TCP: viaToxiproxy, Kinds: append(serving, spec.NoFault),
			Text:    "connections stuck behind toxiproxy timeout (held, then closed) do not stop the server serving others",
			Measure: fmt.Sprintf("one connection held with data in flight, one closed by the toxic after %s (its exchange must end early, by the close or after %s without progress, else no-fault)", dur(timeoutClose), dur(timeoutStall))},
		{ID: "S6", AfterFault: true, Category: spec.CatSlowClient, Level: spec.Must, Timeout: standard, TCP: viaToxiproxy, Kinds: serving,
			Text: fmt.Sprintf("a connection whose close toxiproxy holds back %s does not stop the server serving others: a new connection's echo comes within %s",
				dur(slowCloseHold), dur(slowCloseServe)),
			Measure: "the check runs while the close is still held, so a server that serves one connection at a time fails"},
		{ID: "S7", Category: spec.CatSlowClient, Level: spec.Should, Long: true, Timeout: long, NeedsProcess: true, Kinds: []spec.Kind{spec.MemoryGrowth},
			Text: fmt.Sprintf("backpressure: a client pushing up to %s without reading grows the server's memory by less than %s, because the server stops reading from it",
				size(backpressurePush), size(backpressureGrowth)),
			Measure: "RSS of the server's process group before and after"},
		{ID: "S8", Category: spec.CatSlowClient, Level: spec.Should, Long: true, Timeout: long, NeedsProcess: true, Kinds: []spec.Kind{spec.CPU},
			Text: fmt.Sprintf("idle cost: with %s idle connections the server uses under %s of a core over %s", count(idleConns), pct(idleCPU), dur(idleMeasure)),
			Measure: fmt.Sprintf("the CPU time of the server's process group over wall time, and (so that a host too busy to give a spinner a core does not hide it) under %s of the time it could run, measured as S9 measures; `busy-idle` declared makes an excess a deviation",
				pct(idleSpin))},
		{ID: "S9", Category: spec.CatSlowClient, Level: spec.Should, Long: true, Timeout: standard, NeedsProcess: true, Kinds: []spec.Kind{spec.CPU},
			Text: fmt.Sprintf("a client that stops reading while echo is pending for it does not make the server spin: under %s of a core over %s",
				pct(stalledCPU), dur(stalledMeasure)),
			Measure: fmt.Sprintf("the client sends until the server stops taking data; then, every %s, per thread of the server, its run time over the time it was not kept waiting for a CPU (schedstat), summed; the steps are averaged, each weighted by the time no thread was kept waiting in it (a wait the kernel counts late, even one under way at the end, is put back where it was), and the window goes on, up to %dx, while the server was kept waiting for a CPU for more than 3/4 of it: a spinner scores 1 however busy the host, and whichever of its threads it spins on (a Go runtime moves a goroutine looping on system calls from thread to thread); `busy-idle` does not excuse it",
				dur(spinStep), spinMore)},
		{ID: "S10", Category: spec.CatSlowClient, Level: spec.Should, Long: true, Timeout: standard, Kinds: timing,
			Text: fmt.Sprintf("latency budget: the median round trip of %d-byte messages is within %dx (+%s) of a reference echo server's measured in the same spec",
				latencyMsg, latencyFactor, dur(latencySlack)),
			Measure: fmt.Sprintf("%d round trips on one connection to the target and to the yardstick, an echo server the suite runs itself where the target runs: in the suite's process, one thread per connection blocked in read(2), so that the kernel wakes it for every message as it wakes an event loop's thread (on Linux; elsewhere, and on a Unix socket, a goroutine per connection); for a server in another process, a goroutine-per-connection server in a process of its own. The two are interleaved in blocks; or as many round trips as fit in %s (at least %d) are done, so that a server that answers hundreds of milliseconds late gets its verdict within its time", latencyRounds, dur(latencyWindow), latencyMinRounds)},
		{ID: "S11", Category: spec.CatSlowClient, Level: spec.Must, Long: true, Timeout: long + fairLockWait, Kinds: timing,
			Text: fmt.Sprintf("fairness: %d clients streaming at full speed do not starve %d ping-pong clients: their 90th-percentile round trip, weighted by the time each takes, stays within %dx (+%s) of a yardstick echo server's 90th percentile under the same load, in the same spec, unless the streamers were served less than %s while the round trips over it waited (a slow server, not an unfair one)",
				fairStreamers, fairClients, fairFactor, dur(fairSlack), size(fairTurnBytes)),
			Measure: fmt.Sprintf("%d interleaved blocks on the target and on the yardstick (a goroutine echo server the suite runs where the target runs: in its own process, or in a process of its own for a server in another): the streamers write and read %s chunks as fast as they can, from when their input waits unread at the server (at most %s) until the ping-pong ends; each ping-pong client does up to %d rounds of 64 bytes in %s; a round trip with no echo after %s counts as starved. Weighted by time: a client kept waiting makes fewer rounds than it would have (coordinated omission), so the target's round trips count by the time each took (the p90 is the round trip a moment of the clients' waiting falls in, 9 times in 10), and the yardstick's, the host's pace, once each. Served: the bytes echoed to the streamers while a round trip waited, the median over the target's round trips over the limit; a fair loop's ping waits a turn or two, and a turn moves one read budget per connection. The blocks run alone among the S11 runs on the host (a lock file in the temporary directory, waited for up to %s): their streamers keep every core busy",
				fairBlocks, size(fairChunk), dur(fairWarm), fairRounds, dur(fairBlockTime), dur(fairStarved), dur(fairLockWait))},

		{ID: "H1", AfterFault: true, Category: spec.CatHygiene, Level: spec.Must, Timeout: long, NeedsProcess: true, Kinds: []spec.Kind{spec.FDGrowth},
			Text:    fmt.Sprintf("no fd growth after %s open/close cycles (closed with and without data, and by reset)", count(fdCycles)),
			Measure: fmt.Sprintf("the fd count of the server's process group must come back to its baseline +%d %s; the baseline is %s (on a Unix socket, which has no reset, those cycles close)", fdSlack, settling(), atRest())},
		{ID: "H2", Category: spec.CatHygiene, Level: spec.Must, Timeout: long, NeedsProcess: true, Kinds: []spec.Kind{spec.ThreadGrowth},
			Text:    fmt.Sprintf("the thread count returns to its baseline (+%d, a tenth of the burst) after a burst of %d connections", threadSlack, threadBurst),
			Measure: settling()},
		{ID: "H3", Category: spec.CatHygiene, Level: spec.Should, Timeout: long, NeedsProcess: true,
			Text:    fmt.Sprintf("memory per idle connection is measured and reported (%s connections, each served once)", count(idleConns)),
			Measure: "a report, not a judgement: H6 judges"},
		{ID: "H4", AfterFault: true, Category: spec.CatHygiene, Level: spec.Must, Long: true, Timeout: long, NeedsProcess: true, Kinds: []spec.Kind{spec.Refused, spec.Stall, spec.EarlyClose},
			Text:    fmt.Sprintf("a server out of file descriptors (EMFILE on accept) survives, and serves new connections within %s once fds are free again", dur(emfileRecover)),
			Measure: fmt.Sprintf("the server's fd limit is lowered (prlimit) to what it holds + %d while %d clients connect, for %s", fdLimitSpare, emfileConns, dur(emfileHold))},
		{ID: "H5", Category: spec.CatHygiene, Level: spec.Should, Long: true, Timeout: long, NeedsProcess: true, Kinds: []spec.Kind{spec.CPU},
			Text:    fmt.Sprintf("a server out of file descriptors (EMFILE on accept) does not spin: under %s of a core while it cannot accept", pct(emfileCPU)),
			Measure: "as H4; measured as S9 measures, so a busy host does not lower it; `busy-idle` does not excuse it"},
		{ID: "H6", Category: spec.CatHygiene, Level: spec.Must, Long: true, Timeout: long, NeedsProcess: true, Kinds: []spec.Kind{spec.MemoryGrowth},
			Text: fmt.Sprintf("memory returns: after %s connections have been served and closed, the server's memory is within %s of its baseline",
				count(memConns), size(memReturn)),
			Measure: fmt.Sprintf("the baseline is taken after %d warm-up connections; %d at a time, %s each; RSS within %s after the last closes (a leak of 16 KiB per connection fails)",
				memWarm, memConc, size(memSize), dur(settle))},
		{ID: "H7", AfterFault: true, Category: spec.CatHygiene, Level: spec.Must, Long: true, Timeout: long, NeedsProcess: true, TCP: resets, Kinds: []spec.Kind{spec.FDGrowth},
			Text:    fmt.Sprintf("no fd growth after %d connections end with the server's write failing (the client resets while echo is pending)", writeErrConns),
			Measure: fmt.Sprintf("%d at a time, each sends until the server stops taking data, then RST; fds back to the baseline +%d %s; the baseline is %s", writeErrConc, fdSlack, settling(), atRest())},

		{ID: "L1", Category: spec.CatLifecycle, Level: spec.Should, Timeout: standard, NeedsProcess: true, Kinds: []spec.Kind{spec.NotListening, spec.SlowExit},
			Text:    fmt.Sprintf("the server listens within %s of its start, and exits within %s of SIGTERM", dur(listenLimit), dur(exitLimit)),
			Measure: "SIGTERM to the server's process group"},
		{ID: "L2", Category: spec.CatLifecycle, Level: spec.Must, Timeout: lifeTime, OnlyWhenAsked: spec.LifetimeLabel, Kinds: append(closing[:len(closing):len(closing)], spec.Refused, spec.MemoryGrowth, spec.ThreadGrowth, spec.FDGrowth),
			Text: fmt.Sprintf("a lifetime: one server process serves %s connections (past every 16-bit count), each its own payload, every echo exact and every close clean; then it still serves, and its memory does not grow by %d bytes or more per connection served, nor its threads or fds by %g or more per 1,000",
				count(lifeConns), lifeSlope, lifeCountSlope),
			Measure: fmt.Sprintf("%d at a time, each its number and %d random bytes, then FIN, the echo and the server's EOF (no progress for %s is a stall); TIME_WAIT stays on the client, spread over as many source addresses of 127.0.0.0/8 as keep it within half of each one's ephemeral port range "+
				"(IPv6 has only ::1: tcp_tw_reuse, or an RST after each echo where it is off); after %s warm-up connections the server's RSS, threads and fds are sampled after each %s, with none open, and their slopes against the connections served are fitted (Theil–Sen: "+
				"the median of the slopes between every two samples, which a garbage collection at one sample does not move); a leak of 1 KiB, or of one thread or fd per 1,000 connections, fails; the slope is judged only where the suite has the server's process",
				lifeConc, lifeSize, dur(lifeStall), count(lifeWarm), count(lifeSegment))},

		{ID: "C1", Category: spec.CatLoad, Level: spec.Must, Timeout: long, Kinds: echo,
			Text:    fmt.Sprintf("%s concurrent connections each get their own %s payload back exact", count(loadConns), size(loadSize)),
			Measure: "all connections open first, then every exchange at once; scaled to max-conns if declared"},
		{ID: "C2", Category: spec.CatLoad, Level: spec.Must, Timeout: c10kTime, OnlyWhenAsked: spec.C10KLabel, Kinds: echo,
			Text:    fmt.Sprintf("%s concurrent connections each get their own %s payload back exact", count(c10kConns), size(c10kSize)),
			Measure: "as C1; runs only when asked (label c10k), in the server's own process where possible"},
		{ID: "C3", Category: spec.CatLoad, Level: spec.Must, Timeout: maxConnsTime, Kinds: []spec.Kind{spec.Deviation, spec.Refused, spec.EarlyClose, spec.Stall, spec.WrongByte},
			Text: "with max-conns=N declared, connection N+1 waits (it is not refused or reset) and is served once another closes; served at once, the declaration is false",
			Measure: fmt.Sprintf("N connections open, then each served, every exchange at once; N+1 must not be echoed within %s, and must be within %s of one closing",
				dur(maxConnsAtOnce), dur(maxConnsServed))},
		{ID: "C4", Category: spec.CatLoad, Level: spec.Must, Long: true, Timeout: soakTime, Kinds: append(echo[:len(echo):len(echo)], spec.FDGrowth, spec.MemoryGrowth),
			Text: fmt.Sprintf("soak: %s through one server over %s connections, every byte verified; then its fds are back to the baseline and its memory within %s",
				size(soakConns*soakSize), count(soakConns), size(soakGrowth)),
			Measure: fmt.Sprintf("%d connections at a time, %s each in %s writes; the fd baseline is %s; the process checks need the server's own process and are skipped without one",
				soakConc, size(soakSize), size(soakChunk), atRest())},
		{ID: "C5", Category: spec.CatLoad, Level: spec.Must, Timeout: long, Kinds: append(echo[:len(echo):len(echo)], spec.Refused),
			Text: fmt.Sprintf("%s concurrent connections, and more until the server's fd numbers pass FD_SETSIZE (%s) by %d, each get their own payload back exact",
				count(fdConns), count(fdSetSize), fdPastBy),
			Measure: fmt.Sprintf("the connections are opened and each exchanges once, then all of them %s each at once, each payload led by its connection's number; the server's highest fd number (/proc) is reported, and while it is below %s more connections are opened, %d at a time, up to %s (fewer if the suite's own fd limit is lower); a server whose fd limit is below the connections + %d is skipped, saying so; "+
				"where the server's process is not visible, %s at once; scaled to max-conns if declared (then the fds past FD_SETSIZE are not reached, and the report says so)",
				size(fdSize), count(fdSetSize+fdPastBy), fdConnsStep, count(fdConnsMost), fdLimitRoom, count(fdConnsBlind))},

		{ID: "X1", Category: spec.CatExplore, Level: spec.Should, Timeout: exploreTime,
			Kinds: append(closing[:len(closing):len(closing)], spec.Refused, spec.MemoryGrowth, spec.FDGrowth, spec.ThreadGrowth, spec.CPU, spec.Timing, spec.SlowExit),
			Text: fmt.Sprintf("random scenarios of operations on up to %d connections (open, write, read, flood, half-close, close, reset, bursts of connections, idle, out of fds; through toxiproxy toxics) each end as the model says: every connection's echo is the transform of what it sent, in order, exactly once; a half-closed one then ends with EOF; no connection is disturbed by another's operations or faults, nor by the time it idles; connections open at once are served at once, and cost no CPU while idle; a client that does not read is not buffered for without bound, nor spun on; out of fds the server neither spins nor gives up; it keeps accepting, gives back every fd and thread once its connections are closed, answers promptly, and exits on SIGTERM",
				exploreConns),
			Measure: fmt.Sprintf("for %s (ECHOSPEC_EXPLORE), scenarios of 4..%d operations generated by gopter from the run's seed, each on a fresh server: opens of a connection, direct or through a toxic (a write or a flood on one not open opens it, directly); writes of 1..%s in chunks of 1..%s while at most %s is due, reads of part or all of what is due, floods of a direct connection until the server takes nothing for %s (a flood whose echo due passes what the kernel's socket buffers can hold, both ends, by %s is memory-growth; where the suite has the server's process, once a scenario, the server's spin share over %s right after a flood stopped under %s of a core: S9's bound), half-closes of a direct connection, "+
				"bursts of 1..%d connections at once (each one exchange of about %s; all held open until every one has its echo, then closed or reset; or closed at once, up to %d past a declared max-conns, which must wait their turn), crowds of %d..%d connections held at once in the same way (while held, where the suite has the server's process and it does not declare busy-idle, its CPU over %s after %s under %s of a core and its spin share under %s: S8's bounds), empty bursts of up to %d connections closed without a byte, idles up to %s and now and then of %s up to a quarter of the budget, where the suite has the server's process its fd limit lowered to its open fds + %d while up to %d connections open (restored after %s, its spin share meanwhile under %s of a core: H4's fault, H5's bound), each of these three CPU measures judged only if no echo through a toxic is due and the server was calm just before its fault (its spin share over %s under half the bound, none of its threads ending; waited for up to %s), connections through latency, slicer, bandwidth or slow_close (every byte kept) or reset_peer, limit_data or timeout (the cut connection's losses excused, never a wrong byte); "+
				"every read and write within %s; before the first operation a sleeper connection exchanges %d bytes and then idles; at the end a new connection's %s exchange while the scenario's connections keep their due echo unread, then the sleeper's exchange of %d bytes; then every connection's due echo is read and its end checked (EOF after a half-close, nothing more within %s otherwise); then, with every connection closed and where the suite has the server's process, its fds back within %d of the fresh server's and its threads within a tenth of the connections opened (at least %d), waited for while they fall (a plateau of %s fails); then the median of %d round trips of %d bytes on a new connection, each beside one of a yardstick echo server's, within %dx + %s of the yardstick's (S10's bound); then SIGTERM with an idle client connected, and the server gone within %s; "+
				"a failure is shrunk (at most %s, keeping its kind) and printed as a script, one operation a line, saved to replay it exactly (ECHOSPEC_REPLAY, echospec run --replay FILE); scaled to max-conns if declared",
				dur(exploreBudget), exploreOps, size(exploreWriteMax), size(exploreChunkMax), size(exploreDueMax), dur(exploreFloodStill), size(exploreQueueMax), dur(exploreSpinWindow), pct(stalledCPU),
				exploreBurstMax, size(exploreBurstSize), exploreQueueOver, exploreCrowdMin, exploreCrowdMax, dur(exploreIdleWindow), dur(idleSettle), pct(idleCPU), pct(idleSpin), exploreEmptyMax, dur(exploreIdleMax), dur(exploreLongIdle), fdLimitSpare, emfileConns, dur(exploreSpinWindow), pct(emfileCPU), dur(exploreCalmWindow), dur(exploreCalmWait),
				dur(exploreStall), latencyMsg, size(serveProbe), latencyMsg, dur(extraWait),
				fdSlack, exploreThreadSlack, dur(settle), explorePromptRounds, latencyMsg, latencyFactor, dur(latencySlack), dur(exitLimit), dur(exploreShrink))},
	})
})

// size renders a byte count the way the spec texts do: 1 MiB, 256 KiB, 40 bytes.
func size(n int) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= mib && n%mib == 0:
		return fmt.Sprintf("%d MiB", n/mib)
	case n >= kib && n%kib == 0:
		return fmt.Sprintf("%d KiB", n/kib)
	}
	return fmt.Sprintf("%d bytes", n)
}

// count renders a count with thousands separators: 1,000.
func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// dur renders a duration the way the spec texts do: 3 s, 300 ms, 200 µs.
func dur(d time.Duration) string {
	switch {
	case d >= time.Second && d%time.Second == 0:
		return fmt.Sprintf("%d s", d/time.Second)
	case d >= time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%d ms", d/time.Millisecond)
	}
	return fmt.Sprintf("%d µs", d/time.Microsecond)
}

// pct renders a share of a core: 5%.
func pct(f float64) string { return fmt.Sprintf("%g%%", 100*f) }

// settling says how settlesTo waits, for the catalog.
// atRest says when an fd baseline is taken (restingSample).
func atRest() string {
	return fmt.Sprintf("the count once it has held still for %s", dur(baseSteady))
}

func settling() string {
	return fmt.Sprintf("within %s of its last fall (at most %s in all)", dur(settle), dur(settleMax))
}
