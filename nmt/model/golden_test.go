package model

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/translated/translated/nmt/tensor"
)

// The goldens in testdata/models/<name>/golden.json come from
// scripts/reference/make_goldens.py: a float64 PyTorch forward pass
// (scripts/reference/marian_ref.py) over the stored weights, rounded to 7
// significant digits. This engine computes in float32; every value must be
// within 1e-4 (absolute) of the golden. Largest differences observed:
// tiny-gelu-f16 6.6e-6 (encoder states), 4.7e-5 (logits), 9.2e-6
// (cross-attention); tiny-relu-untied 1.9e-6, 4.3e-6, 2.7e-6;
// tiny-swish-shared 5.2e-6, 1.9e-5, 3.8e-6.
const (
	encoderTol = 1e-4
	decoderTol = 1e-4
)

type goldenCase struct {
	SrcText              string          `json:"src_text"`
	SrcIDs               []int           `json:"src_ids"`
	TgtIDs               []int           `json:"tgt_ids"`
	Logits               [][]float64     `json:"logits"`
	CrossAttention       [][][][]float64 `json:"cross_attention"`
	EncoderOutput        [][]float64     `json:"encoder_output"`
	GreedyIDs            []int           `json:"greedy_ids"`
	GreedyMaxLen         int             `json:"greedy_max_len"`
	GreedyCrossAttention [][][][]float64 `json:"greedy_cross_attention"`
}

type golden struct {
	Cases []goldenCase `json:"cases"`
}

// goldenModels lists the model directories that have a golden.json.
func goldenModels(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("../../testdata/models/*/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no testdata/models/*/golden.json")
	}
	for i := range dirs {
		dirs[i] = filepath.Dir(dirs[i])
	}
	return dirs
}

func readGolden(t *testing.T, dir string) (*Model, *golden) {
	t.Helper()
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return m, &g
}

func closeTo(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= tol) {
			t.Fatalf("%s[%d] = %.7g, want %.7g (difference %.3g)", what, i, got[i], want[i], d)
		}
	}
}

// attnRow extracts layer l, head h of row r from a Next attention buffer.
func attnRow(attn []float32, dims struct{ L, H, S int }, r, l, h, n int) []float32 {
	off := ((r*dims.L+l)*dims.H + h) * dims.S
	return attn[off : off+n]
}

func TestGoldenEncoder(t *testing.T) {
	for _, dir := range goldenModels(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, g := readGolden(t, dir)
			d := m.cfg.DModel
			for ci, c := range g.Cases {
				enc, err := m.Encode(context.Background(), [][]int{c.SrcIDs})
				if err != nil {
					t.Fatal(err)
				}
				var want []float64
				for _, row := range c.EncoderOutput {
					want = append(want, row...)
				}
				if len(c.EncoderOutput) != len(c.SrcIDs) || len(want) != len(c.SrcIDs)*d {
					t.Fatalf("case %d: golden encoder output is %d×?, want %d×%d", ci, len(c.EncoderOutput), len(c.SrcIDs), d)
				}
				closeTo(t, "case "+c.SrcText+" encoder output", enc.Output(0), want, encoderTol)
			}
		})
	}
}

