package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/translated/translated/nmt/model"
)

func tinyConfig(act string) *model.Config {
	return &model.Config{
		ModelType: "marian", VocabSize: 23, DecoderVocabSize: 23, DModel: 8,
		EncoderLayers: 1, DecoderLayers: 2, EncoderAttentionHeads: 2, DecoderAttentionHeads: 2,
		EncoderFFNDim: 12, DecoderFFNDim: 12, ActivationFunction: act, ScaleEmbedding: true,
		MaxPositionEmbeddings: 64, PadTokenID: 0, EOSTokenID: 1, DecoderStartTokenID: 0,
	}
}

func tinyBatch() *batch {
	return &batch{
		src: [][]int32{{5, 9, 3, 1}, {7, 1}},
		tgt: [][]int32{{4, 8, 1}, {6, 12, 22, 1}},
	}
}

// TestGradientCheck compares every hand-written derivative, chained by
// gorgonia, with central finite differences of the loss in float64 terms
// (the loss is computed in float32, so the tolerance is 2e-2 relative with
// an absolute floor of 2e-3).
func TestGradientCheck(t *testing.T) {
	for _, act := range []string{"swish", "relu"} {
		t.Run(act, func(t *testing.T) {
			c := tinyConfig(act)
			ps, err := NewParams(c)
			if err != nil {
				t.Fatal(err)
			}
			ps.Init(rand.New(rand.NewPCG(1, 2)), c.PadTokenID)
			// non-trivial gains and biases so their derivatives matter
			rng := rand.New(rand.NewPCG(3, 4))
			for _, p := range ps.List {
				if !p.Transposed && p.Name != "model.shared.weight" {
					for i := range p.Data {
						p.Data[i] += float32(rng.NormFloat64() * 0.1)
					}
				}
			}
			const b, l = 2, 5
			scratch := make([]float32, b*l*c.VocabSize)
			bg, err := newBucketGraph(c, ps, b, l, 0, 0.1, scratch, &bufferPool{})
			if err != nil {
				t.Fatal(err)
			}
			bg.load(tinyBatch(), 0, 0)
			loss := func() float64 {
				l, _, _, err := bg.run(false, nil)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			loss()
			analytic := map[string][]float32{}
			for _, p := range ps.List {
				analytic[p.Name] = append([]float32(nil), p.Grad...)
			}
			const h = 1e-2
			checked := 0
			for _, p := range ps.List {
				for k := 0; k < 3; k++ {
					i := rng.IntN(len(p.Data))
					if p.Name == "model.shared.weight" && i < c.DModel {
						continue // the pad row gets no gradient by design
					}
					orig := p.Data[i]
					p.Data[i] = orig + h
					up := loss()
					p.Data[i] = orig - h
					down := loss()
					p.Data[i] = orig
					num := (up - down) / (2 * h)
					got := float64(analytic[p.Name][i])
					if math.Abs(num-got) > 2e-3+2e-2*math.Abs(num) {
						t.Errorf("%s[%d]: analytic %.6f, numeric %.6f", p.Name, i, got, num)
					}
					checked++
				}
			}
			if checked < 100 {
				t.Fatalf("only %d derivatives checked", checked)
			}
		})
	}
}

// TestLossWithoutCountedRows: a batch whose targets are all padding (no
// counted row for the loss to gather) runs, costs 0 and sends no gradient
// through the output layer.
func TestLossWithoutCountedRows(t *testing.T) {
	c := tinyConfig("swish")
	ps, err := NewParams(c)
	if err != nil {
		t.Fatal(err)
	}
	ps.Init(rand.New(rand.NewPCG(1, 2)), c.PadTokenID)
	const b, l = 2, 5
	bg, err := newBucketGraph(c, ps, b, l, 0, 0.1, make([]float32, b*l*c.VocabSize), &bufferPool{})
	if err != nil {
		t.Fatal(err)
	}
	bg.load(&batch{src: [][]int32{{5, 9, 1}, {7, 1}}, tgt: [][]int32{{}, {}}}, 0, 0)
	loss, _, count, err := bg.run(false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if loss != 0 || count != 0 {
		t.Errorf("loss %g over %g targets, want 0 over 0", loss, count)
	}
	for _, p := range ps.List {
		for i, g := range p.Grad {
			if g != 0 {
				t.Fatalf("%s[%d]: gradient %g, want 0", p.Name, i, g)
			}
		}
	}
}
