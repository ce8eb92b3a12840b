package train

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/safetensors"
)

// byteEncode is a byte-level encoder (id = 3 + byte) so these tests need
// no trained vocabulary.
func byteEncode(s string) ([]int, error) {
	ids := make([]int, len(s))
	for i := 0; i < len(s); i++ {
		ids[i] = 3 + int(s[i])
	}
	return ids, nil
}

func tinyCorpus(t *testing.T) (train, dev []Pair) {
	t.Helper()
	cols := TSVColumns{Book: 2, Source: 3, Target: 4}
	path := filepath.Join("testdata", "bible-tiny.tsv")
	trEx, err := ReadTSV(path, cols, nil, []string{"Col"})
	if err != nil {
		t.Fatal(err)
	}
	devEx, err := ReadTSV(path, cols, []string{"Col"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(trEx) != 36 || len(devEx) != 4 {
		t.Fatalf("split: %d train, %d dev pairs; want 36 and 4", len(trEx), len(devEx))
	}
	if train, err = Encode(trEx, byteEncode, 1); err != nil {
		t.Fatal(err)
	}
	if dev, err = Encode(devEx, byteEncode, 1); err != nil {
		t.Fatal(err)
	}
	return train, dev
}

func tinyTrainer(t *testing.T, dir string, maxSteps int) *Trainer {
	t.Helper()
	train, dev := tinyCorpus(t)
	c := tinyConfig("swish")
	c.VocabSize, c.DecoderVocabSize = 259, 259
	c.MaxPositionEmbeddings = 128
	o := Options{MaxTokens: 192, Buckets: []int{32, 64, 96}, Warmup: 5, PeakLR: 3e-3, MaxSteps: maxSteps,
		Seed: 7, CheckpointEvery: time.Hour, LogEvery: 1000}
	tr, err := New(c, o, train, dev, []byte(`{"tokenizer":"bytes"}`), dir)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestResumeIsExact trains 24 steps straight, and 12 steps, a checkpoint,
// a fresh process-like reload and 12 more; weights, Adam moments and the
// data position must be bit-identical. 24 steps cross an epoch boundary.
func TestResumeIsExact(t *testing.T) {
	ctx := context.Background()
	straight := tinyTrainer(t, t.TempDir(), 24)
	straight.Init()
	if err := straight.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if straight.State.Epoch == 0 {
		t.Fatalf("24 steps stayed in epoch 0 (%d batches per epoch): the test must cross an epoch", len(straight.epochBatches()))
	}

	dir := t.TempDir()
	first := tinyTrainer(t, dir, 12)
	first.Init()
	if err := first.Run(ctx); err != nil {
		t.Fatal(err)
	}
	second := tinyTrainer(t, dir, 24)
	if err := second.Resume(); err != nil {
		t.Fatal(err)
	}
	if second.State.Step != 12 {
		t.Fatalf("resumed at step %d, want 12", second.State.Step)
	}
	if err := second.Run(ctx); err != nil {
		t.Fatal(err)
	}

	a, b := straight.State, second.State
	if a.Step != b.Step || a.Epoch != b.Epoch || a.Batch != b.Batch || a.TargetToks != b.TargetToks {
		t.Errorf("state differs: straight %+v, resumed %+v", a, b)
	}
	if straight.Opt.Steps != second.Opt.Steps {
		t.Errorf("Adam steps: straight %d, resumed %d", straight.Opt.Steps, second.Opt.Steps)
	}
	for i, p := range straight.Params.List {
		q := second.Params.List[i]
		if !slices.Equal(p.Data, q.Data) {
			t.Errorf("%s: weights differ after resume", p.Name)
		}
		if !slices.Equal(straight.Opt.M[i], second.Opt.M[i]) || !slices.Equal(straight.Opt.V[i], second.Opt.V[i]) {
			t.Errorf("%s: Adam moments differ after resume", p.Name)
		}
	}
	// and the run did learn: the straight run's loss fell
	if straight.State.BestMetric != "loss" || straight.State.BestStep == 0 {
		t.Errorf("no dev evaluation recorded: %+v", straight.State)
	}
}

// TestResumeFromOld: a crash between the two renames of a checkpoint swap
// leaves only last.old; resuming uses it.
func TestResumeFromOld(t *testing.T) {
	dir := t.TempDir()
	tr := tinyTrainer(t, dir, 3)
	tr.Init()
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "last"), filepath.Join(dir, "last.old")); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, ".last.tmp123")
	if err := os.Mkdir(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	again := tinyTrainer(t, dir, 3)
	if err := again.Resume(); err != nil {
		t.Fatal(err)
	}
	if again.State.Step != 3 {
		t.Fatalf("resumed at step %d, want 3", again.State.Step)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("the stale temporary checkpoint directory was not removed")
	}
	for i, p := range tr.Params.List {
		if !slices.Equal(p.Data, again.Params.List[i].Data) {
			t.Fatalf("%s differs after resuming from last.old", p.Name)
		}
	}
}

// TestResumeRefusesOtherCorpus: a checkpoint is only resumed on the same data.
func TestResumeRefusesOtherCorpus(t *testing.T) {
	dir := t.TempDir()
	tr := tinyTrainer(t, dir, 2)
	tr.Init()
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	other := tinyTrainer(t, dir, 4)
	other.train = other.train[:20]
	if err := other.Resume(); err == nil {
		t.Fatal("resumed a checkpoint of 36 pairs on 20 pairs")
	}
}

// TestTrainingLowersLoss: 60 steps on the tiny corpus bring the dev loss
// below its value at initialization.
func TestTrainingLowersLoss(t *testing.T) {
	tr := tinyTrainer(t, t.TempDir(), 60)
	tr.Init()
	before, err := tr.DevLoss()
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	after, err := tr.DevLoss()
	if err != nil {
		t.Fatal(err)
	}
	if !(after < before-0.5) {
		t.Fatalf("dev loss went from %.3f to %.3f", before, after)
	}
}

// TestGreedyEvaluator: after training on the tiny corpus the evaluator
// decodes the dev sources with the engine and reports BLEU and chrF; the
// byte-level outputs decode to valid text.
func TestGreedyEvaluator(t *testing.T) {
	dir := t.TempDir()
	tr := tinyTrainer(t, dir, 30)
	var refs []string
	for range tr.dev {
		refs = append(refs, "Y la tierra")
	}
	var srcs [][]int32
	for _, p := range tr.dev {
		srcs = append(srcs, p.Src)
	}
	detok := func(ids []int) string {
		b := make([]byte, 0, len(ids))
		for _, id := range ids {
			if id >= 3 {
				b = append(b, byte(id-3))
			}
		}
		return string(b)
	}
	tr.Evaluate = GreedyEvaluator(srcs, refs, detok)
	tr.Init()
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if tr.State.BestMetric != "bleu" {
		t.Fatalf("best metric %q, want bleu", tr.State.BestMetric)
	}
	hyps, err := GreedyTranslate(context.Background(), filepath.Join(dir, "best"), srcs, detok)
	if err != nil {
		t.Fatal(err)
	}
	if len(hyps) != len(srcs) {
		t.Fatalf("%d translations for %d sources", len(hyps), len(srcs))
	}
}

func TestBetterDevScore(t *testing.T) {
	nan := DevScore{Metric: "loss", Value: math.NaN()}
	cases := []struct {
		name  string
		best  State
		score DevScore
		want  bool
	}{
		{"first score", State{}, DevScore{Metric: "loss", Value: 5}, true},
		{"NaN never wins", State{}, nan, false},
		{"lower loss", State{BestStep: 9, BestMetric: "loss", BestDev: 5}, DevScore{Metric: "loss", Value: 4}, true},
		{"higher loss", State{BestStep: 9, BestMetric: "loss", BestDev: 5}, DevScore{Metric: "loss", Value: 6}, false},
		{"higher BLEU", State{BestStep: 9, BestMetric: "bleu", BestDev: 10}, DevScore{Metric: "bleu", Value: 11}, true},
		{"lower BLEU", State{BestStep: 9, BestMetric: "bleu", BestDev: 10}, DevScore{Metric: "bleu", Value: 9}, false},
		{"BLEU replaces a loss best", State{BestStep: 9, BestMetric: "loss", BestDev: 5}, DevScore{Metric: "bleu", Value: 0.1}, true},
		{"a loss never replaces a BLEU best", State{BestStep: 9, BestMetric: "bleu", BestDev: 10}, DevScore{Metric: "loss", Value: 0.1}, false},
	}
	for _, c := range cases {
		tr := &Trainer{State: c.best}
		if got := tr.better(c.score); got != c.want {
			t.Errorf("%s: better = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestCooldown: the learning rate falls linearly to zero over the
// cooldown and the run stops at its end; an interrupted cooldown resumes
// exactly, and a different length is refused.
func TestCooldown(t *testing.T) {
	ctx := context.Background()
	straight := tinyTrainer(t, t.TempDir(), 0)
	straight.Options.Cooldown = 8
	straight.Init()
	var lrs []float64
	for range 4 {
		r, err := straight.Step()
		if err != nil {
			t.Fatal(err)
		}
		lrs = append(lrs, r.LR)
	}
	// Steps taken by hand before Run: the cooldown starts at step 4.
	straight.Options.MaxSteps = 0
	if err := straight.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if c := straight.State.Cooldown; c == nil || c.From != 4 || c.Steps != 8 || straight.State.Step != 12 {
		t.Fatalf("cooldown %+v, stopped at step %d; want from 4 over 8, stopped at 12", c, straight.State.Step)
	}
	for s := 4; s < 12; s++ {
		want := LearningRate(s+1, 5, 3e-3) * float64(12-s) / 8
		if got := LearningRate(s+1, 5, 3e-3) * straight.State.Cooldown.factor(s); math.Abs(got-want) > 1e-15 {
			t.Errorf("step %d: lr %g, want %g", s+1, got, want)
		}
	}
	if f := straight.State.Cooldown.factor(3); f != 1 {
		t.Errorf("before the cooldown the factor is %g", f)
	}
	if f := straight.State.Cooldown.factor(11); math.Abs(f-1.0/8) > 1e-15 {
		t.Errorf("last update's factor %g, want 1/8", f)
	}
	if lrs[3] != LearningRate(4, 5, 3e-3) {
		t.Errorf("step 4 before the cooldown: lr %g", lrs[3])
	}

	// Interrupted after 4 of its 8 steps, resumed without the flag.
	dir := t.TempDir()
	first := tinyTrainer(t, dir, 8)
	first.Options.Cooldown = 8
	first.Init()
	for range 4 {
		if _, err := first.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if err := first.Run(ctx); err != nil { // stops at MaxSteps 8, half-way
		t.Fatal(err)
	}
	second := tinyTrainer(t, dir, 0)
	if err := second.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := second.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if second.State.Step != 12 {
		t.Fatalf("resumed cooldown stopped at step %d, want 12", second.State.Step)
	}
	for i, p := range straight.Params.List {
		if !slices.Equal(p.Data, second.Params.List[i].Data) {
			t.Errorf("%s: weights differ after a resumed cooldown", p.Name)
		}
	}
	third := tinyTrainer(t, dir, 0)
	third.Options.Cooldown = 5
	if err := third.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := third.Run(ctx); err == nil || !strings.Contains(err.Error(), "cools down over 8 steps") {
		t.Errorf("a different cooldown: err = %v", err)
	}
}

// TestGreedyTranslateRightToLeft: the same weights marked right_to_left
// decode the same ids, which GreedyTranslate hands to detok turned around.
func TestGreedyTranslateRightToLeft(t *testing.T) {
	dir := t.TempDir()
	tr := tinyTrainer(t, dir, 8)
	tr.Init()
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(filepath.Join(dir, "last"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := m.Config()
	cfg.RightToLeft = true
	r, err := model.New(&cfg, m.Weights())
	if err != nil {
		t.Fatal(err)
	}
	rdir := t.TempDir()
	if err := model.Save(rdir, r, safetensors.F32); err != nil {
		t.Fatal(err)
	}
	var srcs [][]int32
	for _, p := range tr.dev {
		srcs = append(srcs, p.Src)
	}
	ids := func(x []int) string { return fmt.Sprint(x) }
	ltr, err := GreedyTranslate(context.Background(), filepath.Join(dir, "last"), srcs, ids)
	if err != nil {
		t.Fatal(err)
	}
	rtl, err := GreedyTranslate(context.Background(), rdir, srcs, func(x []int) string {
		y := slices.Clone(x)
		slices.Reverse(y)
		return ids(y)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ltr, rtl) || len(ltr) == 0 || ltr[0] == "[]" {
		t.Fatalf("left-to-right %v, right-to-left turned back %v", ltr, rtl)
	}
}
