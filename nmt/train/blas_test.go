package train

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
)

var update = flag.Bool("update", false, "rewrite testdata/blas-losses.json from this build's BLAS")

// blasSteps is the number of updates TestBLASParity trains.
const blasSteps = 10

// blasGolden holds the losses of blasSteps updates of blasTrainer, written
// by `go test ./nmt/train -run BLASParity -update` in a cgo build (OpenBLAS).
type blasGolden struct {
	BLAS   string    `json:"blas"`
	Losses []float64 `json:"losses"`
}

// blasTrainer is a small model (d 32, 4 heads, 2+2 layers) on the tiny
// corpus, large enough that the output layer takes gemm's row-split path
// (384 rows × 259 × 32) and the attention runs its strided products.
func blasTrainer(t *testing.T) *Trainer {
	t.Helper()
	train, dev := tinyCorpus(t)
	c := tinyConfig("swish")
	c.DModel, c.EncoderAttentionHeads, c.DecoderAttentionHeads = 32, 4, 4
	c.EncoderLayers, c.DecoderLayers, c.EncoderFFNDim, c.DecoderFFNDim = 2, 2, 64, 64
	c.VocabSize, c.DecoderVocabSize, c.MaxPositionEmbeddings = 259, 259, 128
	o := Options{MaxTokens: 384, Buckets: []int{32, 64, 96}, Warmup: 5, PeakLR: 3e-3, MaxSteps: blasSteps,
		Seed: 11, CheckpointEvery: time.Hour, LogEvery: 1000}
	tr, err := New(c, o, train, dev, []byte(`{"tokenizer":"bytes"}`), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// trainWith trains blasSteps updates of a fresh blasTrainer on b and
// returns the loss of every update and the trainer.
func trainWith(t *testing.T, b gorgonia.BLAS) ([]float64, *Trainer) {
	t.Helper()
	useBLAS() // first, or it would later undo setBLAS
	setBLAS(b)
	defer setBLAS(buildBLAS())
	tr := blasTrainer(t)
	tr.Init()
	losses := make([]float64, blasSteps)
	for i := range losses {
		r, err := tr.Step()
		if err != nil {
			t.Fatal(err)
		}
		losses[i] = r.Loss
	}
	return losses, tr
}

// Tolerances of TestBLASParity. The two BLAS libraries add the terms of a
// product in different orders, so their float32 results differ in the last
// bits, and training carries the differences forward. Measured after 10
// updates (OpenBLAS 0.3.21 against gonum 0.17, amd64): the float32 losses
// equal to the last bit, and every weight tensor within 2.5e-6 of the
// change training made to it (the norm of the difference over the norm of
// the change), except the key projections' biases (see zeroGradient). The
// bounds leave room for other CPUs and compilers.
const (
	blasLossTol   = 1e-5 // |Δloss| / loss
	blasWeightTol = 1e-3 // ‖w_a − w_b‖ / ‖w_a − w_init‖
)

// zeroGradient reports the parameters whose gradient is zero in exact
// arithmetic: a key bias adds the same q·b to every score of a query, which
// the softmax cancels. What they receive is rounding noise, and Adam, which
// divides each gradient by its own running size, turns noise into steps of
// up to the learning rate in either direction, so two BLAS libraries move
// them differently.
func zeroGradient(name string) bool { return strings.HasSuffix(name, "k_proj.bias") }

// TestBLASParity trains the same steps with the build's BLAS and with
// gonum's pure-Go BLAS (in a cgo build these are OpenBLAS and gonum) and
// compares the losses and weights; every run's losses are also compared with
// the golden losses that OpenBLAS produced, so a build without cgo checks
// its pure-Go path against OpenBLAS too.
func TestBLASParity(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two small models")
	}
	path := filepath.Join("testdata", "blas-losses.json")
	got, fast := trainWith(t, buildBLAS())
	if *update {
		data, _ := json.MarshalIndent(blasGolden{BLAS: BLAS(), Losses: got}, "", "  ")
		if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var golden blasGolden
	if err := json.Unmarshal(data, &golden); err != nil {
		t.Fatal(err)
	}
	compareLosses(t, BLAS()+" against the golden "+golden.BLAS, got, golden.Losses)
	if BLAS() == "gonum" {
		return // the build's BLAS is the pure-Go one
	}
	pure, slow := trainWith(t, gonum.Implementation{})
	compareLosses(t, BLAS()+" against gonum", got, pure)
	init := blasTrainer(t)
	init.Init()
	for i, p := range fast.Params.List {
		if zeroGradient(p.Name) {
			continue
		}
		var diff, moved float64
		for j, v := range p.Data {
			d := float64(v) - float64(slow.Params.List[i].Data[j])
			m := float64(v) - float64(init.Params.List[i].Data[j])
			diff, moved = diff+d*d, moved+m*m
		}
		if moved == 0 {
			if diff != 0 {
				t.Errorf("%s: training left it unchanged with one BLAS only", p.Name)
			}
			continue
		}
		if rel := math.Sqrt(diff / moved); rel > blasWeightTol {
			t.Errorf("%s: the weights of the two BLAS differ by %.3g of the change training made (allowed %g)", p.Name, rel, blasWeightTol)
		} else if testing.Verbose() {
			t.Logf("%s: weights differ by %.2g of the change", p.Name, rel)
		}
	}
}

func compareLosses(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d losses, want %d", what, len(got), len(want))
	}
	worst := 0.0
	for i := range got {
		rel := math.Abs(got[i]-want[i]) / want[i]
		if rel > blasLossTol {
			t.Errorf("%s: loss of update %d is %.7g, want %.7g (relative difference %.2g, allowed %g)", what, i+1, got[i], want[i], rel, blasLossTol)
		}
		worst = max(worst, rel)
	}
	t.Logf("%s: losses agree within %.2g relative", what, worst)
}
