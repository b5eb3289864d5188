// Package iouring is the completion model: an io_uring(7) engine,
// "iouring", on the raw system calls (io_uring_setup, io_uring_enter, the
// rings mapped with mmap, ordering with sync/atomic), without cgo. Linux
// only: elsewhere the engine exists but says it cannot run.
//
// Where a readiness engine asks "may I read?" and then reads, this one
// hands the kernel the read itself — "receive into this buffer" — and is
// told later that it happened. One loop per core (runtime.NumCPU(), at
// least 2), each on its own locked OS thread with its own ring and its own
// SO_REUSEPORT listener on the shared port. Each loop keeps one multishot
// accept armed (one request, a completion per new connection; single-shot
// re-armed per connection on kernels before 5.19), one receive per
// connection into that connection's buffer, and at most one send per
// connection, of the oldest unsent echo: a short send is followed by a send
// of exactly the unsent tail, so the echo stays in order.
//
// What blocks: only io_uring_enter, waiting for at least one completion;
// an idle server uses no CPU, and a loop is woken for Close by an eventfd
// it always has a read posted on. What scales: one io_uring_enter both
// submits every request the last completions produced and collects every
// completion ready, so a busy loop makes far fewer system calls than
// echoes; with DEFER_TASKRUN (6.1+) the kernel does the receive and send
// work in that same call, on the loop's thread. Requests are queued in
// memory first, so a full submission queue only delays them to the next
// enter; a full completion queue spills into the kernel's overflow list
// (IORING_FEAT_NODROP), emptied by the next enter; -EAGAIN and -EBUSY from
// enter mean "reap and retry", never an error.
//
// Per connection: one fd, a small struct, and a ring buffer the receive
// writes into and the send reads from, in place: 4 KiB, grown once to
// Bound (64 KiB) for a connection whose receive fills it. Unlike a
// readiness engine, an idle connection holds its buffer: the kernel owns it
// while the receive waits. Backpressure: no receive is posted while the
// connection holds Bound bytes of unsent echo (the buffer is full), so a
// client that does not read stops being read from. After the client's FIN
// (a receive of 0 bytes) the rest is sent, then shutdown(SHUT_WR) and
// close. A reset or send error cancels the connection's outstanding
// requests (IORING_OP_ASYNC_CANCEL); its buffer is freed and its fd closed
// only when every one of its requests has completed, since until then the
// kernel may still write into the buffer.
//
// Close wakes every loop through its eventfd; each loop cancels its accept
// and every connection's requests, waits for every completion, closes the
// connections, unmaps its ring and closes it; Close then closes the
// listeners and eventfds and waits for the loop threads to end.
//
// Limits: RLIMIT_NOFILE; memory of 4 KiB per idle connection (64 KiB
// once it has streamed); a connection stays on the loop that accepted it;
// io_uring may be disabled (kernel.io_uring_disabled, seccomp, an old
// kernel): Available then says why, in one line.
package iouring
