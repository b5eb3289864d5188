package faulty

// FAULTY ON PURPOSE: the Python faulty servers, run as outside targets.

func lowercaseZ() Bug {
	return Bug{
		Name:     "lowercase-z",
		Category: catEcho,
		Script:   "servers/faulty/py/lowercase_z.py",
		Defect:   "its translation table stops at 0x79, so `z` comes back lowercase",
		Models:   "an off-by-one in a byte-range check or table (<= 'y' for <= 'z')",
		Catches:  []string{"E2", "E2p", "E3", "E3p", "E4", "E4p", "E5", "E5p", "E6", "E6p", "E7", "E7p", "E8", "E9", "E10", "E10p", "E12", "S4", "S6"},
	}
}

func noDrain() Bug {
	return Bug{
		Name:     "no-drain",
		Category: catSlowClient,
		Script:   "servers/faulty/py/no_drain.py",
		Defect:   "asyncio server that never awaits writer.drain(): echo for a client that does not read is buffered without bound",
		Models:   "output queued without bound for a slow reader (asyncio write() without drain())",
		Catches:  []string{"S7"},
	}
}

func threadedBlockOnClose() Bug {
	return Bug{
		Name:     "threaded-block-on-close",
		Category: catLifecycle,
		Script:   "servers/faulty/py/threaded_block_on_close.py",
		Defect:   "socketserver.ThreadingTCPServer left with non-daemon handler threads (block_on_close): on SIGTERM it waits for every idle client to leave",
		Models:   "shutdown that joins connection threads without a deadline (Python's ThreadingMixIn defaults)",
		Catches:  []string{"L1"},
	}
}

func timerLeak() Bug {
	return Bug{
		Name:     "timer-leak",
		Category: catHygiene,
		Script:   "servers/faulty/py/timer_leak.py",
		Defect:   "arms a threading.Timer idle watchdog per connection and never cancels it: each finished connection leaves a thread for an hour",
		Models:   "thread leak: per-connection timer/watchdog threads never cancelled or joined",
		Catches:  []string{"H2"},
	}
}

func sigpipe() Bug {
	return Bug{
		Name:     "sigpipe",
		Category: catReset,
		Script:   "servers/faulty/py/sigpipe.py",
		Defect:   "restores SIGPIPE's default action and writes with plain send(2): the first write that meets EPIPE kills the process",
		Models:   "the process dying on EPIPE: SIGPIPE not ignored (no MSG_NOSIGNAL / SO_NOSIGPIPE / SIG_IGN)",
		KnownMisses: map[string]string{
			"R5": "R5's client sends until its writes stall, so its FIN is queued behind unsent data and never reaches a server that applies backpressure; " +
				"its close() then sends an RST to a server in ESTABLISHED, whose blocked write fails with ECONNRESET, not EPIPE (EPIPE needs the server in CLOSE_WAIT, " +
				"i.e. the FIN received, or a second write after the first error). Only W4 sometimes kills it, by timing: when toxiproxy's limit_data close reaches it as FIN, then RST (5 of 8 runs alone)",
		},
	}
}
