package train

import (
	"fmt"
	"time"
)

// stepWindow accumulates steps between two log lines.
type stepWindow struct {
	steps         int
	lossSum       float64
	nllSum        float64
	toks, seconds float64
	alignCE       float64 // guided alignment: summed cross-entropy
	alignRows     float64 // and supervised target tokens
}

func (w *stepWindow) add(r StepResult, seconds float64) {
	w.steps++
	w.lossSum += r.Loss
	w.nllSum += r.NLL
	w.toks += r.TargetToks
	w.seconds += seconds
	w.alignCE += r.AlignCE
	w.alignRows += r.AlignRows
}

func (w *stepWindow) loss() float64 { return w.lossSum / float64(max(w.steps, 1)) }
func (w *stepWindow) nll() float64  { return w.nllSum / max(w.toks, 1) }
func (w *stepWindow) rate() float64 { return w.toks / max(w.seconds, 1e-9) }

// align is the log field of a guided run: the alignment cross-entropy per
// supervised target token; empty when unguided.
func (w *stepWindow) align(guided bool) string {
	if !guided {
		return ""
	}
	return fmt.Sprintf(" align-ce %.4f", w.alignCE/max(w.alignRows, 1))
}

// progress draws the one-line display: step, epoch, smoothed loss, target
// tokens/s and seconds per step (moving averages over recent steps of this
// process), learning rate and the time left to the step or epoch limit.
type progress struct {
	t                   *Trainer
	loss, rate, perStep float64
	last                time.Time
	drawn               bool
}

func newProgress(t *Trainer) *progress { return &progress{t: t} }

// ema moves avg towards v (the first value is taken as is).
func ema(avg *float64, v, keep float64) {
	if *avg == 0 {
		*avg = v
		return
	}
	*avg = keep**avg + (1-keep)*v
}

func (p *progress) update(r StepResult, seconds float64) {
	ema(&p.loss, r.Loss, 0.98)
	ema(&p.perStep, seconds, 0.95)
	ema(&p.rate, r.TargetToks/max(seconds, 1e-9), 0.95)
	if p.t.Progress == nil || time.Since(p.last) < 500*time.Millisecond {
		return
	}
	p.last = time.Now()
	st := p.t.State
	nb := len(p.t.epochBatches())
	left := (p.t.Options.Epochs-st.Epoch)*nb - st.Batch
	if ms := p.t.Options.MaxSteps; ms > 0 {
		left = min(left, ms-st.Step)
	}
	if c := st.Cooldown; c != nil {
		left = min(left, c.End()-st.Step)
	}
	eta := time.Duration(float64(left) * p.perStep * float64(time.Second)).Truncate(time.Minute)
	fmt.Fprintf(p.t.Progress, "\rstep %d  epoch %d %3.0f%%  loss %.3f  %.0f tgt tok/s  %.2f s/step  lr %.2e  ETA %s   ",
		st.Step, st.Epoch, 100*float64(st.Batch)/float64(max(nb, 1)), p.loss, p.rate, p.perStep, r.LR, eta)
	p.drawn = true
}

func (p *progress) finish() {
	if p.drawn && p.t.Progress != nil {
		fmt.Fprintln(p.t.Progress)
	}
}
