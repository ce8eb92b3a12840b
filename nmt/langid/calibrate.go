package langid

import (
	"fmt"
	"math"
)

// Sample is a text whose language is known.
type Sample struct {
	Lang, Text string
}

// FitTemperature returns the temperature T that makes Detect's
// confidences, softmax(log-likelihood / T) over all the model's
// languages, fit the samples best: the T of least mean negative log
// confidence in the true language (temperature scaling, Guo et al. 2017).
// Naive Bayes counts overlapping n-grams as independent evidence and so
// is far too sure of itself; T undoes that without changing which
// language comes first. Samples without a letter carry no evidence and
// are skipped. The samples must not be texts the model was trained on.
func FitTemperature(id *Identifier, samples []Sample) (float64, error) {
	all := id.columns(nil)
	type evidence struct {
		scores []float64
		truth  int
	}
	var ev []evidence
	for _, s := range samples {
		j, ok := id.column[s.Lang]
		if !ok {
			return 0, fmt.Errorf("langid: sample language %q is not in the model", s.Lang)
		}
		if scores, n := id.logLikelihoods(normalize(s.Text), all); n > 0 {
			ev = append(ev, evidence{scores, j})
		}
	}
	if len(ev) == 0 {
		return 0, fmt.Errorf("langid: no sample has a letter to fit the temperature on")
	}
	// The loss is convex in β = 1/T: golden-section search over log β.
	loss := func(logBeta float64) float64 {
		beta := math.Exp(logBeta)
		sum := 0.0
		for _, e := range ev {
			sum += logSumExp(e.scores, beta) - beta*e.scores[e.truth]
		}
		return sum
	}
	lo, hi := math.Log(1e-4), math.Log(10.0)
	phi := (math.Sqrt(5) - 1) / 2
	for hi-lo > 1e-4 {
		a, b := hi-phi*(hi-lo), lo+phi*(hi-lo)
		if loss(a) < loss(b) {
			hi = b
		} else {
			lo = a
		}
	}
	return 1 / math.Exp((lo+hi)/2), nil
}

// logSumExp returns log Σ exp(β·x), computed without overflow.
func logSumExp(x []float64, beta float64) float64 {
	best := math.Inf(-1)
	for _, v := range x {
		best = math.Max(best, beta*v)
	}
	sum := 0.0
	for _, v := range x {
		sum += math.Exp(beta*v - best)
	}
	return best + math.Log(sum)
}
