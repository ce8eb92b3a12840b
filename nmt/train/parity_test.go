package train

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/safetensors"
)

// TestParityWithEngine runs the same random weights through the training
// graph (teacher-forced) and through the serving engine (package model,
// one decoder step at a time) and requires equal next-token
// log-probabilities within 1e-4 at every target position: what is trained
// is what is served. Gains, biases and final_logits_bias are randomized so
// every parameter matters.
func TestParityWithEngine(t *testing.T) {
	for _, act := range []string{"swish", "relu"} {
		t.Run(act, func(t *testing.T) {
			c := tinyConfig(act)
			ps, err := NewParams(c)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(11, 12))
			ps.Init(rng, c.PadTokenID)
			for _, p := range ps.List {
				if !p.Transposed && p.Name != "model.shared.weight" {
					for i := range p.Data {
						p.Data[i] += float32(rng.NormFloat64() * 0.2)
					}
				}
			}
			for i := range ps.FinalLogitsBias {
				ps.FinalLogitsBias[i] = float32(rng.NormFloat64() * 0.3)
			}
			const b, l = 2, 5
			bg, err := newBucketGraph(c, ps, b, l, 0.1, 0.1, make([]float32, b*l*c.VocabSize), &bufferPool{})
			if err != nil {
				t.Fatal(err)
			}
			bt := tinyBatch()
			bg.load(bt, int32(c.PadTokenID), int32(c.DecoderStartTokenID))
			bg.loss.grads = false // keep the logits
			if _, _, _, err := bg.run(false, nil); err != nil {
				t.Fatal(err)
			}
			logits := bg.loss.logits

			weights := map[string][]float32{}
			for _, ts := range hfTensors(ps, safetensors.F32) {
				weights[ts.Name] = ts.Values
			}
			m, err := model.New(c, weights)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			var srcs [][]int
			for _, s := range bt.src {
				srcs = append(srcs, ints(s))
			}
			enc, err := m.Encode(ctx, srcs)
			if err != nil {
				t.Fatal(err)
			}
			dec, err := m.NewDecoder(enc)
			if err != nil {
				t.Fatal(err)
			}
			v := c.VocabSize
			logProbs := make([]float32, b*v)
			worst := 0.0
			for step := 0; step < l; step++ {
				tokens := make([]int, b)
				for r := range tokens {
					tokens[r] = c.DecoderStartTokenID
					if step > 0 && step-1 < len(bt.tgt[r]) {
						tokens[r] = int(bt.tgt[r][step-1])
					}
				}
				if err := dec.Next(ctx, tokens, logProbs, nil); err != nil {
					t.Fatal(err)
				}
				for r := 0; r < b; r++ {
					if step >= len(bt.tgt[r]) {
						continue
					}
					want := logSoftmax64(logits[(r*l+step)*v : (r*l+step+1)*v])
					for j := 0; j < v; j++ {
						worst = math.Max(worst, math.Abs(want[j]-float64(logProbs[r*v+j])))
					}
				}
			}
			if worst > 1e-4 {
				t.Fatalf("training graph and engine log-probabilities differ by up to %.3g (tolerance 1e-4)", worst)
			}
			t.Logf("largest log-probability difference %.3g", worst)
		})
	}
}

func ints(s []int32) []int {
	out := make([]int, len(s))
	for i, v := range s {
		out[i] = int(v)
	}
	return out
}

func logSoftmax64(z []float32) []float64 {
	mx := math.Inf(-1)
	for _, x := range z {
		mx = math.Max(mx, float64(x))
	}
	var s float64
	for _, x := range z {
		s += math.Exp(float64(x) - mx)
	}
	lse := mx + math.Log(s)
	out := make([]float64, len(z))
	for i, x := range z {
		out[i] = float64(x) - lse
	}
	return out
}

// TestCheckpointLoadsInEngine: last/ of a run is a model directory the
// engine loads, holding exactly the trained weights.
func TestCheckpointLoadsInEngine(t *testing.T) {
	dir := t.TempDir()
	tr := tinyTrainer(t, dir, 2)
	tr.Init()
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"last", "best"} {
		m, err := model.Load(dir + "/" + sub)
		if err != nil {
			t.Fatal(err)
		}
		if sub == "best" {
			continue
		}
		got := m.Weights()
		for _, ts := range hfTensors(tr.Params, safetensors.F32) {
			w, ok := got[ts.Name]
			if !ok {
				t.Fatalf("engine has no %s", ts.Name)
			}
			for i := range w {
				if w[i] != ts.Values[i] {
					t.Fatalf("%s[%d]: engine %g, trainer %g", ts.Name, i, w[i], ts.Values[i])
				}
			}
		}
	}
}
