//go:build linux

package fakeidp

import "syscall"

// mapBlock returns n zeroed bytes mapped outside the Go heap, or nil when
// the kernel refuses them. A block of a huge page or more is marked for
// huge pages: where the kernel grants them ("madvise" mode, as here), it
// faults in 2 MiB at a time instead of 4 KiB.
func mapBlock(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil
	}
	if n >= hugePage {
		_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE) // a hint: refused, the block works as it is
	}
	return b
}

// unmapBlock returns a block mapBlock made.
func unmapBlock(b []byte) { _ = syscall.Munmap(b) }
