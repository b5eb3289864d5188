package faulty

// FAULTY ON PURPOSE: one pending-echo slot per connection, overwritten when
// the next read lands before the writer took it.

import "github.com/echospec/echospec/spec"

func init() { register(pendingOverwrite) }

func pendingOverwrite() Bug {
	return withEngine(Bug{
		Name:     "pending-overwrite",
		Category: spec.CatPartialWrite,
		Defect:   "keeps one pending-echo slot per connection between its reader and its writer; a read that lands while the writer is still busy replaces the pending echo instead of queueing behind it",
		Models:   "one pending buffer per connection overwritten on the next read (a 'latest value' mailbox / drop-oldest channel used as a byte queue)",
		Aims:     catches(spec.WrongByte, "W2"),
	}, skeleton(hooks{serve: pipe(pipeOpts{
		newQueue: func() queue { return newChunkQueue(1, true) }, // BUG: should be a queue that waits
	})}))
}
