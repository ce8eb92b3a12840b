package train

import (
	"fmt"
	"math/rand/v2"
	"os"
	"syscall"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas/gonum"

	"github.com/translated/translated/nmt/model"
)

// BenchmarkStep times one forward+backward+Adam update of the default
// model (d 256, 4 heads, 3+3 layers, ffn 1024, vocab 8000) on a 96×32
// batch, after one untimed warm-up step; it reports target tokens per
// second. It runs on the build's BLAS
// (OpenBLAS with cgo, gonum's pure Go without); with TRAIN_BENCH_BLAS=gonum
// a cgo build runs on gonum's instead; with
// TRAIN_BENCH_SHAPE=VOCAB,ENC,DEC another vocabulary size and depth (the
// shipped general models: 16000,6,3); with
// TRAIN_BENCH_GUIDED=1 head 0 of decoder layer 1 is trained on links (each
// target token linked to the source token at its position, λ 0.5); with
// TRAIN_BENCH_PADDED=1 the targets are 22 to 32 tokens long, the rest of
// each row padding (85 % of the slots counted, as in the general run's
// batches), and only real tokens count in the rates.
// Besides wall-clock rates it reports the process's CPU time per step and
// target tokens per CPU second, which grow far less than wall time when
// other work shares the machine.
func BenchmarkStep(b *testing.B) {
	useBLAS()
	if os.Getenv("TRAIN_BENCH_BLAS") == "gonum" {
		setBLAS(gonum.Implementation{})
		defer setBLAS(buildBLAS())
	}
	vocab, enc, dec := benchShape(b)
	c := &model.Config{ModelType: "marian", VocabSize: vocab, DecoderVocabSize: vocab, DModel: 256,
		EncoderLayers: enc, DecoderLayers: dec, EncoderAttentionHeads: 4, DecoderAttentionHeads: 4,
		EncoderFFNDim: 1024, DecoderFFNDim: 1024, ActivationFunction: "swish", ScaleEmbedding: true,
		MaxPositionEmbeddings: 512, PadTokenID: 0, EOSTokenID: 1, DecoderStartTokenID: 0}
	ps, err := NewParams(c)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	ps.Init(rng, 0)
	const rows, l = 96, 32
	bt := &batch{}
	for r := 0; r < rows; r++ {
		src, tgt := make([]int32, l), make([]int32, l)
		for i := range src {
			src[i], tgt[i] = int32(3+rng.IntN(vocab-3)), int32(3+rng.IntN(vocab-3))
		}
		src[l-1], tgt[l-1] = 1, 1
		if os.Getenv("TRAIN_BENCH_PADDED") == "1" {
			tgt = tgt[:l-r%11]
			tgt[len(tgt)-1] = 1
		}
		bt.src, bt.tgt = append(bt.src, src), append(bt.tgt, tgt)
	}
	tokens := 0 // target tokens a step trains on
	for _, tgt := range bt.tgt {
		tokens += len(tgt)
	}
	var guide *guideHead
	if os.Getenv("TRAIN_BENCH_GUIDED") == "1" {
		guide = &guideHead{layer: 1, head: 0, weight: 0.5}
		for r := 0; r < rows; r++ {
			var ls []tokenLink
			for i := int32(0); i < int32(len(bt.tgt[r]))-1; i++ {
				ls = append(ls, tokenLink{src: i, tgt: i})
			}
			bt.links = append(bt.links, ls)
		}
	}
	bg, err := newGuidedBucketGraph(c, ps, rows, l, 0.1, 0.1, make([]float32, rows*l*c.VocabSize), &bufferPool{}, guide)
	if err != nil {
		b.Fatal(err)
	}
	opt := newAdam(ps, 0.9, 0.98, 1e-9)
	bg.load(bt, 0, 0)
	// One untimed step first, as the PyTorch reference does: the first
	// run of a graph touches its buffers for the first time (page faults
	// over gigabytes at the general shape), which later steps do not pay.
	if _, _, _, err := bg.run(true, rng); err != nil {
		b.Fatal(err)
	}
	opt.Update(ps, 1e-4, 1)
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		if _, _, _, err := bg.run(true, rng); err != nil {
			b.Fatal(err)
		}
		opt.Update(ps, 1e-4, 1)
	}
	b.ReportMetric(float64(tokens*b.N)/b.Elapsed().Seconds(), "tgt-tok/s")
	if cpu, end := cpu.Seconds(), processCPU().Seconds(); end > 0 {
		b.ReportMetric((end-cpu)/float64(b.N), "cpu-s/op")
		b.ReportMetric(float64(tokens*b.N)/(end-cpu), "tgt-tok/cpu-s")
	}
}

// processCPU is the user and system time of every thread of the process so
// far (OpenBLAS's calls and gonum's helper goroutines included), or 0 where
// it cannot be read.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchShape is the vocabulary size and encoder and decoder depths of
// BenchmarkStep: 8000, 3, 3 unless TRAIN_BENCH_SHAPE says otherwise.
func benchShape(b *testing.B) (vocab, enc, dec int) {
	vocab, enc, dec = 8000, 3, 3
	if s := os.Getenv("TRAIN_BENCH_SHAPE"); s != "" {
		if _, err := fmt.Sscanf(s, "%d,%d,%d", &vocab, &enc, &dec); err != nil || vocab < 4 || enc < 1 || dec < 1 {
			b.Fatalf("TRAIN_BENCH_SHAPE=%q: want VOCAB,ENC,DEC such as 16000,6,3", s)
		}
	}
	return vocab, enc, dec
}
