package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/translated/translated/nmt/model"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// bucketGraph is the compiled training graph for one batch shape: B
// sentence pairs, every source and target padded to L tokens. Its
// parameter nodes share the backing arrays of Params, and a run copies
// every gradient into Param.Grad.
type bucketGraph struct {
	b, l int
	g    *gorgonia.ExprGraph
	vm   gorgonia.VM

	encEmbed, decEmbed *embedOp
	encSelf, decSelf   []*attentionOp
	decCross           []*attentionOp
	dropouts           []*dropoutOp
	loss               *lossOp
	guided             *guidedOp      // nil unless one head is supervised
	cost               *gorgonia.Node // the translation loss
	grads              []gorgonia.Value
}

// graphBuilder carries what every block needs while one graph is built.
type graphBuilder struct {
	cfg     *model.Config
	bg      *bucketGraph
	nodes   map[string]*gorgonia.Node
	dropout float32
	pool    *bufferPool
	cross   []crossNodes // per decoder layer: the cross-attention's q, k and output
	err     error
}

// crossNodes are the nodes of one decoder layer's cross-attention.
type crossNodes struct{ q, k, out *gorgonia.Node }

// newBucketGraph builds and compiles the graph for batches of b pairs of
// length l. scratch is the shared [b·l, V] buffer of the output layer.
func newBucketGraph(c *model.Config, ps *Params, b, l int, dropout, smoothing float32, scratch []float32, pool *bufferPool) (*bucketGraph, error) {
	return newGuidedBucketGraph(c, ps, b, l, dropout, smoothing, scratch, pool, nil)
}

// newGuidedBucketGraph is newBucketGraph with, when guide is not nil, the
// guided-alignment loss of one cross-attention head added to the cost.
// Without it the graph is exactly the unguided one.
func newGuidedBucketGraph(c *model.Config, ps *Params, b, l int, dropout, smoothing float32, scratch []float32, pool *bufferPool, guide *guideHead) (*bucketGraph, error) {
	useBLAS()
	pool.begin()
	bg := &bucketGraph{b: b, l: l, g: gorgonia.NewGraph()}
	gb := &graphBuilder{cfg: c, bg: bg, nodes: map[string]*gorgonia.Node{}, dropout: dropout, pool: pool}
	var wrt gorgonia.Nodes
	for _, p := range ps.List {
		val := tensor.New(tensor.WithShape(p.Shape...), tensor.WithBacking(p.Data))
		n := gorgonia.NewTensor(bg.g, tensor.Float32, len(p.Shape), gorgonia.WithShape(p.Shape...), gorgonia.WithName(p.Name), gorgonia.WithValue(val))
		gb.nodes[p.Name] = n
		wrt = append(wrt, n)
	}
	d := c.DModel
	n := b * l
	scale := float32(1)
	if c.ScaleEmbedding {
		scale = float32(math.Sqrt(float64(d)))
	}
	shared := gb.nodes[model.SharedEmbedding]

	// Encoder: embeddings · sqrt(D) + positions, dropout, post-LN blocks.
	bg.encEmbed = newEmbedOp(pool, b, l, d, scale, int32(c.PadTokenID))
	x := gb.drop(gb.apply(bg.encEmbed.kernel, shared))
	for i := 0; i < c.EncoderLayers; i++ {
		x = gb.encoderLayer(fmt.Sprintf("model.encoder.layers.%d", i), x)
	}
	enc := x // [B·L, D]

	// Decoder: shifted targets, causal self-attention, cross-attention.
	bg.decEmbed = newEmbedOp(pool, b, l, d, scale, int32(c.PadTokenID))
	y := gb.drop(gb.apply(bg.decEmbed.kernel, shared))
	for i := 0; i < c.DecoderLayers; i++ {
		y = gb.decoderLayer(fmt.Sprintf("model.decoder.layers.%d", i), y, enc)
	}

	// Tied output projection + label-smoothed cross-entropy.
	bg.loss = newLossOp(pool, n, c.VocabSize, d, smoothing, ps.FinalLogitsBias, scratch)
	bg.cost = gb.apply(bg.loss.kernel, y, shared)
	total := bg.cost
	if guide != nil {
		total = gb.guided(guide, bg.cost)
	}
	if gb.err != nil {
		return nil, gb.err
	}
	grads, err := gorgonia.Grad(total, wrt...)
	if err != nil {
		return nil, fmt.Errorf("train: differentiating the graph: %w", err)
	}
	bg.grads = make([]gorgonia.Value, len(grads))
	for i, gnode := range grads {
		p := ps.List[i]
		bg.grads[i] = tensor.New(tensor.WithShape(p.Shape...), tensor.WithBacking(p.Grad))
		gorgonia.Read(gnode, &bg.grads[i])
	}
	bg.vm = gorgonia.NewTapeMachine(bg.g, gorgonia.WithEngine(splitEngine{}))
	return bg, nil
}

