package tensor

import (
	"context"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
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

// ParallelFor runs r over the items [0, n), split into pieces that up to
// Threads() goroutines take one at a time when the work is large enough:
// cost is the work of one item in about nanoseconds. It returns when every
// piece is done. A *T stored in the caller's state passed as r costs no
// allocation.
func ParallelFor(n, cost int, r Ranger) {
	workers := min(Threads(), n, 64)
	if workers < 2 || n*cost < forMin {
		if n > 0 {
			r.Range(0, n)
		}
		return
	}
	run(workers, n, 1, n*cost/(forMin/4), task{r: r})
}

// task is the work of a product (a range of its column panels) or of a
// Ranger (a range of its items).
type task struct {
	l      *Linear // a product's map, when r is nil
	dst, x []float32
	qx     *quantized // an int8 product's quantized x, instead of x
	m      int
	r      Ranger
}

func (t *task) do(lo, hi int) {
	switch {
	case t.r != nil:
		t.r.Range(lo, hi)
	case t.qx != nil:
		t.l.applyPanelsInt8(t.dst, t.qx, t.m, lo, hi)
	default:
		t.l.applyPanels(t.dst, t.x, t.m, lo, hi)
	}
}

// share is one task cut into pieces, which its caller and the helpers that
// take it take one at a time until none is left: a helper that starts
// late, or that the system does not run for a while, leaves its pieces to
// the others instead of holding up the caller, who only waits for the
// pieces already taken. refs counts the goroutines holding the share and
// its place in the offer slot; the last one to let go puts it back in
// sharePool.
type share struct {
	task
	n, align, pieces int           // items [0, n) in pieces of whole align-item groups
	next, left, refs atomic.Int32  // the next piece to take, pieces not done, holders
	places           atomic.Int32  // helpers that may still take it (workers − 1 at first)
	done             chan struct{} // receives once the last piece is done
}

// bound is the first item of piece i (n for i = pieces).
func (s *share) bound(i int) int {
	groups := (s.n + s.align - 1) / s.align
	return min(s.n, s.align*(groups*i/s.pieces))
}

// work does pieces until none is left.
func (s *share) work() {
	for {
		i := int(s.next.Add(1)) - 1
		if i >= s.pieces {
			return
		}
		s.do(s.bound(i), s.bound(i+1))
		if s.left.Add(-1) == 0 {
			s.done <- struct{}{}
		}
	}
}

// release drops a holder's reference.
func (s *share) release() {
	if s.refs.Add(-1) == 0 {
		s.task = task{}
		sharePool.Put(s)
	}
}

// offer puts s in the offer slot for a helper to take, with a reference
// of its own, and wakes a sleeping helper; it reports false when the slot
// holds another share (the helpers are busy with another caller's work).
func (s *share) offer() bool {
	s.refs.Add(1)
	if !offered.CompareAndSwap(nil, s) {
		s.refs.Add(-1)
		return false
	}
	now := sinceStart()
	offerGap.Store(now - lastOffer.Swap(now))
	select {
	case wake <- struct{}{}:
	default: // a wake-up is already pending
	}
	return true
}

// withdraw takes s out of the offer slot if no helper took it.
func (s *share) withdraw() {
	if offered.CompareAndSwap(s, nil) {
		s.release()
	}
}

var (
	offered     atomic.Pointer[share] // a share waiting for a helper
	lastOffer   atomic.Int64          // sinceStart() at the last offer
	offerGap    atomic.Int64          // the time between the last two offers
	start       = time.Now()
	wake        = make(chan struct{}, 1)
	helpersMu   sync.Mutex
	helperCount int
	sharePool   = sync.Pool{New: func() any { return &share{done: make(chan struct{}, 1)} }}
)

// helperSpin is how long a helper that finds no work keeps looking before
// it sleeps, while work comes at least as often: the products of a decoder
// step of many rows follow one another a few microseconds apart, and
// waking a sleeping helper takes the system about as long as a small
// product. When offers come further apart (a step of a few rows, most of
// its products too small to split), a helper sleeps at once.
const helperSpin = 50 * time.Microsecond

// sinceStart is a monotonic clock in nanoseconds.
func sinceStart() int64 { return int64(time.Since(start)) }

// ensureHelpers starts helper goroutines until n are running. Helpers live
// for the life of the process and sleep when they have found no work for
// helperSpin.
func ensureHelpers(n int) {
	helpersMu.Lock()
	defer helpersMu.Unlock()
	for ; helperCount < n; helperCount++ {
		go help()
	}
}

// help is a helper's loop: take the offered share, offer it again for the
// other helpers while pieces are left, and work on it.
func help() {
	// A helper works for every caller: it does not keep the profiler
	// labels of the goroutine that started it.
	pprof.SetGoroutineLabels(context.Background())
	for {
		s := take()
		if s.places.Add(-1) > 0 && int(s.next.Load()) < s.pieces-1 {
			s.offer()
		}
		s.work()
		s.release()
	}
}

// take returns the offered share, looking for one for helperSpin before it
// sleeps until one is offered when offers have been coming that often.
func take() *share {
	since := sinceStart()
	for {
		if s := offered.Swap(nil); s != nil {
			return s
		}
		if offerGap.Load() < int64(helperSpin) && sinceStart()-since < int64(helperSpin) {
			runtime.Gosched()
			continue
		}
		<-wake
		since = sinceStart()
	}
}

// parallel runs l.applyPanels over panels [0, np), split into pieces of
// whole groups of four panels when the product is large enough.
func parallel(l *Linear, dst, x []float32, m, np int) {
	workers := min(Threads(), np/4, 64)
	if workers < 2 || m*l.n*l.k < parallelMin {
		l.applyPanels(dst, x, m, 0, np)
		return
	}
	run(workers, np, 4, m*l.n*l.k/(parallelMin/4), task{l: l, dst: dst, x: x, m: m})
}

// parallelInt8 is parallel for an int8 map, whose multiply-adds cost about
// a quarter of float32 ones.
func parallelInt8(l *Linear, dst []float32, qx *quantized, m, np int) {
	workers := min(Threads(), np/4, 64)
	if workers < 2 || m*l.n*l.k < 4*parallelMin {
		l.applyPanelsInt8(dst, qx, m, 0, np)
		return
	}
	run(workers, np, 4, m*l.n*l.k/parallelMin, task{l: l, dst: dst, qx: qx, m: m})
}

// piecesPerWorker is the most pieces a task is cut into per goroutine that
// may work on it: enough that a goroutine the others wait for holds little
// of the task, few enough that taking them costs nothing worth counting.
const piecesPerWorker = 4

// run does t over items [0, n) with up to workers goroutines: the calling
// one and the helpers free to take it, each taking pieces of whole
// align-item groups until none is left. It cuts the task into about work
// pieces (at least workers, at most piecesPerWorker a worker and one a
// group). When the helpers are busy with another caller's task, the caller
// does its own alone, so that concurrent callers never wait for each
// other's work.
func run(workers, n, align, work int, t task) {
	ensureHelpers(workers - 1)
	s := sharePool.Get().(*share)
	s.task, s.n, s.align = t, n, align
	s.pieces = min(max(work, workers), piecesPerWorker*workers, (n+align-1)/align)
	s.next.Store(0)
	s.left.Store(int32(s.pieces))
	s.refs.Store(1) // the caller's
	s.places.Store(int32(workers - 1))
	offered := s.offer()
	s.work()
	if offered {
		s.withdraw()
	}
	<-s.done
	s.release()
}
