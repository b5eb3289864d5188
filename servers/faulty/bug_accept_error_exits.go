package faulty

// FAULTY ON PURPOSE: the accept loop ends on the first accept error.

import (
	"log"

	"github.com/echospec/echospec/spec"
)

func init() { register(acceptErrorExits) }

func acceptErrorExits() Bug {
	return withEngine(Bug{
		Name:     "accept-error-exits",
		Category: spec.CatHygiene,
		Defect:   "ends its accept loop on any accept error: after one EMFILE the process lives on but never accepts again",
		Models:   "`if err != nil { return err }` in an accept loop: a temporary error (EMFILE, ECONNABORTED) taken as the listener's end",
		Aims:     catches(spec.Refused, "H4"),
	}, skeleton(hooks{
		acceptFailed: func(_ *server, err error) bool {
			log.Printf("accept: %v", err)
			return false // BUG: EMFILE is temporary: back off and accept again
		},
	}))
}
