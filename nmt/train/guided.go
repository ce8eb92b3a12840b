package train

import (
	"fmt"
	"math"

	"github.com/translated/translated/nmt/align"
	"gorgonia.org/gorgonia"
)

// Guide turns on guided alignment training: one cross-attention head is
// trained to attend where word links say each target token comes from,
// with the loss λ·CE added to the translation loss (see guidedOp and
// docs/training.md). The zero Guide, or a zero Weight, is plain training
// and builds exactly the unguided graph.
type Guide struct {
	// Weight is λ, the factor of the alignment cross-entropy; 0 = off.
	// 0.5 is a good start with the default model.
	Weight float64
	// Layer is the decoder layer of the supervised head, from 0; a negative
	// value counts from the end (-1 = last, -2 = penultimate, the usual
	// choice). Head is the head of that layer, from 0.
	Layer, Head int
	// Shift supervises, for target token t, the head's row at step t+1,
	// whose decoder input is token t (the row a shifted alignment selector,
	// "layer=L,head=H,shift", reads), instead of the row at step t that
	// predicts it.
	Shift bool
	// Links holds, for every training pair in the order given to New, its
	// token links: Source and Target are positions in Pair.Src and
	// Pair.Tgt, never the end-of-sentence token. A pair without links
	// (nil) adds no alignment loss.
	Links [][]align.Link
}

// GuidedState records the supervised head in trainer.json; absent for an
// unguided run.
type GuidedState struct {
	Weight float64 `json:"weight"`
	Layer  int     `json:"layer"` // decoder layer from 0
	Head   int     `json:"head"`
	Shift  bool    `json:"shift,omitempty"` // rows of the step after each token (Guide.Shift)
}

// Selector is the alignment selector of the supervised head, as
// align.ParseSelector and translate-cli align --heads read it.
func (g GuidedState) Selector() string {
	s := fmt.Sprintf("layer=%d,head=%d", g.Layer, g.Head)
	if g.Shift {
		s += ",shift"
	}
	return s
}

// guideHead is a Guide resolved against the model.
type guideHead struct {
	layer, head int
	shift       bool
	weight      float32
}

// tokenLink is one link between a source and a target token position.
type tokenLink struct{ src, tgt int32 }

// SetGuide turns guided alignment on (or off with a zero Weight). Call it
// before Init, InitFrom or Resume and before any step. Resume refuses a
// checkpoint whose supervised head differs.
func (t *Trainer) SetGuide(g Guide) error {
	if math.IsNaN(g.Weight) || math.IsInf(g.Weight, 0) || g.Weight < 0 {
		return fmt.Errorf("train: the guided-alignment weight must be a non-negative number, got %g", g.Weight)
	}
	t.graphs = map[int]*bucketGraph{} // graphs are rebuilt with or without the loss
	if g.Weight == 0 {
		t.guide, t.links = nil, nil
		return nil
	}
	layers, heads := t.Config.DecoderLayers, t.Config.DecoderAttentionHeads
	layer := g.Layer
	if layer < 0 {
		layer += layers
	}
	if layer < 0 || layer >= layers {
		return fmt.Errorf("train: guided layer %d is out of range: the decoder has %d layers (0..%d, or -%d..-1 from the end)", g.Layer, layers, layers-1, layers)
	}
	if g.Head < 0 || g.Head >= heads {
		return fmt.Errorf("train: guided head %d is out of range: the decoder layers have %d heads (0..%d)", g.Head, heads, heads-1)
	}
	if len(g.Links) != len(t.train) {
		return fmt.Errorf("train: guided links for %d pairs, but there are %d training pairs", len(g.Links), len(t.train))
	}
	// The decoder reads [start, y0 … yn-1] and predicts [y0 … yn-1, eos]:
	// the row predicting token t is t, the row reading it t+1 (≤ n).
	row := int32(0)
	if g.Shift {
		row = 1
	}
	links := make([][]tokenLink, len(g.Links))
	for k, ls := range g.Links {
		p := t.train[k]
		seen := make(map[align.Link]bool, len(ls))
		for _, l := range ls {
			if l.Source < 0 || l.Source >= len(p.Src)-1 || l.Target < 0 || l.Target >= len(p.Tgt)-1 {
				return fmt.Errorf("train: guided link %s of training pair %d is outside its %d source and %d target tokens", l, k+1, len(p.Src)-1, len(p.Tgt)-1)
			}
			if seen[l] {
				return fmt.Errorf("train: guided link %s of training pair %d appears twice", l, k+1)
			}
			seen[l] = true
			links[k] = append(links[k], tokenLink{src: int32(l.Source), tgt: int32(l.Target) + row})
		}
	}
	t.guide = &guideHead{layer: layer, head: g.Head, shift: g.Shift, weight: float32(g.Weight)}
	t.links = links
	return nil
}

// Guided returns the supervised head, or nil for unguided training.
func (t *Trainer) Guided() *GuidedState {
	if t.guide == nil {
		return nil
	}
	return &GuidedState{Weight: float64(t.guide.weight), Layer: t.guide.layer, Head: t.guide.head, Shift: t.guide.shift}
}

// recordGuide writes the guide into the state, refusing to change the head
// of a run that already supervised another one.
func (t *Trainer) recordGuide() error {
	g := t.Guided()
	if g == nil {
		return nil // an unguided continuation keeps the record of earlier guidance
	}
	if old := t.State.Guided; old != nil && (old.Layer != g.Layer || old.Head != g.Head || old.Shift != g.Shift) {
		return fmt.Errorf("train: this run supervises %s; a different head or row (%s) needs a new run (see --init)", old.Selector(), g.Selector())
	}
	t.State.Guided = g
	return nil
}

// batchLinks gathers the links of a batch's pairs (nil when unguided).
func (t *Trainer) batchLinks(ref BatchRef) [][]tokenLink {
	if t.links == nil {
		return nil
	}
	out := make([][]tokenLink, len(ref.Pairs))
	for i, k := range ref.Pairs {
		out[i] = t.links[k]
	}
	return out
}

// guided adds the alignment loss of the chosen head and returns cost + it.
func (gb *graphBuilder) guided(h *guideHead, cost *gorgonia.Node) *gorgonia.Node {
	if gb.err != nil {
		return nil
	}
	if h.layer < 0 || h.layer >= len(gb.cross) || h.head < 0 || h.head >= gb.cfg.DecoderAttentionHeads {
		gb.err = fmt.Errorf("train: guided head layer %d head %d is not in the model", h.layer, h.head)
		return nil
	}
	cn := gb.cross[h.layer]
	op := newGuidedOp(gb.pool, gb.bg.decCross[h.layer], h.head, h.weight)
	gb.bg.guided = op
	loss := gb.apply(op.kernel, cn.q, cn.k, cn.out) // scalar
	if gb.err != nil {
		return nil
	}
	total, err := gorgonia.Add(cost, loss)
	if err != nil {
		gb.err = fmt.Errorf("train: adding the guided-alignment loss: %w", err)
	}
	return total
}