func (gb *graphBuilder) apply(k *kernel, in ...*gorgonia.Node) *gorgonia.Node {
	if gb.err != nil {
		return nil
	}
	n, err := k.apply(in...)
	if err != nil {
		gb.err = fmt.Errorf("train: %s: %w", k.name, err)
	}
	return n
}

// linear is x·W + b for the parameter pair prefix.weight [in, out], prefix.bias [out].
func (gb *graphBuilder) linear(prefix string, x *gorgonia.Node) *gorgonia.Node {
	if gb.err != nil {
		return nil
	}
	w := gb.nodes[prefix+".weight"]
	s, ws := x.Shape(), w.Shape()
	return gb.apply(newLinearOp(gb.pool, s[0], ws[0], ws[1]), x, w, gb.nodes[prefix+".bias"]) // [N, out]
}

// dropoutOf returns a dropout for an [n, d] tensor, its mask drawn in the
// order the dropouts are made, or nil when the rate is not positive.
func (gb *graphBuilder) dropoutOf(n, d int) *dropoutOp {
	if gb.dropout <= 0 {
		return nil
	}
	o := newDropoutOp(gb.pool, n, d, gb.dropout)
	gb.bg.dropouts = append(gb.bg.dropouts, o)
	return o
}

// drop applies dropout when the rate is positive.
func (gb *graphBuilder) drop(x *gorgonia.Node) *gorgonia.Node {
	if gb.err != nil {
		return nil
	}
	s := x.Shape()
	o := gb.dropoutOf(s[0], s[1])
	if o == nil {
		return x
	}
	return gb.apply(o.kernel, x)
}

// residualNorm is LayerNorm(x + dropout(sub)) with the gain and bias of
// prefix, one fused kernel.
func (gb *graphBuilder) residualNorm(prefix string, x, sub *gorgonia.Node) *gorgonia.Node {
	if gb.err != nil {
		return nil
	}
	s := x.Shape()
	o := newLayerNormOp(gb.pool, s[0], s[1], gb.dropoutOf(s[0], s[1]))
	return gb.apply(o.kernel, x, sub, gb.nodes[prefix+".weight"], gb.nodes[prefix+".bias"])
}

// attention projects queries from x and keys/values from mem, attends and
// projects back: out_proj(attn(q_proj(x), k_proj(mem), v_proj(mem))).
func (gb *graphBuilder) attention(prefix string, op *attentionOp, x, mem *gorgonia.Node) *gorgonia.Node {
	q := gb.linear(prefix+".q_proj", x)
	k := gb.linear(prefix+".k_proj", mem)
	v := gb.linear(prefix+".v_proj", mem)
	a := gb.apply(op.kernel, q, k, v) // [B·T, D]
	// A cross-attention's nodes are kept for a guided-alignment loss.
	if mem != x {
		gb.cross = append(gb.cross, crossNodes{q: q, k: k, out: a})
	}
	return gb.linear(prefix+".out_proj", a)
}

// feedForward is fc2(act(fc1(x))).
func (gb *graphBuilder) feedForward(prefix string, x *gorgonia.Node, ffn int) *gorgonia.Node {
	h := gb.linear(prefix+".fc1", x) // [N, F]
	h = gb.apply(newActivationOp(gb.pool, gb.cfg.ActivationFunction, gb.bg.b*gb.bg.l, ffn), h)
	return gb.linear(prefix+".fc2", h) // [N, D]
}

