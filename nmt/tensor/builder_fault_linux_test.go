package tensor

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"
	"testing"
	"unsafe"
)

// mappedRows writes w to a file, maps it read-only and returns the mapped
// values with the file's path; the mapping goes with the test.
func mappedRows(t *testing.T, w []float32) ([]float32, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rows")
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(w))), len(w)*4)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 0, len(b), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(m) })
	return unsafe.Slice((*float32)(unsafe.Pointer(&m[0])), len(w)), path
}

// TestSetRowsFileCutShort packs rows that lie in a mapped file after the
// file was cut short under the mapping: the read past the cut faults, and
// SetRows must return ErrFault, for float32 and int8 maps, on one thread
// and on several, with the cut among the rows before the first whole
// panel, among the whole panels or among the rows after the last. Every
// goroutine that packed must have its fault setting back as it was.
func TestSetRowsFileCutShort(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	saved := Threads()
	defer SetThreads(saved)
	const n, k, r0 = 200, 256, 5 // rows 5…15 before the first whole panel, 16…191 whole, 192…204 after
	page := os.Getpagesize()
	for _, threads := range []int{1, 3} {
		for _, asInt8 := range []bool{false, true} {
			for _, cut := range []int{0, 100 * k * 4, 196 * k * 4} {
				SetThreads(threads)
				w, path := mappedRows(t, randSlice(r, n*k))
				if err := os.Truncate(path, int64(cut/page*page)); err != nil {
					t.Fatal(err)
				}
				lb := NewLinearBuilder(r0+n, k, asInt8)
				if err := lb.SetRows(r0, w); !errors.Is(err, ErrFault) {
					t.Errorf("threads %d, int8 %v, cut at byte %d: SetRows = %v, want ErrFault", threads, asInt8, cut, err)
				}
				checkFaultSetting(t)
			}
		}
	}
}

// checkFaultSetting fails unless this goroutine and ParallelFor's helpers
// crash on a fault, as goroutines do by default.
func checkFaultSetting(t *testing.T) {
	t.Helper()
	var c faultSettings
	ParallelFor(64, forMin, &c)
	c.Range(0, 0)
	if c.on {
		t.Error("a goroutine still panics on a fault after SetRows")
	}
}

// faultSettings notes whether a goroutine it ran on panicked on faults.
type faultSettings struct {
	mu sync.Mutex
	on bool
}

func (c *faultSettings) Range(int, int) {
	on := debug.SetPanicOnFault(false)
	c.mu.Lock()
	c.on = c.on || on
	c.mu.Unlock()
}

var sink float32

// TestSetRowsOtherPanicsGoOn checks that the guard of SetRows recovers only
// a fault inside its rows: a fault on other mapped memory and a panic of
// another kind go on.
func TestSetRowsOtherPanicsGoOn(t *testing.T) {
	other, path := mappedRows(t, make([]float32, os.Getpagesize()))
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		do   func()
	}{
		{"a fault outside the rows", func() { sink = other[1] }},
		{"a panic", func() { panic("not a fault") }},
		{"a nil dereference", func() { sink = *(*float32)(nil) }},
	} {
		s := &rowSetter{w: make([]float32, 64)}
		p := func() (p any) {
			defer func() { p = recover() }()
			defer s.recoverFault(debug.SetPanicOnFault(true))
			tc.do()
			return nil
		}()
		if p == nil {
			t.Errorf("%s was recovered", tc.name)
		}
		if _, ok := p.(runtime.Error); ok != (tc.name != "a panic") {
			t.Errorf("%s went on as %v", tc.name, p)
		}
		if s.faulted.Load() {
			t.Errorf("%s was taken for a fault in the rows", tc.name)
		}
	}
}
