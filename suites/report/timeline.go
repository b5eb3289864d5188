package report

import (
	"encoding/json"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/echospec/echospec/fixtures/wire"
)

// timelineOf reads a failed spec's wire timeline (spec.TimelineEntry)
// from its report entry: the value itself in the process that ran the
// spec, its JSON in a report read from a file; nil when neither decodes.
func timelineOf(e types.ReportEntry) *wire.Timeline {
	switch v := e.GetRawValue().(type) {
	case wire.Timeline:
		return &v
	case *wire.Timeline:
		return v
	}
	raw := e.Value.AsJSON
	if raw == "" {
		b, err := json.Marshal(e.GetRawValue())
		if err != nil {
			return nil
		}
		raw = string(b)
	}
	var t wire.Timeline
	if err := json.Unmarshal([]byte(raw), &t); err != nil {
		return nil
	}
	return &t
}
