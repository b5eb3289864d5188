//go:build linux

package iouring

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The io_uring ABI, from include/uapi/linux/io_uring.h. Only what this
// engine uses is defined; the layouts are fixed by the kernel.

// Opcodes (enum io_uring_op).
const (
	opNop         = 0  // IORING_OP_NOP: completes at once (tests, 5.1)
	opAccept      = 13 // IORING_OP_ACCEPT: accept4(2) (5.5)
	opAsyncCancel = 14 // IORING_OP_ASYNC_CANCEL: cancel a request by user_data (5.5)
	opRead        = 22 // IORING_OP_READ: read(2) at an offset; -1 for a pipe or eventfd (5.6)
	opSend        = 26 // IORING_OP_SEND: send(2) (5.6)
	opRecv        = 27 // IORING_OP_RECV: recv(2) (5.6)
	opTimeout     = 11 // IORING_OP_TIMEOUT: completes after a time (5.4)
)

// io_uring_setup flags (io_uring_params.flags).
const (
	setupCQSize       = 1 << 3  // IORING_SETUP_CQSIZE: cq_entries is given
	setupSubmitAll    = 1 << 7  // IORING_SETUP_SUBMIT_ALL: do not stop submitting on an error (5.18)
	setupCoopTaskrun  = 1 << 8  // IORING_SETUP_COOP_TASKRUN: no IPI to run completions (5.19)
	setupSingleIssuer = 1 << 12 // IORING_SETUP_SINGLE_ISSUER: one thread submits (6.0)
	setupDeferTaskrun = 1 << 13 // IORING_SETUP_DEFER_TASKRUN: completions run only in io_uring_enter(GETEVENTS) (6.1)
)

// io_uring_params.features.
const (
	featSingleMmap = 1 << 0 // IORING_FEAT_SINGLE_MMAP: SQ and CQ rings share one mapping (5.4)
	featNoDrop     = 1 << 1 // IORING_FEAT_NODROP: CQ overflow is kept by the kernel, not dropped (5.5)
)

// io_uring_enter flags.
const enterGetEvents = 1 << 0 // IORING_ENTER_GETEVENTS: wait for min_complete completions

// SQ ring flags (the word at sq_off.flags).
const sqCQOverflow = 1 << 1 // IORING_SQ_CQ_OVERFLOW: completions wait in the kernel's overflow list

// CQE flags.
const (
	cqeFMore         = 1 << 1 // IORING_CQE_F_MORE: a multishot request stays armed
	cqeFSockNonempty = 1 << 2 // IORING_CQE_F_SOCK_NONEMPTY: the socket had more data after this recv
)

// Per-opcode flags in the SQE.
const (
	acceptMultishot   = 1 << 0 // IORING_ACCEPT_MULTISHOT, in ioprio (5.19)
	recvsendPollFirst = 1 << 0 // IORING_RECVSEND_POLL_FIRST, in ioprio: wait for readiness before trying (5.19)
)

// mmap offsets of the three mappings, and the sizes of the shared structs.
const (
	mmapOffSQRing = 0          // IORING_OFF_SQ_RING
	mmapOffCQRing = 0x8000000  // IORING_OFF_CQ_RING
	mmapOffSQEs   = 0x10000000 // IORING_OFF_SQES
	sqeSize       = 64
	cqeSize       = 16
	paramsSize    = 120
)

// sqringOffsets is struct io_sqring_offsets: where each field of the
// submission ring lies in its mapping.
type sqringOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

// cqringOffsets is struct io_cqring_offsets.
type cqringOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

// params is struct io_uring_params, in and out of io_uring_setup(2).
type params struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFd uint32
	resv                                                                   [3]uint32
	sqOff                                                                  sqringOffsets
	cqOff                                                                  cqringOffsets
}

// sqe is struct io_uring_sqe (64 bytes). The unions are named after the
// member this engine uses.
type sqe struct {
	opcode   uint8
	flags    uint8  // IOSQE_*
	ioprio   uint16 // accept/recv/send flags (multishot, poll first)
	fd       int32
	off      uint64 // offset; for TIMEOUT the completion count
	addr     uint64 // buffer; for ASYNC_CANCEL the user_data to cancel
	len      uint32
	opFlags  uint32 // msg_flags, accept_flags, timeout_flags, cancel_flags
	userData uint64
	bufIndex uint16
	persona  uint16
	fileIdx  int32
	addr3    uint64
	_        uint64
}

// cqe is struct io_uring_cqe (16 bytes, without CQE32).
type cqe struct {
	userData uint64
	res      int32
	flags    uint32
}

// Compile-time checks of the layouts.
var (
	_ [sqeSize - unsafe.Sizeof(sqe{})]byte
	_ [unsafe.Sizeof(sqe{}) - sqeSize]byte
	_ [cqeSize - unsafe.Sizeof(cqe{})]byte
	_ [paramsSize - unsafe.Sizeof(params{})]byte
	_ [unsafe.Sizeof(params{}) - paramsSize]byte
)