func (gb *graphBuilder) encoderLayer(p string, x *gorgonia.Node) *gorgonia.Node {
	bg, c := gb.bg, gb.cfg
	self := newAttentionOp(gb.pool, bg.b, bg.l, bg.l, c.EncoderAttentionHeads, c.DModel, false)
	bg.encSelf = append(bg.encSelf, self)
	x = gb.residualNorm(p+".self_attn_layer_norm", x, gb.attention(p+".self_attn", self, x, x))
	return gb.residualNorm(p+".final_layer_norm", x, gb.feedForward(p, x, c.EncoderFFNDim))
}

func (gb *graphBuilder) decoderLayer(p string, y, enc *gorgonia.Node) *gorgonia.Node {
	bg, c := gb.bg, gb.cfg
	self := newAttentionOp(gb.pool, bg.b, bg.l, bg.l, c.DecoderAttentionHeads, c.DModel, true)
	cross := newAttentionOp(gb.pool, bg.b, bg.l, bg.l, c.DecoderAttentionHeads, c.DModel, false)
	bg.decSelf = append(bg.decSelf, self)
	bg.decCross = append(bg.decCross, cross)
	y = gb.residualNorm(p+".self_attn_layer_norm", y, gb.attention(p+".self_attn", self, y, y))
	y = gb.residualNorm(p+".encoder_attn_layer_norm", y, gb.attention(p+".encoder_attn", cross, y, enc))
	return gb.residualNorm(p+".final_layer_norm", y, gb.feedForward(p, y, c.DecoderFFNDim))
}

// batch is one padded batch in a graph's shape.
type batch struct {
	src, tgt [][]int32     // per pair: source ids ending in EOS, target ids ending in EOS
	links    [][]tokenLink // per pair: guided-alignment links (nil: none)
}

// load writes a batch into the graph's inputs: source ids, decoder inputs
// (the start token then the target shifted right), loss targets and key
// lengths. Rows beyond len(bt.src) are padding that no loss counts.
func (bg *bucketGraph) load(bt *batch, pad, start int32) {
	l := bg.l
	for r := 0; r < bg.b; r++ {
		var src, tgt []int32
		if r < len(bt.src) {
			src, tgt = bt.src[r], bt.tgt[r]
		}
		srcLen := max(len(src), 1) // an empty row still sees one key
		for t := 0; t < l; t++ {
			i := r*l + t
			bg.encEmbed.ids[i] = pad
			if t < len(src) {
				bg.encEmbed.ids[i] = src[t]
			}
			bg.decEmbed.ids[i] = pad
			if t == 0 {
				bg.decEmbed.ids[i] = start
			} else if t-1 < len(tgt) {
				bg.decEmbed.ids[i] = tgt[t-1]
			}
			bg.loss.targets[i] = -1
			if t < len(tgt) {
				bg.loss.targets[i] = tgt[t]
			}
		}
		for _, a := range bg.encSelf {
			a.keyLen[r] = srcLen
		}
		for _, a := range bg.decCross {
			a.keyLen[r] = srcLen
		}
		for _, a := range bg.decSelf {
			a.keyLen[r] = l
		}
	}
	if bg.guided != nil {
		bg.guided.load(bt.links)
	}
}

// run executes forward and backward once; with train set, dropout masks
// are drawn from rng first, otherwise dropout is off. It returns the mean
// smoothed loss, the summed unsmoothed NLL and the counted target tokens.
func (bg *bucketGraph) run(train bool, rng *rand.Rand) (loss, nll, count float64, err error) {
	for _, d := range bg.dropouts {
		if train {
			d.sample(rng)
		} else {
			d.keepAll()
		}
	}
	defer bg.vm.Reset()
	if err := bg.vm.RunAll(); err != nil {
		return 0, 0, 0, fmt.Errorf("train: running the graph: %w", err)
	}
	v, ok := bg.cost.Value().(*gorgonia.F32)
	if !ok {
		return 0, 0, 0, fmt.Errorf("train: the cost is %T, not a float32 scalar", bg.cost.Value())
	}
	// Let go of the run's intermediate values: otherwise every bucket graph
	// keeps its last activations alive (hundreds of MB each).
	bg.g.UnbindAllNonInputs()
	return float64(*v), bg.loss.nll, bg.loss.count, nil
}
