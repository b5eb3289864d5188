package engine

// Checker is implemented by an engine that may be unavailable on this host
// (io_uring disabled by the kernel, a missing system call, ...).
type Checker interface {
	// Available returns nil when the engine can run here, or an error
	// whose message is the one-line reason it cannot.
	Available() error
}

// Available returns nil, or the one-line reason e cannot run on this host.
// An engine that does not implement Checker is always available.
func Available(e Engine) error {
	if c, ok := e.(Checker); ok {
		return c.Available()
	}
	return nil
}
