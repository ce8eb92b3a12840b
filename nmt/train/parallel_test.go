package train

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"golang.org/x/sys/cpu"
	"gonum.org/v1/gonum/blas/gonum"

	ntensor "github.com/translated/translated/nmt/tensor"
)

var updateSteps = flag.Bool("update-steps", false, "rewrite testdata/steps-golden.json")

// exactSteps is the number of updates TestParallelStepsExact trains.
const exactSteps = 6

// stepsGolden is what exactSteps updates of exactTrainer produce: every
// loss and a SHA-256 of every weight and Adam moment, bit for bit. It was
// first written by `go test ./nmt/train -run ParallelStepsExact
// -update-steps` with the single-threaded layer norm, dropout, column sums
// and Adam, before the kernels were split over goroutines; it was written
// again, one and three workers agreeing, when the attention softmax, the
// loss and the layer norm moved to the engine's AVX2 kernels (other float
// operations, the same on any number of workers). Env names where, since
// the bits depend on the CPU's kernels.
type stepsGolden struct {
	Env    string    `json:"env"`
	Losses []float64 `json:"losses"`
	State  string    `json:"state"`
}

// exactEnv names what the golden bits depend on besides this package:
// the architecture (Go fuses multiply-adds on some), the engine's
// assembly kernels and math.Exp's FMA path. The BLAS is always gonum's.
func exactEnv() string {
	fma := "nofma"
	if cpu.X86.HasFMA {
		fma = "fma"
	}
	return runtime.GOARCH + " " + ntensor.Accelerated() + " " + fma + " gonum"
}

// exactTrainer is blasTrainer (d 32, 4 heads, 2+2 layers, dropout 0.1)
// with head 1 of decoder layer 0 guided by the tiny links, so that every
// kernel of a guided step runs.
func exactTrainer(t *testing.T) *Trainer {
	t.Helper()
	tr := blasTrainer(t)
	links, _, err := LoadGuideLinks(t.TempDir(), tinyLinkOptions, tinyExamples(t), tr.train, byteSpans, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.SetGuide(Guide{Weight: 0.5, Layer: -2, Head: 1, Links: links}); err != nil {
		t.Fatal(err)
	}
	return tr
}

// trainExact trains exactSteps updates of a fresh exactTrainer on gonum's
// BLAS with GOMAXPROCS set to procs and every kernel splitting its work
// however small (parallelMin 1), and returns the losses and a SHA-256 of
// the weights and Adam moments.
func trainExact(t *testing.T, procs int) ([]float64, string) {
	t.Helper()
	useBLAS()
	setBLAS(gonum.Implementation{})
	defer setBLAS(buildBLAS())
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	defer func(m int) { parallelMin = m }(parallelMin)
	parallelMin = 1
	tr := exactTrainer(t)
	tr.Init()
	losses := make([]float64, exactSteps)
	for i := range losses {
		r, err := tr.Step()
		if err != nil {
			t.Fatal(err)
		}
		losses[i] = r.Loss
	}
	h := sha256.New()
	var b [4]byte
	for i, p := range tr.Params.List {
		for _, vs := range [][]float32{p.Data, tr.Opt.M[i], tr.Opt.V[i]} {
			for _, v := range vs {
				binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
				h.Write(b[:])
			}
		}
	}
	return losses, hex.EncodeToString(h.Sum(nil))
}

// TestParallelStepsExact: splitting the kernels over goroutines keeps
// every float operation and its order, so training is bit-identical with
// one worker, with three, and with the single-threaded kernels that wrote
// testdata/steps-golden.json (where the CPU's kernels match the golden's).
func TestParallelStepsExact(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a small model twice")
	}
	one, oneState := trainExact(t, 1)
	three, threeState := trainExact(t, 3)
	if !slices.Equal(one, three) || oneState != threeState {
		t.Errorf("1 worker: losses %v, state %s\n3 workers: losses %v, state %s", one, oneState, three, threeState)
	}
	path := filepath.Join("testdata", "steps-golden.json")
	if *updateSteps {
		data, _ := json.MarshalIndent(stepsGolden{Env: exactEnv(), Losses: one, State: oneState}, "", "  ")
		if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var golden stepsGolden
	if err := json.Unmarshal(data, &golden); err != nil {
		t.Fatal(err)
	}
	if golden.Env != exactEnv() {
		t.Skipf("the golden bits are from %q, this is %q", golden.Env, exactEnv())
	}
	if !slices.Equal(three, golden.Losses) || threeState != golden.State {
		t.Errorf("losses %v, state %s\nwant losses %v, state %s (%s)", three, threeState, golden.Losses, golden.State, path)
	}
}
