package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/translated/translated/nmt/model"
)

// DevScore is what an evaluation of the dev split reports. Metric names
// the score used to pick the best checkpoint: "bleu" (higher is better) or
// "loss" (lower is better).
type DevScore struct {
	Metric string
	Value  float64
	Line   string // for the log, e.g. "BLEU 12.3 chrF 40.1"
}

// Evaluator scores the model saved in dir on the dev split (for example by
// decoding it with the engine and computing BLEU). It is optional.
type Evaluator func(ctx context.Context, dir string) (DevScore, error)

// Trainer trains one model. Create it with New, then call Init or Resume,
// then Run.
type Trainer struct {
	Config    *model.Config
	Params    *Params
	Opt       *Adam
	State     State
	Options   Options
	Dir       string // run directory: last/ and best/ checkpoints, train.log
	Tokenizer []byte // tokenizer.json written with every checkpoint

	// Progress receives the one-line progress display (\r-updated); Log
	// receives one line per LogEvery steps and per evaluation. Either may be nil.
	Progress, Log io.Writer
	Evaluate      Evaluator

	train, dev []Pair
	buckets    Buckets
	graphs     map[int]*bucketGraph
	scratch    []float32
	pool       bufferPool
	epoch      []BatchRef // batches of State.Epoch

	guide *guideHead    // nil: unguided (see SetGuide)
	links [][]tokenLink // per training pair, when guided
}

// New prepares a trainer for the given corpus. Dev may be empty.
func New(c *model.Config, o Options, train, dev []Pair, tokenizerJSON []byte, dir string) (*Trainer, error) {
	o = o.Defaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	ps, err := NewParams(c)
	if err != nil {
		return nil, err
	}
	if len(train) == 0 {
		return nil, errors.New("train: no training pairs")
	}
	ps.Get(model.SharedEmbedding).Frozen = o.FreezeEmbeddings
	t := &Trainer{Config: c, Params: ps, Opt: newAdam(ps, o.Beta1, o.Beta2, o.AdamEps), Options: o, Dir: dir,
		Tokenizer: tokenizerJSON, train: train, dev: dev, graphs: map[int]*bucketGraph{},
		buckets: Buckets{Lengths: o.Buckets, MaxTokens: o.MaxTokens}}
	if last := o.Buckets[len(o.Buckets)-1]; last > c.MaxPositionEmbeddings {
		return nil, fmt.Errorf("train: the longest bucket (%d) exceeds max_position_embeddings (%d)", last, c.MaxPositionEmbeddings)
	}
	for _, p := range train {
		if err := t.checkIDs(p); err != nil {
			return nil, err
		}
	}
	maxRows := 0
	for i := range o.Buckets {
		maxRows = max(maxRows, t.buckets.Rows(i)*o.Buckets[i])
	}
	t.scratch = make([]float32, maxRows*c.VocabSize)
	return t, nil
}

func (t *Trainer) checkIDs(p Pair) error {
	for _, side := range [][]int32{p.Src, p.Tgt} {
		for _, id := range side {
			if id < 0 || int(id) >= t.Config.VocabSize {
				return fmt.Errorf("train: token id %d is outside the vocabulary of %d", id, t.Config.VocabSize)
			}
		}
	}
	return nil
}

// Skipped is the number of training pairs longer than the longest bucket.
func (t *Trainer) Skipped() int {
	n := 0
	for _, p := range t.train {
		if t.buckets.Of(p) < 0 {
			n++
		}
	}
	return n
}

// Init starts a fresh run: random weights from the seed, empty moments.
func (t *Trainer) Init() {
	t.Params.Init(rand.New(rand.NewPCG(t.Options.Seed, 0x5eed)), t.Config.PadTokenID)
	t.State = State{Seed: t.Options.Seed, Pairs: len(t.train), BestMetric: "", Guided: t.Guided()}
}

// Resume restores the last checkpoint of the run directory.
func (t *Trainer) Resume() error {
	st, err := readCheckpoint(filepath.Join(t.Dir, "last"), t.Params, t.Opt)
	if err != nil {
		return fmt.Errorf("train: resuming: %w", err)
	}
	if st.Pairs != len(t.train) {
		return fmt.Errorf("train: the checkpoint was trained on %d pairs, this corpus has %d: same data and options are needed to resume", st.Pairs, len(t.train))
	}
	t.State = *st
	if err := t.recordGuide(); err != nil {
		return err
	}
	// A run killed while writing a checkpoint leaves its temporary directory.
	stale, _ := filepath.Glob(filepath.Join(t.Dir, ".*.tmp*"))
	for _, d := range stale {
		os.RemoveAll(d)
	}
	return nil
}

