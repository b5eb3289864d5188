package faulty

// FAULTY ON PURPOSE: an idle timeout in the wrong unit: 2 ms, not 2 s.

import (
	"time"

	"github.com/echospec/echospec/spec"
)

func init() { register(idleTimeoutUnits) }

func idleTimeoutUnits() Bug {
	return withEngine(Bug{
		Name:     "idle-timeout-units",
		Category: spec.CatSlowClient,
		Defect:   "its idle timeout of \"2000\" is applied in microseconds, not milliseconds: a connection whose next bytes take more than 2 ms to arrive is closed",
		Models:   "a timeout unit mix-up (µs for ms), invisible on a fast loopback and fatal behind any latency",
		Aims:     catches(spec.EarlyClose, "S4"),
		Catches:  catches(spec.EarlyClose, "S3", "E11", "E11p"),
	}, skeleton(hooks{read: readWithin(2000 * time.Microsecond)})) // BUG: meant 2000 * time.Millisecond
}
