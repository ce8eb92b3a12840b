package search

import (
	"runtime"
	"sync"
)

// parallelMin is the work (values scanned) below which parallelRanges stays
// on the calling goroutine: starting one costs about a microsecond.
const parallelMin = 1 << 16

// parallelRanges calls f on disjoint ranges covering [0, n), on up to
// GOMAXPROCS goroutines at once when n items of cost each are worth it,
// and returns when all are done. f must only touch what its items own.
func parallelRanges(n, cost int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers < 2 || n*cost < parallelMin {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(n*w/workers, n*(w+1)/workers)
		}()
	}
	f(0, n/workers)
	wg.Wait()
}
