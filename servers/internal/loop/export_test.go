//go:build linux

package loop

// AcceptConn lets tests replace accept.
var AcceptConn = &acceptConn
