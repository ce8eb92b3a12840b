package train

import (
	"fmt"
	"time"
)

// Options are the training hyper-parameters. The zero value of a field
// means its default (see Defaults).
type Options struct {
	MaxTokens      int     // padded tokens per batch (rows × bucket length); default 3072
	Buckets        []int   // bucket lengths in tokens, ascending; default 16 24 32 40 48 64 80 96 128
	PeakLR         float64 // learning rate at the end of warm-up; default 7e-4
	Warmup         int     // warm-up steps of the inverse-square-root schedule; default 1000
	Beta1, Beta2   float64 // Adam betas; default 0.9, 0.98
	AdamEps        float64 // Adam epsilon; default 1e-9
	Clip           float64 // global gradient-norm clip, 0 = off; default 1
	Dropout        float64 // residual and embedding dropout; default 0.1 (negative = 0)
	LabelSmoothing float64 // default 0.1 (negative = 0)
	Epochs         int     // stop after this many epochs; default 30
	MaxSteps       int     // stop after this many updates, 0 = no limit
	// Cooldown, when positive, decays the learning rate linearly to zero
	// over this many updates from the step the run starts or resumes at,
	// then stops the run (see Cooldown). A run already cooling down
	// continues its own.
	Cooldown int
	Seed     uint64 // initialization, data order and dropout; default 1
	// FreezeEmbeddings keeps the shared embedding matrix as initialized
	// (InitFrom): a model fine-tuned so can ship without it and read the
	// matrix of the model it came from.
	FreezeEmbeddings bool

	CheckpointEvery time.Duration // wall time between checkpoints; default 5m
	CheckpointSteps int           // also checkpoint every this many steps, 0 = off
	Keep            int           // also keep the weights of the last Keep checkpoints in steps/STEP/ (for Average), 0 = off
	LogEvery        int           // steps between train.log lines; default 100
	DevEvery        int           // steps between dev evaluations, 0 = only at checkpoints; default 0
}

// Defaults returns o with every zero field set to its default.
func (o Options) Defaults() Options {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	if o.MaxTokens == 0 {
		o.MaxTokens = 3072
	}
	if len(o.Buckets) == 0 {
		o.Buckets = []int{16, 24, 32, 40, 48, 64, 80, 96, 128}
	}
	def(&o.PeakLR, 7e-4)
	if o.Warmup == 0 {
		o.Warmup = 1000
	}
	def(&o.Beta1, 0.9)
	def(&o.Beta2, 0.98)
	def(&o.AdamEps, 1e-9)
	def(&o.Clip, 1)
	def(&o.Dropout, 0.1)
	def(&o.LabelSmoothing, 0.1)
	o.Dropout = max(o.Dropout, 0)
	o.LabelSmoothing = max(o.LabelSmoothing, 0)
	if o.Epochs == 0 {
		o.Epochs = 30
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.CheckpointEvery == 0 {
		o.CheckpointEvery = 5 * time.Minute
	}
	if o.LogEvery == 0 {
		o.LogEvery = 100
	}
	return o
}

// Validate reports the first out-of-range field (after Defaults) in one sentence.
func (o Options) Validate() error {
	switch {
	case o.MaxTokens < 1:
		return fmt.Errorf("max tokens per batch must be positive, got %d", o.MaxTokens)
	case o.PeakLR <= 0:
		return fmt.Errorf("learning rate must be positive, got %g", o.PeakLR)
	case o.Warmup < 0:
		return fmt.Errorf("warm-up steps must not be negative, got %d", o.Warmup)
	case o.Beta1 < 0 || o.Beta1 >= 1 || o.Beta2 < 0 || o.Beta2 >= 1:
		return fmt.Errorf("Adam betas must be in [0, 1), got %g and %g", o.Beta1, o.Beta2)
	case o.AdamEps <= 0:
		return fmt.Errorf("Adam epsilon must be positive, got %g", o.AdamEps)
	case o.Clip < 0:
		return fmt.Errorf("gradient clip must not be negative, got %g", o.Clip)
	case o.Dropout >= 1:
		return fmt.Errorf("dropout must be below 1, got %g", o.Dropout)
	case o.LabelSmoothing >= 1:
		return fmt.Errorf("label smoothing must be below 1, got %g", o.LabelSmoothing)
	case o.Epochs < 1 || o.MaxSteps < 0:
		return fmt.Errorf("epochs must be positive and max steps not negative, got %d and %d", o.Epochs, o.MaxSteps)
	case o.CheckpointEvery < 0 || o.CheckpointSteps < 0 || o.LogEvery < 1 || o.DevEvery < 0:
		return fmt.Errorf("checkpoint, log and dev intervals must not be negative")
	case o.Cooldown < 0:
		return fmt.Errorf("cooldown steps must not be negative, got %d", o.Cooldown)
	case o.Keep < 0:
		return fmt.Errorf("the number of kept checkpoints must not be negative, got %d", o.Keep)
	}
	for i, l := range o.Buckets {
		if l < 2 || (i > 0 && l <= o.Buckets[i-1]) {
			return fmt.Errorf("bucket lengths must be ascending and at least 2, got %v", o.Buckets)
		}
	}
	return nil
}
