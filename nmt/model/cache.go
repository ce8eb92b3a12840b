package model

import "fmt"

// appendCache appends v to *slot, taking a recycled buffer for an empty
// slot, and returns the grown slice.
func (d *Decoder) appendCache(slot *[]float32, v []float32) []float32 {
	if *slot == nil {
		if k := len(d.spare); k > 0 {
			*slot = d.spare[k-1][:0]
			d.spare = d.spare[:k-1]
		} else {
			*slot = make([]float32, 0, 32*len(v))
		}
	}
	*slot = append(*slot, v...)
	return *slot
}

// Reorder makes old row rows[i] the new row i. Rows may repeat or be left
// out. An index outside [0, Rows()) is a programmer error and panics.
func (d *Decoder) Reorder(rows []int) {
	old := len(d.src)
	for _, r := range rows {
		if r < 0 || r >= old {
			panic(fmt.Sprintf("model: Reorder row %d of %d", r, old))
		}
	}
	if cap(d.used) < old {
		d.used = make([]bool, old)
	}
	for l := range d.selfK {
		d.selfK[l] = d.reorderCache(d.selfK[l], rows)
		d.selfV[l] = d.reorderCache(d.selfV[l], rows)
	}
	d.nextSrc = d.nextSrc[:0]
	for _, r := range rows {
		d.nextSrc = append(d.nextSrc, d.src[r])
	}
	d.src, d.nextSrc = d.nextSrc, d.src
}

// reorderCache gathers cache rows: the first use of an old row takes its
// slice, later uses copy it into a spare slice, and unused rows are recycled.
func (d *Decoder) reorderCache(cache [][]float32, rows []int) [][]float32 {
	used := d.used[:len(cache)]
	clear(used)
	next := d.nextRows[:0]
	for _, r := range rows {
		if !used[r] {
			used[r] = true
			next = append(next, cache[r])
			continue
		}
		var buf []float32
		if k := len(d.spare); k > 0 {
			buf, d.spare = d.spare[k-1][:0], d.spare[:k-1]
		}
		next = append(next, append(buf, cache[r]...))
	}
	for r, u := range used {
		if !u && cache[r] != nil {
			d.spare = append(d.spare, cache[r][:0])
		}
	}
	// The old header slice becomes the scratch for the next call.
	clear(cache)
	d.nextRows = cache[:0]
	return next
}
