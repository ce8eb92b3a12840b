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
	for _, r := range rows {
		if r < 0 || r >= l.n {
			panic(fmt.Sprintf("tensor.Linear.Select: row %d of %d", r, l.n))
		}
	}
	n, k := len(rows), l.k
	np := (n + panelWidth - 1) / panelWidth
	s := &Linear{n: n, k: k}
	if l.q != nil {
		s.q = newInt8Panels(n, k)
	}
	if l.bias != nil {
		s.bias = make([]float32, s.biasLen())
		for i, r := range rows {
			s.bias[i] = l.bias[r]
		}
	}
	if l.q == nil {
		s.panels = make([]float32, np*k*panelWidth)
		for i, r := range rows {
			src := l.panels[(r/panelWidth)*k*panelWidth+r%panelWidth:]
			dst := s.panels[(i/panelWidth)*k*panelWidth+i%panelWidth:]
			for j := 0; j < k; j++ {
				dst[j*panelWidth] = src[j*panelWidth]
			}
		}
		return s
	}
	q := l.q
	group := panelWidth * 4 // bytes of one group of four inputs in a panel
	for i, r := range rows {
		s.q.scale[i], s.q.qsum[i] = q.scale[r], q.qsum[r]
		src := q.data[(r/panelWidth)*q.kq*group+(r%panelWidth)*4:]
		dst := s.q.data[(i/panelWidth)*q.kq*group+(i%panelWidth)*4:]
		for j := 0; j < q.kq; j++ {
			copy(dst[j*group:j*group+4], src[j*group:j*group+4])
		}
	}
	return s
}
