package model

import (
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/translated/translated/nmt/safetensors"
	"github.com/translated/translated/nmt/tensor"
)

// Benchmarks run the workload of scripts/reference/bench.py (the PyTorch
// peer) on a realistic-size model: d_model 256, 4 heads, 3 encoder
// and 3 decoder layers, feed-forward 1024, vocabulary 8000, random weights
// with a fixed seed, or the checkpoint directory named by
// TRANSLATED_BENCH_MODEL (scripts/reference/make_tiny.py --bench DIR writes
// one that scripts/reference/bench.py also measures with PyTorch).
// TRANSLATED_BENCH_THREADS sets tensor.SetThreads (default GOMAXPROCS).

// cpuClock reports the CPU time of the calling OS thread (benchmarks lock
// their goroutine to one). On a machine shared with other work, wall time
// per op grows with the load while CPU time does not, so each benchmark also
// reports cpu-ms/op and rates per CPU second (the engine runs on one
// goroutine). Returns 0 where the thread clock is unavailable.
func cpuClock() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

// lockThread keeps the benchmark's goroutine on one OS thread so that
// cpuClock measures it.
func lockThread(b *testing.B) {
	runtime.LockOSThread()
	b.Cleanup(runtime.UnlockOSThread)
}

// report adds the per-op CPU time and the rates of items per wall second
// and per CPU second.
func report(b *testing.B, cpuStart time.Duration, items int, unit string) {
	cpu := (cpuClock() - cpuStart).Seconds()
	b.ReportMetric(float64(items)/b.Elapsed().Seconds(), unit+"/s")
	if cpu > 0 {
		b.ReportMetric(cpu*1e3/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(items)/cpu, unit+"/cpu-s")
	}
}

func benchModel(b *testing.B) *Model {
	b.Helper()
	lockThread(b)
	if s := os.Getenv("TRANSLATED_BENCH_THREADS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("TRANSLATED_BENCH_THREADS=%q: %v", s, err)
		}
		saved := tensor.Threads()
		tensor.SetThreads(n)
		b.Cleanup(func() { tensor.SetThreads(saved) })
	}
	if dir := os.Getenv("TRANSLATED_BENCH_MODEL"); dir != "" {
		m, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	c, err := ParseConfig([]byte(`{"model_type": "marian", "vocab_size": 8000, "d_model": 256,
		"encoder_layers": 3, "decoder_layers": 3, "encoder_attention_heads": 4,
		"decoder_attention_heads": 4, "encoder_ffn_dim": 1024, "decoder_ffn_dim": 1024,
		"max_position_embeddings": 512, "pad_token_id": 0, "eos_token_id": 1,
		"activation_function": "swish"}`))
	if err != nil {
		b.Fatal(err)
	}
	m, err := New(c, randomWeights(c, 42, 0.05))
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// benchSources makes bench.py's n source sentences of length tokens.
func benchSources(m *Model, n, length int) [][]int {
	c := m.Config()
	return SyntheticSources(&c, n, length)
}

func BenchmarkEncoder(b *testing.B) {
	m := benchModel(b)
	for _, batch := range []int{1, 16} {
		b.Run(fmt.Sprintf("batch%d", batch), func(b *testing.B) {
			lockThread(b)
			srcs := benchSources(m, batch, 30)
			tokens := 0
			for _, s := range srcs {
				tokens += len(s)
			}
			ctx := context.Background()
			cpu := cpuClock()
			for b.Loop() {
				if _, err := m.Encode(ctx, srcs); err != nil {
					b.Fatal(err)
				}
			}
			report(b, cpu, tokens*b.N, "src_tok")
		})
	}
}

// BenchmarkDecoderStep times one decoder step of one row whose cache holds
// 15 earlier steps (the 16th step is timed, then the decoder is rewound by
// starting a fresh one outside the timer).
func BenchmarkDecoderStep(b *testing.B) {
	m := benchModel(b)
	c := m.Config()
	ctx := context.Background()
	enc, err := m.Encode(ctx, benchSources(m, 1, 30))
	if err != nil {
		b.Fatal(err)
	}
	lp := make([]float32, c.DecoderVocabSize)
	d, _ := m.NewDecoder(enc)
	attn := make([]float32, d.Dims().Layers*d.Dims().Heads*d.Dims().SrcLen)
	prime := func() *Decoder {
		d, err := m.NewDecoder(enc)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 15; i++ {
			if err := d.Next(ctx, []int{2 + i}, lp, attn); err != nil {
				b.Fatal(err)
			}
		}
		return d
	}
	b.ResetTimer()
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d := prime()
		b.StartTimer()
		start := cpuClock()
		if err := d.Next(ctx, []int{7}, lp, attn); err != nil {
			b.Fatal(err)
		}
		cpu += cpuClock() - start
	}
	report(b, cpuClock()-cpu, b.N, "tgt_tok")
}

