package plain

import (
	"testing"

	"github.com/echospec/echospec/servers/engine"
	"github.com/echospec/echospec/suites/conformancetest"

	"example.com/myengine"
)

func TestConformance(t *testing.T) {
	conformancetest.Run(t, engine.Func("my-engine", "one goroutine per connection", engine.Profile{}, myengine.Start))
}
