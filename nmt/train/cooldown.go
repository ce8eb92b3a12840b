package train

import "fmt"

// Cooldown is a linear decay of the learning rate to zero: the updates
// after step From are scaled by (From+Steps − step)/Steps, so the last
// one, at step From+Steps, by 1/Steps, and the run stops there. It ends a
// run (or a branch of one, see docs/training.md) at a lower loss than the
// inverse-square-root schedule alone reaches.
type Cooldown struct {
	From  int `json:"from"`  // the step the decay started at
	Steps int `json:"steps"` // updates it lasts
}

// End is the step at which the learning rate has reached zero.
func (c *Cooldown) End() int { return c.From + c.Steps }

// factor scales the learning rate of the update after done steps.
func (c *Cooldown) factor(done int) float64 {
	if c == nil || done < c.From {
		return 1
	}
	return max(0, float64(c.End()-done)/float64(c.Steps))
}

// startCooldown begins Options.Cooldown at the current step, unless the
// run is cooling down already: then it continues, and a different length
// is refused.
func (t *Trainer) startCooldown() error {
	n := t.Options.Cooldown
	if c := t.State.Cooldown; c != nil {
		if n > 0 && n != c.Steps {
			return fmt.Errorf("train: this run cools down over %d steps from step %d; a cooldown of %d steps needs a new run (see --init)", c.Steps, c.From, n)
		}
		return nil
	}
	if n > 0 {
		t.State.Cooldown = &Cooldown{From: t.State.Step, Steps: n}
		t.logf("cooldown: the learning rate falls linearly to 0 from step %d to step %d, where the run stops", t.State.Step, t.State.Step+n)
	}
	return nil
}