func (t *Trainer) graph(bucket int) (*bucketGraph, error) {
	if g, ok := t.graphs[bucket]; ok {
		return g, nil
	}
	g, err := newGuidedBucketGraph(t.Config, t.Params, t.buckets.Rows(bucket), t.buckets.Lengths[bucket],
		float32(t.Options.Dropout), float32(t.Options.LabelSmoothing), t.scratch, &t.pool, t.guide)
	if err != nil {
		return nil, err
	}
	t.graphs[bucket] = g
	return g, nil
}

func (t *Trainer) epochBatches() []BatchRef {
	if t.epoch == nil {
		t.epoch = EpochBatches(t.train, t.buckets, t.State.Seed, t.State.Epoch)
	}
	return t.epoch
}

// StepResult describes one update.
type StepResult struct {
	Loss       float64 // mean label-smoothed loss per target token
	NLL        float64 // summed unsmoothed negative log-likelihood
	TargetToks float64
	LR, Norm   float64
	// AlignCE is the summed alignment cross-entropy (without λ) over the
	// AlignRows supervised target tokens; both 0 when unguided.
	AlignCE, AlignRows float64
}

// Step trains on the next batch and advances the data position.
func (t *Trainer) Step() (StepResult, error) {
	batches := t.epochBatches()
	ref := batches[t.State.Batch]
	g, err := t.graph(ref.Bucket)
	if err != nil {
		return StepResult{}, err
	}
	bt := makeBatch(t.train, ref)
	bt.links = t.batchLinks(ref)
	g.load(bt, int32(t.Config.PadTokenID), int32(t.Config.DecoderStartTokenID))
	// Dropout masks depend only on the seed and the step number.
	rng := rand.New(rand.NewPCG(t.State.Seed, uint64(t.State.Step)+1))
	loss, nll, count, err := g.run(true, rng)
	if err != nil {
		return StepResult{}, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return StepResult{}, fmt.Errorf("train: the loss is %v at step %d", loss, t.State.Step+1)
	}
	lr := LearningRate(t.State.Step+1, t.Options.Warmup, t.Options.PeakLR) * t.State.Cooldown.factor(t.State.Step)
	norm := t.Opt.Update(t.Params, lr, t.Options.Clip)
	t.State.Step++
	t.State.TargetToks += int64(count)
	t.State.Batch++
	if t.State.Batch == len(batches) {
		t.State.Epoch++
		t.State.Batch = 0
		t.epoch = nil
	}
	r := StepResult{Loss: loss, NLL: nll, TargetToks: count, LR: lr, Norm: norm}
	if g.guided != nil {
		r.AlignCE, r.AlignRows = g.guided.ce, g.guided.count
	}
	return r, nil
}

// DevLoss is the mean unsmoothed negative log-likelihood per target token
// on the dev pairs, with dropout off. It does not change the weights.
func (t *Trainer) DevLoss() (float64, error) {
	if len(t.dev) == 0 {
		return math.NaN(), nil
	}
	var nll, count float64
	for _, ref := range EpochBatches(t.dev, t.buckets, 0, 0) {
		g, err := t.graph(ref.Bucket)
		if err != nil {
			return 0, err
		}
		g.load(makeBatch(t.dev, ref), int32(t.Config.PadTokenID), int32(t.Config.DecoderStartTokenID))
		_, n, c, err := g.run(false, nil)
		if err != nil {
			return 0, err
		}
		nll += n
		count += c
	}
	return nll / max(count, 1), nil
}

// Checkpoint writes the run's last/ checkpoint and, with Options.Keep,
// a weights-only copy in steps/STEP/ (see keepSnapshot).
func (t *Trainer) Checkpoint() error {
	if err := os.MkdirAll(t.Dir, 0o755); err != nil {
		return err
	}
	if err := writeCheckpoint(filepath.Join(t.Dir, "last"), t.Config, t.Params, t.Opt, &t.State, t.Tokenizer); err != nil {
		return err
	}
	return t.keepSnapshot()
}

func (t *Trainer) done() bool {
	o := t.Options
	return t.State.Epoch >= o.Epochs || (o.MaxSteps > 0 && t.State.Step >= o.MaxSteps) ||
		(t.State.Cooldown != nil && t.State.Step >= t.State.Cooldown.End())
}