// BenchmarkGreedy translates 16 sentences greedily with exactly 32 decoder
// steps each (eos ignored, pad masked, argmax fed back), as bench.py's
// "translate" does: batch1 one sentence after another, batch16 all at once.
// The encoder and the cross-attention output of every step are included;
// it reports target tokens per second.
func BenchmarkGreedy(b *testing.B) {
	m := benchModel(b)
	srcs := benchSources(m, 16, 30)
	for _, batch := range []int{1, 16} {
		b.Run(fmt.Sprintf("batch%d", batch), func(b *testing.B) {
			lockThread(b)
			cpu := cpuClock()
			for b.Loop() {
				for lo := 0; lo < len(srcs); lo += batch {
					greedySteps(b, m, srcs[lo:lo+batch], 32)
				}
			}
			report(b, cpu, 32*len(srcs)*b.N, "tgt_tok")
		})
	}
}

// greedySteps encodes srcs and runs steps greedy decoder steps.
func greedySteps(b *testing.B, m *Model, srcs [][]int, steps int) {
	c := m.Config()
	ctx := context.Background()
	d := newDecoder(b, m, srcs)
	dims := d.Dims()
	v := dims.Vocab
	lp := make([]float32, len(srcs)*v)
	attn := make([]float32, len(srcs)*dims.Layers*dims.Heads*dims.SrcLen)
	tokens := make([]int, len(srcs))
	for i := range tokens {
		tokens[i] = c.DecoderStartTokenID
	}
	for step := 0; step < steps; step++ {
		if err := d.Next(ctx, tokens, lp, attn); err != nil {
			b.Fatal(err)
		}
		for r := range tokens {
			row := lp[r*v : (r+1)*v]
			row[c.PadTokenID] = float32(math.Inf(-1))
			tokens[r] = tensor.Argmax(row)
		}
	}
}

// BenchmarkForce scores 32 given targets of 32 tokens against 32 sources
// (forced decoding, as reranking and alignment do): "steps" feeds them
// through Next one position at a time, "whole" through Force in one pass.
// The encoder is included; it reports target tokens per second.
func BenchmarkForce(b *testing.B) {
	m := benchModel(b)
	c := m.Config()
	srcs := benchSources(m, 32, 30)
	targets := benchSources(m, 32, 32)
	ctx := context.Background()
	start := func() *Decoder {
		d := newDecoder(b, m, srcs)
		return d
	}
	b.Run("steps", func(b *testing.B) {
		lockThread(b)
		cpu := cpuClock()
		for b.Loop() {
			d := start()
			lp := make([]float32, len(srcs)*c.DecoderVocabSize)
			attn := make([]float32, len(srcs)*d.Dims().Layers*d.Dims().Heads*d.Dims().SrcLen)
			tokens := make([]int, len(srcs))
			for i := range tokens {
				tokens[i] = c.DecoderStartTokenID
			}
			for step := range 32 {
				if err := d.Next(ctx, tokens, lp, attn); err != nil {
					b.Fatal(err)
				}
				for r := range tokens {
					tokens[r] = targets[r][step]
				}
			}
		}
		report(b, cpu, 32*len(srcs)*b.N, "tgt_tok")
	})
	b.Run("whole", func(b *testing.B) {
		lockThread(b)
		cpu := cpuClock()
		for b.Loop() {
			d := start()
			lps := make([][]float32, len(targets))
			for i := range lps {
				lps[i] = make([]float32, 32)
			}
			attn := make([]float32, 32*len(srcs)*d.Dims().Layers*d.Dims().Heads*d.Dims().SrcLen)
			if err := d.Force(ctx, c.DecoderStartTokenID, targets, lps, attn); err != nil {
				b.Fatal(err)
			}
		}
		report(b, cpu, 32*len(srcs)*b.N, "tgt_tok")
	})
}

// BenchmarkLoad times loading a checkpoint from a file the page cache
// holds: float32 and int8 (LoadOptions.Int8). Its model is the one of
// TRANSLATED_BENCH_MODEL, or the benchmark model saved as F32 once.
// cpu-ms/op is the CPU time of the whole process (loading works on every
// thread), which other work on the machine does not inflate.
func BenchmarkLoad(b *testing.B) {
	dir := os.Getenv("TRANSLATED_BENCH_MODEL")
	if dir == "" {
		dir = b.TempDir()
		if err := Save(dir, benchModel(b), safetensors.F32); err != nil {
			b.Fatal(err)
		}
	}
	for _, o := range []struct {
		name string
		opts LoadOptions
	}{{"float32", LoadOptions{}}, {"int8", LoadOptions{Int8: true}}} {
		b.Run(o.name, func(b *testing.B) {
			cpu := processCPU()
			for b.Loop() {
				if _, err := LoadWith(dir, o.opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((processCPU()-cpu).Seconds()*1e3/float64(b.N), "cpu-ms/op")
		})
	}
}

// processCPU is the user and system time of the whole process so far.
func processCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
