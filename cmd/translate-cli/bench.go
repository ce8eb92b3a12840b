package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/safetensors"
	"github.com/translated/translated/nmt/tensor"
)

func init() {
	register("bench", "measure the engine's speed: target tokens/s, step times, peak memory, load time", runBench)
}

// benchReport is what bench prints, as text or as one JSON object.
type benchReport struct {
	Model           string    `json:"model"` // directory, or "random"
	Shape           string    `json:"shape"`
	LoadSeconds     float64   `json:"load_s"`
	Sentences       int       `json:"sentences"`
	Batch           int       `json:"batch"`
	Beam            int       `json:"beam"`
	SourceLen       int       `json:"src_len"`
	TargetLen       int       `json:"tgt_len"`
	Threads         int       `json:"threads"`
	Kernels         string    `json:"kernels"`
	Int8            bool      `json:"int8"`
	RoundSeconds    []float64 `json:"round_s"`
	TokensPerSecond float64   `json:"tok_s"`
	Steps           int       `json:"steps"`
	StepP50ms       float64   `json:"step_p50_ms"`
	StepP99ms       float64   `json:"step_p99_ms"`
	PeakRSSMB       float64   `json:"peak_rss_mb"` // 0 where the system does not tell
	OutputRows      float64   `json:"output_rows"` // mean rows of the output layer per batch
}

func runBench(ctx context.Context, args []string, e *env) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var o nmt.BenchOptions
	fs.IntVar(&o.Sentences, "sentences", 8, "source sentences per round")
	fs.IntVar(&o.Batch, "batch", 1, "sentences decoded together")
	fs.IntVar(&o.Beam, "beam", 1, "beam size (1: greedy)")
	fs.IntVar(&o.SourceLen, "src-len", 24, "tokens per source sentence, eos included")
	fs.IntVar(&o.TargetLen, "tgt-len", 32, "exact target tokens per sentence, eos included")
	fs.IntVar(&o.Rounds, "rounds", 3, "timed rounds after one warm-up round (the median is reported)")
	threads := fs.Int("threads", 0, "goroutines per matrix product (tensor.SetThreads; 0: the cores)")
	dtype := fs.String("dtype", "", "int8: quantize the weight matrices to int8 at load (default: as stored)")
	shortlist := fs.String("shortlist", "", "restrict the output layer to this vocabulary shortlist `FILE` (translate-cli shortlist) of the model")
	fs.IntVar(&o.ShortlistSize, "shortlist-size", 0, "restrict the output layer to this many evenly spaced tokens: the cost of a shortlist of that size (0: the whole vocabulary)")
	shape := nmt.OPUSMTShape
	fs.IntVar(&shape.DModel, "d-model", shape.DModel, "random model: hidden size")
	fs.IntVar(&shape.EncoderLayers, "encoder-layers", shape.EncoderLayers, "random model: encoder layers")
	fs.IntVar(&shape.DecoderLayers, "decoder-layers", shape.DecoderLayers, "random model: decoder layers")
	fs.IntVar(&shape.Heads, "heads", shape.Heads, "random model: attention heads")
	fs.IntVar(&shape.FFN, "ffn", shape.FFN, "random model: feed-forward size")
	fs.IntVar(&shape.Vocab, "vocab", shape.Vocab, "random model: vocabulary size")
	seed := fs.Uint64("seed", 1, "random model: seed of the weights")
	save := fs.String("save", "", "random model: write it to this directory (F32) before measuring, for the peers to load")
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the measured rounds to this file (go tool pprof)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: translate-cli bench [flags] [MODEL_DIR]\n\nTranslates synthetic sentences with MODEL_DIR, or with a random model of the\nshape given (default: the OPUS-MT size), and prints target tokens per second,\nthe time of one decoder step (p50, p99), the peak resident memory and the\nload time. docs/performance.md compares it with its peers.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 1 || (fs.NArg() == 1 && *save != "") {
		if err == nil {
			fs.Usage()
		}
		return exitUsage
	}
	if *dtype != "" && *dtype != "int8" {
		fmt.Fprintf(e.stderr, "translate-cli: --dtype %q: only int8 is known\n", *dtype)
		return exitUsage
	}
	if *threads > 0 {
		tensor.SetThreads(*threads)
	}
	rep := benchReport{Model: "random", Shape: fmt.Sprintf("d_model %d, layers %d+%d, heads %d, ffn %d, vocab %d", shape.DModel, shape.EncoderLayers, shape.DecoderLayers, shape.Heads, shape.FFN, shape.Vocab)}
	start := time.Now()
	var m *model.Model
	var err error
	opts := model.LoadOptions{Int8: *dtype == "int8"}
	if fs.NArg() == 1 {
		rep.Model = fs.Arg(0)
		m, err = model.LoadWith(rep.Model, opts)
	} else {
		m, err = nmt.RandomModel(shape, *seed, opts)
	}
	rep.LoadSeconds = time.Since(start).Seconds()
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitBadModel
	}
	if fs.NArg() == 1 {
		c := m.Config()
		rep.Shape = fmt.Sprintf("d_model %d, layers %d+%d, heads %d, ffn %d, vocab %d", c.DModel, c.EncoderLayers, c.DecoderLayers, c.DecoderAttentionHeads, c.DecoderFFNDim, c.DecoderVocabSize)
	}
	if *save != "" {
		if err := saveRandom(*save, m); err != nil {
			fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
			return exitFailure
		}
	}
	if *profile != "" {
		stop, err := startCPUProfile(*profile)
		if err != nil {
			fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
			return exitFailure
		}
		defer stop()
	}
	if *shortlist != "" {
		c := m.Config()
		if o.Shortlist, err = readShortlistFile(*shortlist, c.VocabSize, c.DecoderVocabSize); err != nil {
			fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
			return exitUsage
		}
	}
	res, err := nmt.Bench(ctx, m, o)
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		if errors.Is(err, nmt.ErrInvalidArgument) {
			return exitUsage
		}
		return exitFailure
	}
	rep.fill(res)
	rep.Int8 = m.Int8()
	rep.PeakRSSMB = float64(peakRSS()) / 1e6
	if *asJSON {
		b, _ := json.Marshal(rep)
		fmt.Fprintln(e.stdout, string(b))
		return exitOK
	}
	rep.print(e)
	return exitOK
}

