package tensor

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// goroutineID is the number the runtime prints for the calling goroutine
// in a stack trace.
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	id, _ := strconv.ParseUint(string(b[:bytes.IndexByte(b, ' ')]), 10, 64)
	return id
}

// stallRanger holds up any piece done off the caller's goroutine until
// the caller has done three quarters of the items: a helper that the
// system stopped running.
type stallRanger struct {
	caller uint64
	n      int
	mu     sync.Mutex
	cond   *sync.Cond
	done   []int // times each item was done
	byCall int   // items done by the caller
	helped bool  // a helper did a piece
}

func (s *stallRanger) Range(lo, hi int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if goroutineID() == s.caller {
		s.byCall += hi - lo
		s.cond.Broadcast()
	} else {
		s.helped = true
		for 4*s.byCall < 3*s.n {
			s.cond.Wait()
		}
	}
	for i := lo; i < hi; i++ {
		s.done[i]++
	}
}

// TestParallelForGoesOnWithoutAStalledHelper: the caller of ParallelFor
// takes the pieces a helper holding one of them would otherwise do, so
// that a helper the system does not run holds up no more than its piece
// (when the work was cut in halves, the caller waited for the helper's).
// Every item is still done once.
func TestParallelForGoesOnWithoutAStalledHelper(t *testing.T) {
	saved := Threads()
	defer SetThreads(saved)
	SetThreads(2)
	helped := 0
	for round := 0; round < 200 && helped < 5; round++ {
		s := &stallRanger{caller: goroutineID(), n: 64, done: make([]int, 64)}
		s.cond = sync.NewCond(&s.mu)
		ParallelFor(s.n, forMin, s)
		for i, k := range s.done {
			if k != 1 {
				t.Fatalf("round %d: item %d done %d times", round, i, k)
			}
		}
		if s.helped {
			helped++
		}
	}
	if helped == 0 {
		t.Skip("no helper took a piece in 200 rounds")
	}
}
