// Package plain runs echospec against the example engine from a plain go
// test, no Ginkgo in sight (conformance_test.go, quoted in the README). It
// is a package of its own because Ginkgo runs one suite per process, and
// the engine's own package runs the Ginkgo suite.
package plain