// saveRandom writes m to dir, which it creates, as an F32 checkpoint.
func saveRandom(dir string, m *model.Model) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return model.Save(dir, m, safetensors.F32)
}

func (r *benchReport) fill(res *nmt.BenchResult) {
	o := res.Options
	r.Sentences, r.Batch, r.Beam, r.SourceLen, r.TargetLen = o.Sentences, o.Batch, o.Beam, o.SourceLen, o.TargetLen
	r.Threads, r.Kernels = res.Threads, res.Kernels
	for _, d := range res.Rounds {
		r.RoundSeconds = append(r.RoundSeconds, d.Seconds())
	}
	r.TokensPerSecond = res.TokensPerSecond
	r.Steps = res.Steps
	r.StepP50ms = float64(res.StepP50.Microseconds()) / 1e3
	r.StepP99ms = float64(res.StepP99.Microseconds()) / 1e3
	r.OutputRows = res.ShortlistMean
}

func (r *benchReport) print(e *env) {
	rounds := make([]string, len(r.RoundSeconds))
	for i, s := range r.RoundSeconds {
		rounds[i] = fmt.Sprintf("%.3f s", s)
	}
	w := e.stdout
	fmt.Fprintf(w, "model:     %s (%s)\n", r.Model, r.Shape)
	fmt.Fprintf(w, "load:      %.2f s\n", r.LoadSeconds)
	fmt.Fprintf(w, "work:      %d sentences × %d source tokens → %d target tokens, batch %d, beam %d\n", r.Sentences, r.SourceLen, r.TargetLen, r.Batch, r.Beam)
	weights := "float32"
	if r.Int8 {
		weights = "int8"
	}
	fmt.Fprintf(w, "engine:    %s weights, %s kernels, %d threads, GOMAXPROCS %d\n", weights, r.Kernels, r.Threads, runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "speed:     %.1f target tokens/s (median of rounds: %s)\n", r.TokensPerSecond, strings.Join(rounds, ", "))
	fmt.Fprintf(w, "step:      p50 %.2f ms, p99 %.2f ms (%d steps)\n", r.StepP50ms, r.StepP99ms, r.Steps)
	fmt.Fprintf(w, "output:    %.0f rows per batch on average\n", r.OutputRows)
	if r.PeakRSSMB > 0 {
		fmt.Fprintf(w, "peak RSS:  %.0f MB\n", r.PeakRSSMB)
	}
}
