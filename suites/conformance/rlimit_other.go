//go:build !unix

package conformance

func needFDs(int) {}

// fdsAllowed is not known here.
func fdsAllowed() int { return -1 }
