package myengine_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/echospec/echospec/fixtures/target"
	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/suites/conformance"

	"example.com/myengine"
)

func TestMyEngine(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "my engine against echospec")
}

// One call registers every spec against the engine. The specs that probe
// the server's own process run this test binary again as the server:
// conformance.Specs serves the engine there, before any test runs.
var _ = conformance.Specs(target.InProcess(
	engine.Func("my-engine", "one goroutine per connection", engine.Profile{}, myengine.Start),
))
