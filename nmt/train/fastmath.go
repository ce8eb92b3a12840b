package train

import (
	"math"
	"runtime"
	"sync"
)

// expf is e^x in float32 with a relative error below 2e-7 (Cephes expf:
// x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for e^r, then a
// scale by 2^n). It returns 0 below −87.3 (where e^x stops being a normal
// float32) and +Inf above 88.7.
func expf(x float32) float32 {
	if x < -87.3 {
		return 0
	}
	if x > 88.7 {
		return float32(math.Inf(1))
	}
	t := x * 1.44269504088896341
	if t < 0 {
		t -= 0.5
	} else {
		t += 0.5
	}
	n := float32(int32(t))
	r := x - n*0.693359375 + n*2.12194440e-4
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	e := p*r*r + r + 1
	return e * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// sigmoid is 1/(1+e^−x).
func sigmoid(x float32) float32 { return 1 / (1 + expf(-x)) }

// rowWorkers is the number of row ranges parallelRows uses for n rows.
func rowWorkers(n int) int { return max(1, min(runtime.GOMAXPROCS(0), n)) }

// parallelRows calls fn(w, lo, hi) on rowWorkers(n) contiguous row ranges
// covering [0, n), w numbering them, and waits for all of them.
func parallelRows(n int, fn func(w, lo, hi int)) {
	workers := rowWorkers(n)
	if workers <= 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(w, lo, hi)
		}()
	}
	wg.Wait()
}

// parallelMin is the number of values below which parallelFor does not
// split its work (starting goroutines would cost more than they save);
// tests lower it so that small models take the split paths.
var parallelMin = 1 << 14

// parallelFor calls fn(lo, hi) on contiguous ranges covering [0, n), as
// parallelRows does, when the work touches at least parallelMin values
// (size), and fn(0, n) otherwise. Each index is handled by exactly one
// call, so a kernel whose result for an index depends only on that index
// (a row, a column, an element) computes the same bits however it is split.
func parallelFor(n, size int, fn func(lo, hi int)) {
	if size < parallelMin {
		fn(0, n)
		return
	}
	parallelRows(n, func(_, lo, hi int) { fn(lo, hi) })
}
