package faulty

// FAULTY ON PURPOSE: the Python faulty servers, run as outside targets.

import "github.com/echospec/echospec/spec"

func init() { register(lowercaseZ, noDrain, threadedBlockOnClose, ignoresSIGTERM, timerLeak, sigpipe) }

func lowercaseZ() Bug {
	return Bug{
		Name:     "lowercase-z",
		Category: spec.CatEcho,
		Script:   "servers/faulty/py/lowercase_z.py",
		Defect:   "its translation table stops at 0x79, so `z` comes back lowercase",
		Models:   "an off-by-one in a byte-range check or table (<= 'y' for <= 'z')",
		Aims:     catches(spec.WrongByte, "E2", "E2p"),
		Catches:  catches(spec.WrongByte, "E4", "E5"),
	}
}

func noDrain() Bug {
	return Bug{
		Name:     "no-drain",
		Category: spec.CatSlowClient,
		Script:   "servers/faulty/py/no_drain.py",
		Defect:   "asyncio server that never awaits writer.drain(): echo for a client that does not read is buffered without bound",
		Models:   "output queued without bound for a slow reader (asyncio write() without drain())",
		Aims:     catches(spec.MemoryGrowth, "S7"),
	}
}

func threadedBlockOnClose() Bug {
	return Bug{
		Name:     "threaded-block-on-close",
		Category: spec.CatLifecycle,
		Script:   "servers/faulty/py/threaded_block_on_close.py",
		Defect:   "socketserver.ThreadingTCPServer left with non-daemon handler threads (block_on_close): on SIGTERM it waits for every idle client to leave",
		Models:   "shutdown that joins connection threads without a deadline (Python's ThreadingMixIn defaults)",
		Aims:     catches(spec.SlowExit, "L1"),
	}
}

func ignoresSIGTERM() Bug {
	return Bug{
		Name:     "ignores-sigterm",
		Category: spec.CatLifecycle,
		Script:   "servers/faulty/py/ignores_sigterm.py",
		Defect:   "ignores SIGTERM (SIG_IGN): it serves well, and only SIGKILL ends it",
		Models:   "a server started under a wrapper that leaves SIGTERM ignored, or a handler that swallows it: every orderly stop (systemd, Kubernetes) waits out its grace period and kills",
		Aims:     catches(spec.SlowExit, "L1"),
	}
}

func timerLeak() Bug {
	return Bug{
		Name:     "timer-leak",
		Category: spec.CatHygiene,
		Script:   "servers/faulty/py/timer_leak.py",
		Defect:   "arms a threading.Timer idle watchdog per connection and never cancels it: each finished connection leaves a thread for an hour",
		Models:   "thread leak: per-connection timer/watchdog threads never cancelled or joined",
		Aims:     catches(spec.ThreadGrowth, "H2"),
	}
}

func sigpipe() Bug {
	return Bug{
		Name:     "sigpipe",
		Category: spec.CatReset,
		Script:   "servers/faulty/py/sigpipe.py",
		Defect:   "restores SIGPIPE's default action and writes with plain send(2): the first write that meets EPIPE kills the process",
		Models:   "the process dying on EPIPE: SIGPIPE not ignored (no MSG_NOSIGNAL / SO_NOSIGPIPE / SIG_IGN)",
		Aims:     catches(spec.Crash, "R5"),
	}
}
