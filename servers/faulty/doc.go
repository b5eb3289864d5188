// Package faulty is a catalog of upper-echo servers that are BROKEN ON
// PURPOSE. Never use one as a server, and never register one in
// servers/all: they exist so that the self-test (suites/selftest) can
// measure what the conformance suite catches.
//
// Each faulty server carries exactly one documented defect, written the way
// such bugs happen in real engines: the Go ones start from a correct
// goroutine-per-connection skeleton (skeleton.go) or a correct
// reader/writer pair per connection (pipe.go), and break one thing through
// a hook; the Python ones (py/) are small correct servers with one line
// changed. Each file registers its server in an init (register), and
// Catalog lists them all, with the defect, the kind of real bug it models,
// the deviations it declares, and the spec IDs that must fail on it, each
// with its failure kinds, typed: Aims: catches(spec.Lost, "E8", "E12").
// TestDeclarations checks every ID and kind against the spec catalog.
//
// Several of them crash, leak or spin by design, so they run only as
// outside targets, each in a process of its own: the Go ones through the
// faultyserver command (cmd/faultyserver -bug NAME), the Python ones with
// python3. Nothing here may be started inside a test process.
package faulty
