package tensor

import "fmt"

// Select returns a map of the outputs rows[0], rows[1], … of l, in that
// order, with their weights and biases (int8 when l is): the output layer
// of a vocabulary shortlist, which computes the logits of listed tokens
// only. Output i of the result gives output rows[i] of l exactly.
func (l *Linear) Select(rows []int) *Linear {
	if len(rows) == 0 {
		panic("tensor.Linear.Select: no rows")
	}
	return l.SelectInto(nil, 0, rows)
}

// SelectInto is Select into a map that has room: it writes outputs
// rows[0], rows[1], … of l as outputs at, at+1, … of dst, which l.Select
// or l.SelectInto made (nil: a new map), keeps dst's outputs below at,
// drops those from at+len(rows) on, and returns the map. That is dst
// itself, changed in place, while it has room for the outputs; otherwise
// a copy with room for twice as many. So an output layer whose tokens
// change as sentences come and go (a vocabulary shortlist of a running
// decoder) allocates only when it grows past its largest size. at must
// be at most dst.Out(); a map so changed must not be in use elsewhere.
func (l *Linear) SelectInto(dst *Linear, at int, rows []int) *Linear {
	for _, r := range rows {
		if r < 0 || r >= l.n {
			panic(fmt.Sprintf("tensor.Linear.SelectInto: row %d of %d", r, l.n))
		}
	}
	if dst == nil {
		dst = &Linear{k: l.k}
		if l.q != nil {
			dst.q = &int8Panels{kq: l.q.kq}
		}
	}
	if dst.k != l.k || (dst.q != nil) != (l.q != nil) || at < 0 || at > dst.n {
		panic(fmt.Sprintf("tensor.Linear.SelectInto: %d outputs at %d of a map of %d", len(rows), at, dst.n))
	}
	n := at + len(rows)
	if n == 0 {
		panic("tensor.Linear.SelectInto: no outputs")
	}
	dst.resize(l, n)
	for i, r := range rows {
		l.copyOutput(dst, at+i, r)
	}
	return dst
}

// resize gives s, a selection from l, n outputs, keeping its present ones
// (up to n): its slices are cut to n outputs' panels within their
// capacity, or copied into ones of room for 2n.
func (s *Linear) resize(l *Linear, n int) {
	np := (n + panelWidth - 1) / panelWidth
	if l.q != nil {
		np = (np + 1) &^ 1 // the int8 kernels take panels two at a time
	}
	k := l.k
	grow := func(old []float32, size int) []float32 {
		if cap(old) >= size {
			return old[:size]
		}
		return append(make([]float32, 0, 2*size), old...)[:size]
	}
	if l.bias != nil {
		s.bias = grow(s.bias, np*panelWidth)
	}
	if l.q == nil {
		s.panels = grow(s.panels, np*k*panelWidth)
	} else {
		q := s.q
		size := np * q.kq * panelWidth * 4
		if cap(q.data) >= size {
			q.data = q.data[:size]
		} else {
			q.data = append(make([]int8, 0, 2*size), q.data...)[:size]
		}
		q.scale, q.qsum = grow(q.scale, np*panelWidth), grow(q.qsum, np*panelWidth)
	}
	s.n = n
}

// copyOutput copies output r of l (its weights, scale and bias) to output
// i of s.
func (l *Linear) copyOutput(s *Linear, i, r int) {
	k := l.k
	if l.bias != nil {
		s.bias[i] = l.bias[r]
	}
	if l.q == nil {
		src := l.panels[(r/panelWidth)*k*panelWidth+r%panelWidth:]
		dst := s.panels[(i/panelWidth)*k*panelWidth+i%panelWidth:]
		for j := 0; j < k; j++ {
			dst[j*panelWidth] = src[j*panelWidth]
		}
		return
	}
	q := l.q
	group := panelWidth * 4 // bytes of one group of four inputs in a panel
	s.q.scale[i], s.q.qsum[i] = q.scale[r], q.qsum[r]
	src := q.data[(r/panelWidth)*q.kq*group+(r%panelWidth)*4:]
	dst := s.q.data[(i/panelWidth)*q.kq*group+(i%panelWidth)*4:]
	for j := 0; j < q.kq; j++ {
		copy(dst[j*group:j*group+4], src[j*group:j*group+4])
	}
}
