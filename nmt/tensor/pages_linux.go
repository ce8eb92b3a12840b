package tensor

import (
	"syscall"
	"unsafe"
)

// hugePage is the size of a transparent huge page on the CPUs Linux runs
// the engine on (x86-64, arm64 with 4 KB pages).
const hugePage = 2 << 20

// adviseHuge asks the kernel to back the whole huge pages inside v with
// huge pages when it first writes them (madvise MADV_HUGEPAGE; a hint that
// may be ignored). Packing a map of hundreds of megabytes then takes a page
// fault every 2 MB instead of every 4 KB, which is most of the time of
// loading a float32 model. Call it before v is written.
func adviseHuge(v []float32) {
	if len(v)*4 < hugePage/2 {
		return
	}
	start := uintptr(unsafe.Pointer(&v[0]))
	end := start + uintptr(len(v))*4
	lo, hi := start&^(hugePage-1), (end+hugePage-1)&^(hugePage-1)
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, 14) // MADV_HUGEPAGE
}
