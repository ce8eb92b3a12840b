package model

import "github.com/translated/translated/nmt/tensor"

// selfAttention appends this step's keys and values to layer l's cache and
// runs x = LN(x + out_proj(MHA(x, cache))).
func (d *Decoder) selfAttention(l int, a *attention, x []float32, rows int) {
	dm := len(x) / rows
	hd := dm / a.heads
	qkv := d.qkv[:rows*3*dm]
	a.inProj.Apply(qkv, x, rows) // [rows, 3D]: q | k | v
	scaleQueries(qkv, rows, 3*dm, dm, queryScale(dm, a.heads))
	n := d.step + 1
	for r := 0; r < rows; r++ {
		row := qkv[r*3*dm : (r+1)*3*dm]
		keys := d.appendCache(&d.selfK[l][r], row[dm:2*dm])     // [n, D]
		values := d.appendCache(&d.selfV[l][r], row[2*dm:3*dm]) // [n, D]
		out := d.ctx[r*dm : (r+1)*dm]
		for h := 0; h < a.heads; h++ {
			o := h * hd
			attendHead(out[o:o+hd], row[o:o+hd], keys[o:], values[o:], dm, n, d.probs)
		}
	}
	tmp := d.tmp[:rows*dm]
	a.outProj.Apply(tmp, d.ctx, rows) // [rows, D]
	tensor.AddLayerNorm(x, tmp, a.norm.gamma, a.norm.beta, layerNormEps)
}

// crossAttention runs x = LN(x + out_proj(MHA(x, encoder states))) for
// layer l, writing the attention weights into attn when it is not nil.
func (d *Decoder) crossAttention(l int, a *attention, x []float32, rows int, attn []float32) {
	c := &d.m.cfg
	dm := c.DModel
	hd := dm / a.heads
	S := d.enc.maxLen
	q := d.q[:rows*dm]
	a.inProj.Apply(q, x, rows) // [rows, D]
	tensor.Scale(q, queryScale(dm, a.heads))
	kv := d.crossKV[l]
	for r := 0; r < rows; r++ {
		s := d.src[r]
		n := d.enc.lens[s]
		base := d.enc.offs[s] * 2 * dm
		out := d.ctx[r*dm : (r+1)*dm]
		for h := 0; h < a.heads; h++ {
			o := h * hd
			p := d.probs
			if attn != nil {
				p = attn[((r*c.DecoderLayers+l)*a.heads+h)*S:][:S]
				clear(p[n:])
			}
			attendHead(out[o:o+hd], q[r*dm+o:r*dm+o+hd], kv[base+o:], kv[base+dm+o:], 2*dm, n, p)
		}
	}
	tmp := d.tmp[:rows*dm]
	a.outProj.Apply(tmp, d.ctx, rows) // [rows, D]
	tensor.AddLayerNorm(x, tmp, a.norm.gamma, a.norm.beta, layerNormEps)
}
