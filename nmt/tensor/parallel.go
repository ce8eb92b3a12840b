package tensor

import (
	"context"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
)

// parallelMin is the number of multiply-adds below which a product stays on
// the calling goroutine: handing work to another goroutine costs a few
// microseconds, the time of about a million multiply-adds here.
const parallelMin = 1 << 20

// forMin is the cost (in units of about a nanosecond: an exponential, a
// multiply-add of a short vector) below which ParallelFor stays on the
// calling goroutine.
const forMin = 1 << 16

var threads atomic.Int64

func init() { threads.Store(int64(runtime.GOMAXPROCS(0))) }

// SetThreads sets how many goroutines one large matrix product (or one
// ParallelFor) may use (default GOMAXPROCS at start-up; values below 1 mean
// 1). Results do not depend on it. A server that already runs one request
// per core may set 1.
func SetThreads(n int) { threads.Store(int64(max(n, 1))) }

// Threads reports the setting of SetThreads.
func Threads() int { return int(threads.Load()) }

// A Ranger does the items [lo, hi) of some work; ParallelFor calls it on
// disjoint ranges from several goroutines at once.
type Ranger interface {
	Range(lo, hi int)
}

// ParallelFor runs r over the items [0, n), split into up to Threads()
// contiguous ranges done at once when the work is large enough: cost is
// the work of one item in about nanoseconds. It returns when every range is
// done. A *T stored in the caller's state passed as r costs no allocation.
func ParallelFor(n, cost int, r Ranger) {
	workers := min(Threads(), n, 64)
	if workers < 2 || n*cost < forMin {
		if n > 0 {
			r.Range(0, n)
		}
		return
	}
	bound := func(w int) int { return n * w / workers }
	run(workers, bound, task{r: r})
}

// task is one range of a product's column panels, or of a Ranger's items,
// run by a helper goroutine.
type task struct {
	l      *Linear // a product's map, when r is nil
	dst, x []float32
	qx     *quantized // an int8 product's quantized x, instead of x
	m      int
	r      Ranger
	lo, hi int
	done   chan struct{}
}

func (t *task) do() {
	switch {
	case t.r != nil:
		t.r.Range(t.lo, t.hi)
	case t.qx != nil:
		t.l.applyPanelsInt8(t.dst, t.qx, t.m, t.lo, t.hi)
	default:
		t.l.applyPanels(t.dst, t.x, t.m, t.lo, t.hi)
	}
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
			// A helper works for every caller: it does not keep the
			// profiler labels of the goroutine that started it.
			pprof.SetGoroutineLabels(context.Background())
			for t := range tasks {
				t.do()
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
	groups := (np + 3) / 4
	bound := func(w int) int { return min(np, 4*(groups*w/workers)) }
	run(workers, bound, task{l: l, dst: dst, x: x, m: m})
}

// parallelInt8 is parallel for an int8 map, whose multiply-adds cost about
// a quarter of float32 ones.
func parallelInt8(l *Linear, dst []float32, qx *quantized, m, np int) {
	workers := min(Threads(), np/4, 64)
	if workers < 2 || m*l.n*l.k < 4*parallelMin {
		l.applyPanelsInt8(dst, qx, m, 0, np)
		return
	}
	groups := (np + 3) / 4
	bound := func(w int) int { return min(np, 4*(groups*w/workers)) }
	run(workers, bound, task{l: l, dst: dst, qx: qx, m: m})
}

// run does t over the ranges [bound(w), bound(w+1)) for w < workers: the
// first on the calling goroutine, the others on helpers. A range no idle
// helper takes at once is done here instead, so that concurrent callers
// never wait for each other's helpers.
func run(workers int, bound func(int) int, t task) {
	ensureHelpers(workers - 1)
	t.done = donePool.Get().(chan struct{})
	sent := 0
	for w := 1; w < workers; w++ {
		t.lo, t.hi = bound(w), bound(w+1)
		select {
		case tasks <- t:
			sent++
		default:
			t.do()
		}
	}
	t.lo, t.hi = bound(0), bound(1)
	t.do()
	for ; sent > 0; sent-- {
		<-t.done
	}
	donePool.Put(t.done)
}
