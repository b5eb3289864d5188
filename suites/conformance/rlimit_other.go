//go:build !unix

package conformance

func needFDs(int) {}
