package model

import "fmt"

// kvCache holds the self-attention keys and values of a Decoder's rows,
// one block per decoding step, and the back-pointers that chain a row's
// entries through the steps. Reordering rows (beam search) rewrites no
// cache entry: a row's history is found by following its back-pointers.
//
// Step g writes block g mod steps, a ring: a row's history must fit in the
// ring (its position below steps), which reserve ensures. Within a block,
// slot i holds what row i wrote at that step, for every layer.
type kvCache struct {
	layers, dm int
	rows       int       // slots per block
	steps      int       // blocks in the ring
	data       []float32 // [steps][layers][rows][2D]: keys | values
	// parent[b*rows+i] is the slot, in the block of the step before, of the
	// row that wrote slot i of block b; -1 at the row's first position.
	parent []int
}

// at is the offset of slot i of block b in layer 0; layer l adds l·layerSize().
func (c *kvCache) at(b, i int) int { return (b*c.layers*c.rows + i) * 2 * c.dm }

// layerSize is the distance between one layer's slots and the next's.
func (c *kvCache) layerSize() int { return c.rows * 2 * c.dm }

// reserve makes room for rows rows whose histories reach back steps steps,
// keeping the blocks of the steps before step now. It allocates only when
// the cache is too small.
func (c *kvCache) reserve(rows, steps, now int) {
	if rows <= c.rows && steps <= c.steps {
		return
	}
	old := *c
	c.rows, c.steps = max(rows, old.rows), max(steps, old.steps)
	c.data = make([]float32, c.steps*c.layers*c.rows*2*c.dm)
	c.parent = make([]int, c.steps*c.rows)
	for g := max(now-old.steps, 0); g < now; g++ {
		ob, nb := g%old.steps, g%c.steps
		copy(c.parent[nb*c.rows:], old.parent[ob*old.rows:(ob+1)*old.rows])
		for l := 0; l < c.layers; l++ {
			src := old.data[old.at(ob, 0)+l*old.layerSize():][:old.layerSize()]
			copy(c.data[c.at(nb, 0)+l*c.layerSize():], src)
		}
	}
}

// history writes into offs the layer-0 offsets of row i's entries, first
// position first, for a row that wrote slot i of step now's block and has
// n entries in all (its position plus one).
func (c *kvCache) history(offs []int, i, n, now int) {
	slot := i
	for j := n - 1; j >= 0; j-- {
		b := (now - (n - 1 - j)) % c.steps
		offs[j] = c.at(b, slot)
		slot = c.parent[b*c.rows+slot]
	}
}

// Reorder makes old row rows[i] the new row i. Rows may repeat or be left
// out. No cache entry moves: the new rows' next entries point back to the
// old rows' last ones. An index outside [0, Rows()) is a programmer error
// and panics.
func (d *Decoder) Reorder(rows []int) {
	old := len(d.rowSrc)
	for _, r := range rows {
		if r < 0 || r >= old {
			panic(fmt.Sprintf("model: Reorder row %d of %d", r, old))
		}
	}
	d.rowSrc, d.spareSrc = gather(d.spareSrc, d.rowSrc, rows), d.rowSrc
	d.pos, d.sparePos = gather(d.sparePos, d.pos, rows), d.pos
	d.last, d.spareLast = gather(d.spareLast, d.last, rows), d.last
	d.forgetSources()
}

// forgetSources lets go of the sentences no row reads any more: those
// before the first one read leave the list, and the keys and values of
// the others are dropped. S stays (Dims does not change under a search);
// the next Join to a Decoder without rows starts it afresh.
func (d *Decoder) forgetSources() {
	lo := d.firstSource + len(d.sources)
	for _, s := range d.rowSrc {
		lo = min(lo, s)
	}
	for i := range d.sources[:lo-d.firstSource] {
		if d.sources[i].kv != nil {
			d.forget(&d.sources[i])
		}
	}
	d.sources = d.sources[lo-d.firstSource:]
	d.firstSource = lo
	read := d.read[:0]
	for range d.sources {
		read = append(read, false)
	}
	for _, s := range d.rowSrc {
		read[s-lo] = true
	}
	for i, r := range read {
		if !r && d.sources[i].kv != nil {
			d.forget(&d.sources[i])
			d.sources[i].kv = nil
		}
	}
	d.read = read
}

// gather sets dst to src[rows[0]], src[rows[1]], … reusing dst's array.
func gather(dst, src, rows []int) []int {
	dst = dst[:0]
	for _, r := range rows {
		dst = append(dst, src[r])
	}
	return dst
}