func (t *Trainer) logf(format string, args ...any) {
	if t.Log != nil {
		fmt.Fprintf(t.Log, "%s "+format+"\n", append([]any{time.Now().Format("2006-01-02T15:04:05")}, args...)...)
	}
}

// Run trains until the epoch or step limit or until ctx is cancelled,
// checkpointing on schedule and once more before it returns.
func (t *Trainer) Run(ctx context.Context) error {
	if len(t.epochBatches()) == 0 {
		return errors.New("train: every training pair is longer than the longest bucket")
	}
	if err := t.startCooldown(); err != nil {
		return err
	}
	p := newProgress(t)
	lastCkpt := time.Now()
	var window stepWindow
	for !t.done() {
		if ctx.Err() != nil {
			break
		}
		start := time.Now()
		r, err := t.Step()
		if err != nil {
			return err
		}
		el := time.Since(start).Seconds()
		t.State.Seconds += el
		window.add(r, el)
		p.update(r, el)
		if t.State.Step%t.Options.LogEvery == 0 {
			t.logf("step %d epoch %d batch %d/%d loss %.4f nll/tok %.4f tok/s %.0f lr %.3g gnorm %.3f%s", t.State.Step,
				t.State.Epoch, t.State.Batch, len(t.epochBatches()), window.loss(), window.nll(), window.rate(), r.LR, r.Norm, window.align(t.guide != nil))
			window = stepWindow{}
		}
		due := time.Since(lastCkpt) >= t.Options.CheckpointEvery ||
			(t.Options.CheckpointSteps > 0 && t.State.Step%t.Options.CheckpointSteps == 0)
		devDue := t.Options.DevEvery > 0 && t.State.Step%t.Options.DevEvery == 0
		if due {
			if err := t.Checkpoint(); err != nil {
				return err
			}
			lastCkpt = time.Now()
		}
		if due || devDue {
			if err := t.evaluate(ctx); err != nil {
				return err
			}
		}
	}
	p.finish()
	if err := t.Checkpoint(); err != nil {
		return err
	}
	if ctx.Err() != nil { // interrupted: stop promptly, the next run evaluates
		return nil
	}
	return t.evaluate(ctx)
}

// evaluate scores the dev split and keeps the best checkpoint in best/.
func (t *Trainer) evaluate(ctx context.Context) error {
	loss, err := t.DevLoss()
	if err != nil {
		return err
	}
	score := DevScore{Metric: "loss", Value: loss, Line: fmt.Sprintf("dev nll/tok %.4f ppl %.2f", loss, math.Exp(loss))}
	if t.Evaluate != nil {
		if err := t.Checkpoint(); err != nil { // the evaluator reads last/
			return err
		}
		s, err := t.Evaluate(ctx, filepath.Join(t.Dir, "last"))
		if err != nil {
			// Without the evaluator's score the best checkpoint cannot be judged.
			t.logf("step %d %s; dev evaluation failed: %v", t.State.Step, score.Line, err)
			return nil
		}
		s.Line = score.Line + " " + s.Line
		score = s
	}
	t.logf("step %d epoch %d %s", t.State.Step, t.State.Epoch, score.Line)
	if !t.better(score) {
		return nil
	}
	t.State.BestDev, t.State.BestMetric, t.State.BestStep = score.Value, score.Metric, t.State.Step
	if err := writeCheckpoint(filepath.Join(t.Dir, "best"), t.Config, t.Params, nil, &t.State, t.Tokenizer); err != nil {
		return err
	}
	t.logf("step %d new best dev %s %.4f saved in best/", t.State.Step, score.Metric, score.Value)
	return t.Checkpoint() // record the best score in last/ too
}

// better reports whether score beats the best so far. A BLEU score beats
// any loss (a run that gains an evaluator switches to BLEU); a loss never
// replaces a BLEU best; otherwise higher BLEU or lower loss wins.
func (t *Trainer) better(score DevScore) bool {
	st := &t.State
	switch {
	case math.IsNaN(score.Value):
		return false
	case st.BestStep == 0 || st.BestMetric == "":
		return true
	case st.BestMetric != score.Metric:
		return score.Metric != "loss"
	case score.Metric == "loss":
		return score.Value < st.BestDev
	default:
		return score.Value > st.BestDev
	}
}