// sysSetup is io_uring_setup(2); tests replace it to simulate a kernel
// without io_uring.
var sysSetup = func(entries uint32, p *params) (int, error) {
	fd, _, errno := unix.RawSyscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(p)), 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

// sysEnter is io_uring_enter(2). It may block, so it goes through
// Syscall (the runtime hands the P to another thread meanwhile).
// Tests replace it to inject EAGAIN and EBUSY.
var sysEnter = func(fd int, toSubmit, minComplete, flags uint32) (int, error) {
	n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(fd), uintptr(toSubmit), uintptr(minComplete), uintptr(flags), 0, 0)
	if errno != 0 {
		return int(n), errno
	}
	return int(n), nil
}

// ring is one io_uring instance: the submission queue (a ring of indexes
// into the SQE array) and the completion queue, shared with the kernel
// through mmap. The kernel moves the SQ head and the CQ tail, this side the
// SQ tail and the CQ head; each side publishes its index with a release
// store after writing the entries, and reads the other's with an acquire
// load before reading them (sync/atomic gives both).
//
// Requests are first queued in memory (backlog), then copied into the SQ
// as it has room: a completion handler can always queue a request, even
// when the SQ is full, and nothing recurses.
type ring struct {
	fd       int
	features uint32
	flags    uint32 // setup flags actually in effect

	sqMem, cqMem, sqeMem []byte // the mappings (cqMem aliases sqMem with SINGLE_MMAP)
	single               bool   // SINGLE_MMAP: one mapping for both rings

	sqHead, sqTail, sqFlags, sqDropped *uint32
	sqMask, sqEntries                  uint32
	sqes                               []sqe
	sqLocal                            uint32 // next SQ tail to publish
	toSubmit                           uint32 // published but not yet consumed by enter

	cqHead, cqTail, cqOverflow *uint32
	cqMask, cqEntries          uint32
	cqes                       []cqe

	backlog []sqe // queued, not yet in the SQ

	// Counters, owned by the ring's thread.
	enters, submitted, completed uint64
	overflowSeen                 uint32 // last value of the CQ overflow (dropped) counter
}

// setupFlagSets are tried in order: the fastest the kernel accepts first.
var setupFlagSets = []uint32{
	setupCQSize | setupSubmitAll | setupSingleIssuer | setupDeferTaskrun,
	setupCQSize | setupSubmitAll | setupCoopTaskrun,
	setupCQSize,
}

// newRing sets up a ring with sqEntries submission and cqEntries completion
// entries (powers of two). With single-issuer flags it must be called on
// the thread that will submit to it (a locked OS thread).
func newRing(sqEntries, cqEntries uint32, flagSets []uint32) (*ring, error) {
	var (
		p   params
		fd  = -1
		err error
	)
	for _, fl := range flagSets {
		p = params{flags: fl, cqEntries: cqEntries}
		fd, err = sysSetup(sqEntries, &p)
		if err != unix.EINVAL {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("io_uring_setup: %w", err)
	}
	r := &ring{fd: fd, features: p.features, flags: p.flags}
	if err := r.mapRings(&p); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

func (r *ring) mapRings(p *params) error {
	sqSize := int(p.sqOff.array) + int(p.sqEntries)*4
	cqSize := int(p.cqOff.cqes) + int(p.cqEntries)*cqeSize
	single := p.features&featSingleMmap != 0
	r.single = single
	if single {
		sqSize = max(sqSize, cqSize)
	}
	var err error
	r.sqMem, err = unix.Mmap(r.fd, mmapOffSQRing, sqSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return fmt.Errorf("mmap SQ ring: %w", err)
	}
	if single {
		r.cqMem = r.sqMem
	} else if r.cqMem, err = unix.Mmap(r.fd, mmapOffCQRing, cqSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		return fmt.Errorf("mmap CQ ring: %w", err)
	}
	r.sqeMem, err = unix.Mmap(r.fd, mmapOffSQEs, int(p.sqEntries)*sqeSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return fmt.Errorf("mmap SQEs: %w", err)
	}
	u32 := func(mem []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&mem[off])) }
	r.sqHead, r.sqTail = u32(r.sqMem, p.sqOff.head), u32(r.sqMem, p.sqOff.tail)
	r.sqFlags, r.sqDropped = u32(r.sqMem, p.sqOff.flags), u32(r.sqMem, p.sqOff.dropped)
	r.sqMask, r.sqEntries = *u32(r.sqMem, p.sqOff.ringMask), *u32(r.sqMem, p.sqOff.ringEntries)
	r.sqes = unsafe.Slice((*sqe)(unsafe.Pointer(&r.sqeMem[0])), r.sqEntries)
	// The SQ is a ring of indexes into the SQE array; the identity mapping,
	// written once, lets the SQE at tail&mask be the one submitted.
	array := unsafe.Slice((*uint32)(unsafe.Pointer(&r.sqMem[p.sqOff.array])), r.sqEntries)
	for i := range array {
		array[i] = uint32(i)
	}
	r.cqHead, r.cqTail = u32(r.cqMem, p.cqOff.head), u32(r.cqMem, p.cqOff.tail)
	r.cqOverflow = u32(r.cqMem, p.cqOff.overflow)
	r.cqMask, r.cqEntries = *u32(r.cqMem, p.cqOff.ringMask), *u32(r.cqMem, p.cqOff.ringEntries)
	r.cqes = unsafe.Slice((*cqe)(unsafe.Pointer(&r.cqMem[p.cqOff.cqes])), r.cqEntries)
	r.sqLocal = atomic.LoadUint32(r.sqTail)
	return nil
}

