package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallelMin is the number of multiply-adds below which a product stays on
// the calling goroutine: handing work to another goroutine costs a few
// microseconds, the time of about a million multiply-adds here.
const parallelMin = 1 << 20

var threads atomic.Int64

func init() { threads.Store(int64(runtime.GOMAXPROCS(0))) }

// SetThreads sets how many goroutines one large matrix product may use
// (default GOMAXPROCS at start-up; values below 1 mean 1). Results do not
// depend on it. A server that already runs one request per core may set 1.
func SetThreads(n int) { threads.Store(int64(max(n, 1))) }

// Threads reports the setting of SetThreads.
func Threads() int { return int(threads.Load()) }

// task is one column range of a product, run by a helper goroutine.
type task struct {
	l      *Linear
	dst, x []float32
	m      int
	p0, p1 int
	done   chan struct{}
}

var (
	tasks       = make(chan task)
	helpersMu   sync.Mutex
	helperCount int
	donePool    = sync.Pool{New: func() any { return make(chan struct{}, 64) }}
)

// ensureHelpers starts helper goroutines until n are running. Helpers live
// for the life of the process and sleep on the task channel when idle.
func ensureHelpers(n int) {
	helpersMu.Lock()
	defer helpersMu.Unlock()
	for ; helperCount < n; helperCount++ {
		go func() {
			for t := range tasks {
				t.l.applyPanels(t.dst, t.x, t.m, t.p0, t.p1)
				t.done <- struct{}{}
			}
		}()
	}
}

// parallel runs l.applyPanels over panels [0, np), split into column ranges
// of whole groups of four panels when the product is large enough.
func parallel(l *Linear, dst, x []float32, m, np int) {
	workers := min(Threads(), np/4, 64)
	if workers < 2 || m*l.n*l.k < parallelMin {
		l.applyPanels(dst, x, m, 0, np)
		return
	}
	ensureHelpers(workers - 1)
	done := donePool.Get().(chan struct{})
	groups := (np + 3) / 4
	bound := func(w int) int { return min(np, 4*(groups*w/workers)) }
	// A range no idle helper takes at once is computed here instead, so
	// concurrent products never wait for each other's helpers.
	sent := 0
	for w := 1; w < workers; w++ {
		select {
		case tasks <- task{l: l, dst: dst, x: x, m: m, p0: bound(w), p1: bound(w + 1), done: done}:
			sent++
		default:
			l.applyPanels(dst, x, m, bound(w), bound(w+1))
		}
	}
	l.applyPanels(dst, x, m, 0, bound(1))
	for ; sent > 0; sent-- {
		<-done
	}
	donePool.Put(done)
}
