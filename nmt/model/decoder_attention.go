package model

import "github.com/translated/translated/nmt/tensor"

// selfAttention stores this step's keys and values of layer l in the cache
// and runs x = LN(x + out_proj(MHA(x, cache))), the rows' heads split over
// goroutines.
func (d *Decoder) selfAttention(l int, a *attention, x []float32, rows int) {
	dm := len(x) / rows
	qkv := d.qkv[:rows*3*dm]
	a.inProj.Apply(qkv, x, rows) // [rows, 3D]: q | k | v
	scaleQueries(qkv, rows, 3*dm, dm, queryScale(dm, a.heads))
	c := &d.cache
	b := d.step % c.steps
	for r := 0; r < rows; r++ {
		// k | v of row r into slot r of this step's block  [2D]
		copy(c.data[c.at(b, r)+l*c.layerSize():][:2*dm], qkv[r*3*dm+dm:(r+1)*3*dm])
	}
	d.selfJob = selfAttentionJob{d: d, a: a, qkv: qkv, base: c.data[l*c.layerSize():]}
	d.attend(a, x, rows, (d.maxPos()+1)*2*dm, &d.selfJob)
}

// attend runs job over the rows (each costing about cost), which writes
// their attention outputs into d.ctx, then x = LN(x + out_proj(ctx)).
func (d *Decoder) attend(a *attention, x []float32, rows, cost int, job tensor.Ranger) {
	tensor.ParallelFor(rows, cost, job)
	dm := len(x) / rows
	tmp := d.tmp[:rows*dm]
	a.outProj.Apply(tmp, d.ctx, rows) // [rows, D]
	tensor.AddLayerNorm(x, tmp, a.norm.gamma, a.norm.beta, layerNormEps)
}

// selfAttentionJob attends rows of one step to their cached keys and values.
type selfAttentionJob struct {
	d    *Decoder
	a    *attention
	qkv  []float32 // [rows, 3D]
	base []float32 // the cache from this layer's slot of block 0
}

func (j *selfAttentionJob) Range(lo, hi int) {
	d, dm := j.d, j.d.m.cfg.DModel
	hd := dm / j.a.heads
	for r := lo; r < hi; r++ {
		n := d.pos[r] + 1
		offs := d.offs[d.start[r]:][:n] // [n] the row's entries, first position first
		q := j.qkv[r*3*dm:][:dm]
		out := d.ctx[r*dm : (r+1)*dm]
		p := d.probs[r*d.probsWidth:][:n]
		for h := 0; h < j.a.heads; h++ {
			o := h * hd
			tensor.DotGather(p, q[o:o+hd], j.base[o:], offs) // [n] scores
			tensor.Softmax(p)                                // [n] weights
			tensor.WeightedSumGather(out[o:o+hd], p, j.base[dm+o:], offs)
		}
	}
}

// crossAttention runs x = LN(x + out_proj(MHA(x, encoder states))) for
// layer l, writing the attention weights into attn when it is not nil.
func (d *Decoder) crossAttention(l int, a *attention, x []float32, rows int, attn []float32) {
	dm := d.m.cfg.DModel
	q := d.q[:rows*dm]
	a.inProj.Apply(q, x, rows) // [rows, D]
	tensor.Scale(q, queryScale(dm, a.heads))
	d.crossJob = crossAttentionJob{d: d, a: a, l: l, q: q, attn: attn}
	d.attend(a, x, rows, d.srcLen*2*dm, &d.crossJob)
}

// crossAttentionJob attends rows to the encoder states of their sentences.
type crossAttentionJob struct {
	d    *Decoder
	a    *attention
	l    int
	q    []float32 // [rows, D] scaled queries
	attn []float32 // [rows, Layers, Heads, S] or nil
}

func (j *crossAttentionJob) Range(lo, hi int) {
	d, c := j.d, &j.d.m.cfg
	dm := c.DModel
	hd := dm / j.a.heads
	S := d.srcLen
	for r := lo; r < hi; r++ {
		s := d.source(r)
		kv := s.kv[j.l] // [n, 2D]
		out := d.ctx[r*dm : (r+1)*dm]
		for h := 0; h < j.a.heads; h++ {
			o := h * hd
			p := d.probs[r*d.probsWidth:][:S]
			if j.attn != nil {
				p = j.attn[((r*c.DecoderLayers+j.l)*j.a.heads+h)*S:][:S]
				clear(p[s.n:])
			}
			attendHead(out[o:o+hd], j.q[r*dm+o:r*dm+o+hd], kv[o:], kv[dm+o:], 2*dm, s.n, p)
		}
	}
}