// TestGoldenForced decodes every case's reference target with the decoder
// input [start] + tgt[:t], all cases in one batch, dropping each row with
// Reorder when its target is used up; it checks the raw logits and the
// cross-attention of every step.
func TestGoldenForced(t *testing.T) {
	for _, dir := range goldenModels(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, g := readGolden(t, dir)
			srcs := make([][]int, len(g.Cases))
			for i, c := range g.Cases {
				srcs[i] = c.SrcIDs
			}
			ctx := context.Background()
			dec := newDecoder(t, m, srcs)
			dims := dec.Dims()
			ad := struct{ L, H, S int }{dims.Layers, dims.Heads, dims.SrcLen}
			live := make([]int, len(g.Cases)) // row → case
			for i := range live {
				live[i] = i
			}
			for step := 0; len(live) > 0; step++ {
				tokens := make([]int, len(live))
				for r, ci := range live {
					tokens[r] = m.cfg.DecoderStartTokenID
					if step > 0 {
						tokens[r] = g.Cases[ci].TgtIDs[step-1]
					}
				}
				logits := make([]float32, len(live)*dims.Vocab)
				attn := make([]float32, len(live)*ad.L*ad.H*ad.S)
				if err := dec.logits(ctx, tokens, logits, attn); err != nil {
					t.Fatal(err)
				}
				var keep, keepCases []int
				for r, ci := range live {
					c := g.Cases[ci]
					if dec.Source(r) != ci {
						t.Fatalf("row %d reads source %d, want %d", r, dec.Source(r), ci)
					}
					closeTo(t, c.SrcText+" logits at step "+strconv.Itoa(step), logits[r*dims.Vocab:(r+1)*dims.Vocab], c.Logits[step], decoderTol)
					for l := 0; l < ad.L; l++ {
						for h := 0; h < ad.H; h++ {
							closeTo(t, c.SrcText+" cross-attention", attnRow(attn, ad, r, l, h, len(c.SrcIDs)), c.CrossAttention[step][l][h], decoderTol)
							pad := attnRow(attn, ad, r, l, h, ad.S)[len(c.SrcIDs):]
							for _, v := range pad {
								if v != 0 {
									t.Fatalf("%s: attention beyond the source length is %g", c.SrcText, v)
								}
							}
						}
					}
					if step+1 < len(c.TgtIDs) {
						keep = append(keep, r)
						keepCases = append(keepCases, ci)
					}
				}
				dec.Reorder(keep)
				live = keepCases
			}
		})
	}
}

// greedy decodes one sentence: argmax with the pad id excluded, stopping
// after the end-of-sentence token or maxLen tokens. It returns the ids and
// each step's cross-attention [t][layer][head][src].
func greedy(t *testing.T, m *Model, src []int, maxLen int) ([]int, [][]float32) {
	t.Helper()
	ctx := context.Background()
	dec := newDecoder(t, m, [][]int{src})
	dims := dec.Dims()
	lp := make([]float32, dims.Vocab)
	var ids []int
	var attns [][]float32
	tok := m.cfg.DecoderStartTokenID
	for len(ids) < maxLen {
		attn := make([]float32, dims.Layers*dims.Heads*dims.SrcLen)
		if err := dec.Next(ctx, []int{tok}, lp, attn); err != nil {
			t.Fatal(err)
		}
		lp[m.cfg.PadTokenID] = float32(math.Inf(-1))
		tok = tensor.Argmax(lp)
		ids = append(ids, tok)
		attns = append(attns, attn)
		if tok == m.cfg.EOSTokenID {
			break
		}
	}
	return ids, attns
}

func TestGoldenGreedy(t *testing.T) {
	for _, dir := range goldenModels(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, g := readGolden(t, dir)
			for _, c := range g.Cases {
				ids, attns := greedy(t, m, c.SrcIDs, c.GreedyMaxLen)
				if !equalInts(ids, c.GreedyIDs) {
					t.Fatalf("%q: greedy ids %v, want %v", c.SrcText, ids, c.GreedyIDs)
				}
				dims := struct{ L, H, S int }{m.cfg.DecoderLayers, m.cfg.DecoderAttentionHeads, len(c.SrcIDs)}
				for step, a := range attns {
					for l := 0; l < dims.L; l++ {
						for h := 0; h < dims.H; h++ {
							closeTo(t, c.SrcText+" greedy cross-attention", attnRow(a, dims, 0, l, h, dims.S), c.GreedyCrossAttention[step][l][h], decoderTol)
						}
					}
				}
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestGoldenGenericKernels repeats the golden checks with the pure Go
// kernels that other architectures (and CPUs without AVX2) run.
func TestGoldenGenericKernels(t *testing.T) {
	prev := tensor.UseAssembly(false)
	defer tensor.UseAssembly(prev)
	t.Run("Encoder", TestGoldenEncoder)
	t.Run("Forced", TestGoldenForced)
	t.Run("Greedy", TestGoldenGreedy)
}
