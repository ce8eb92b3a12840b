package tensor

import (
	"syscall"
	"unsafe"
)

// hugePage is the size of a transparent huge page on the CPUs Linux runs
// the engine on (x86-64, arm64 with 4 KB pages).
const hugePage = 2 << 20

// adviseHuge asks the kernel to back the huge pages v overlaps with huge
// pages when they are first written (madvise MADV_HUGEPAGE). Packing a
// map of hundreds of megabytes then takes a page fault every 2 MB instead
// of every 4 KB. It is a hint: it changes no data (the pages at the ends
// may hold other objects of the heap) and the kernel may ignore it. Call
// it before v is written; small slices are left alone.
func adviseHuge(v []float32) {
	if len(v)*4 < hugePage/2 {
		return
	}
	start := uintptr(unsafe.Pointer(&v[0]))
	end := start + uintptr(len(v))*4
	lo, hi := start&^(hugePage-1), (end+hugePage-1)&^(hugePage-1)
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, 14) // MADV_HUGEPAGE
}
