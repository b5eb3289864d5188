package faulty

// FAULTY ON PURPOSE: a fixed table of 512 connections, undeclared, and
// closing whatever does not fit.

import "github.com/echospec/echospec/spec"

func init() { register(connTable512) }

func connTable512() Bug {
	return withEngine(Bug{
		Name:     "conn-table-512",
		Category: spec.CatLoad,
		Defect:   "keeps connections in a fixed table of 512 slots and closes each new connection that finds the table full; it declares no limit",
		Models:   "a static connection array (conn_t conns[MAX]) sized for a test load, rejecting the rest",
		Aims:     catches(spec.EarlyClose, "C1"),
	}, skeleton(hooks{
		start:    withLimit(512, nil), // BUG: a hard limit nobody declared, enforced by closing
		dispatch: refuseWhenFull,
	}))
}
