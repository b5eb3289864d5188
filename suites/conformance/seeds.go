package conformance

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/echospec/echospec/fixtures/payload"
)

// seeds is the random source of the spec running now: the run's seed
// (GinkgoRandomSeed: echospec run --seed, ginkgo --seed) mixed with the
// spec's ID (payload.SeedsOf). Every payload, chunk size and pause a spec
// chooses at random comes from it, so that a rerun with the seed its
// report gives sends the same bytes, and another seed other ones.
func seeds() payload.Seeds { return payload.SeedsOf(GinkgoRandomSeed(), currentID()) }

// currentID is the ID of the spec running now, from its text ("[E4] …",
// specText).
func currentID() string {
	id, _, _ := strings.Cut(strings.TrimPrefix(CurrentSpecReport().LeafNodeText, "["), "]")
	return id
}