// close unmaps the rings and closes the ring's fd. The kernel cancels what
// is still in flight; the engine waits for its completions before this.
func (r *ring) close() error {
	var errs []error
	maps := [][]byte{r.sqeMem, r.sqMem}
	if !r.single {
		maps = append(maps, r.cqMem)
	}
	for _, m := range maps {
		if m != nil {
			if err := unix.Munmap(m); err != nil {
				errs = append(errs, fmt.Errorf("munmap: %w", err))
			}
		}
	}
	r.sqeMem, r.cqMem, r.sqMem = nil, nil, nil
	if r.fd >= 0 {
		if err := unix.Close(r.fd); err != nil {
			errs = append(errs, fmt.Errorf("close ring fd: %w", err))
		}
		r.fd = -1
	}
	return errors.Join(errs...)
}

// queue adds a request to the backlog; flush moves it into the SQ.
func (r *ring) queue(e sqe) { r.backlog = append(r.backlog, e) }

// pending reports whether requests wait in the backlog or in the SQ.
func (r *ring) pending() bool { return len(r.backlog) > 0 || r.toSubmit > 0 }

// fill copies as much of the backlog as fits into the SQ and publishes the
// new tail.
func (r *ring) fill() {
	if len(r.backlog) == 0 {
		return
	}
	head := atomic.LoadUint32(r.sqHead)
	room := r.sqEntries - (r.sqLocal - head)
	n := min(uint32(len(r.backlog)), room)
	for i := uint32(0); i < n; i++ {
		r.sqes[r.sqLocal&r.sqMask] = r.backlog[i]
		r.sqLocal++
	}
	if n > 0 {
		// Release: the kernel sees the SQEs before the tail that covers them.
		atomic.StoreUint32(r.sqTail, r.sqLocal)
		r.toSubmit += n
		rest := copy(r.backlog, r.backlog[n:])
		clear(r.backlog[rest:])
		r.backlog = r.backlog[:rest]
	}
}

// enter submits what is in the SQ and, with wait, blocks until at least
// one completion is ready. EINTR, EAGAIN and EBUSY (the kernel is short of
// memory, or its CQ overflow list must drain first) are not errors: the
// caller reaps completions and calls again.
func (r *ring) enter(wait bool) error {
	var minComplete uint32
	if wait {
		minComplete = 1
	}
	r.enters++
	n, err := sysEnter(r.fd, r.toSubmit, minComplete, enterGetEvents)
	if n > 0 {
		r.toSubmit -= min(uint32(n), r.toSubmit)
		r.submitted += uint64(n)
	}
	switch err {
	case nil, unix.EINTR, unix.EAGAIN, unix.EBUSY, unix.ETIME:
		return nil
	}
	return fmt.Errorf("io_uring_enter: %w", err)
}

// reap calls f for every completion in the CQ and frees their slots.
// It returns how many there were.
func (r *ring) reap(f func(c cqe)) int {
	head := *r.cqHead // only this side writes it
	// Acquire: the CQEs are written before the tail that covers them.
	tail := atomic.LoadUint32(r.cqTail)
	n := 0
	for ; head != tail; head++ {
		c := r.cqes[head&r.cqMask]
		// Give the slot back at once, so that the kernel can post more
		// while f runs.
		atomic.StoreUint32(r.cqHead, head+1)
		f(c)
		n++
	}
	r.completed += uint64(n)
	return n
}

// overflowed reports whether completions wait in the kernel's overflow
// list (the CQ was full): the next enter with GETEVENTS moves them in.
func (r *ring) overflowed() bool { return atomic.LoadUint32(r.sqFlags)&sqCQOverflow != 0 }

// dropped returns how many completions the kernel has dropped since the
// last call: non-zero only without IORING_FEAT_NODROP, or when the kernel
// could not allocate an overflow entry.
func (r *ring) dropped() uint32 {
	v := atomic.LoadUint32(r.cqOverflow)
	d := v - r.overflowSeen
	r.overflowSeen = v
	return d
}
