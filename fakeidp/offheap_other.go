//go:build !linux

package fakeidp

// mapBlock maps nothing here: the recorder keeps its blocks in Go memory.
func mapBlock(int) []byte { return nil }

// unmapBlock is never called here.
func unmapBlock([]byte) {}
