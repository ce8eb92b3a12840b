package safetensors

import (
	"os"
	"syscall"
)

// mapFile maps the size bytes of f read-only into memory, or returns nil
// when it cannot (the Reader then reads with pread).
func mapFile(f *os.File, size int64) []byte {
	if size <= 0 || int64(int(size)) != size {
		return nil
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil
	}
	return b
}

func unmapFile(b []byte) { _ = syscall.Munmap(b) }

// dropPages unmaps the whole pages inside b, a range of a mapped file,
// from the process (MADV_DONTNEED): they stop counting in its resident
// memory, and a later read maps them again from the page cache.
func dropPages(b []byte) {
	page := os.Getpagesize()
	lo := (page - int(addressOf(b))%page) % page
	if lo >= len(b) {
		return
	}
	n := (len(b) - lo) / page * page
	if n > 0 {
		_ = syscall.Madvise(b[lo:lo+n], syscall.MADV_DONTNEED)
	}
}
