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
}

func (w *stepWindow) add(r StepResult, seconds float64) {
	w.steps++
	w.lossSum += r.Loss
	w.nllSum += r.NLL
	w.toks += r.TargetToks
	w.seconds += seconds
}

func (w *stepWindow) loss() float64 { return w.lossSum / float64(max(w.steps, 1)) }
func (w *stepWindow) nll() float64  { return w.nllSum / max(w.toks, 1) }
func (w *stepWindow) rate() float64 { return w.toks / max(w.seconds, 1e-9) }

// progress draws the one-line display: step, epoch, smoothed loss, target
// tokens/s, learning rate and the time left to the step or epoch limit.
type progress struct {
	t       *Trainer
	avgLoss float64
	rate    float64
	last    time.Time
	drawn   bool
}

func newProgress(t *Trainer) *progress { return &progress{t: t} }

func (p *progress) update(r StepResult, _ *stepWindow) {
	if p.avgLoss == 0 {
		p.avgLoss = r.Loss
	}
	p.avgLoss = 0.98*p.avgLoss + 0.02*r.Loss
	if p.t.Progress == nil || time.Since(p.last) < 500*time.Millisecond {
		return
	}
	p.last = time.Now()
	st := p.t.State
	rate := float64(st.TargetToks) / max(st.Seconds, 1e-9)
	nb := len(p.t.epochBatches())
	eta := "?"
	if st.Step > 0 {
		perStep := st.Seconds / float64(st.Step)
		left := (p.t.Options.Epochs-st.Epoch)*nb - st.Batch
		if ms := p.t.Options.MaxSteps; ms > 0 {
			left = min(left, ms-st.Step)
		}
		eta = time.Duration(float64(left) * perStep * float64(time.Second)).Truncate(time.Minute).String()
	}
	fmt.Fprintf(p.t.Progress, "\rstep %d  epoch %d %3.0f%%  loss %.3f  %.0f tgt tok/s  lr %.2e  ETA %s   ",
		st.Step, st.Epoch, 100*float64(st.Batch)/float64(max(nb, 1)), p.avgLoss, rate, r.LR, eta)
	p.drawn = true
}

func (p *progress) finish() {
	if p.drawn && p.t.Progress != nil {
		fmt.Fprintln(p.t.Progress)
	}
}
