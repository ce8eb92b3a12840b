package train

import (
	"math"

	ntensor "github.com/translated/translated/nmt/tensor"
)

// Adam is the optimizer state: first and second moments per parameter
// (in Params order) and the number of updates made.
type Adam struct {
	Beta1, Beta2, Eps float64
	M, V              [][]float32
	Steps             int
}

func newAdam(ps *Params, beta1, beta2, eps float64) *Adam {
	a := &Adam{Beta1: beta1, Beta2: beta2, Eps: eps}
	for _, p := range ps.List {
		a.M = append(a.M, make([]float32, len(p.Data)))
		a.V = append(a.V, make([]float32, len(p.Data)))
	}
	return a
}

// gradNorm is the L2 norm of all gradients of the trained (not frozen)
// parameters together.
func gradNorm(ps *Params) float64 {
	var s float64
	for _, p := range ps.List {
		if p.Frozen {
			continue
		}
		for _, g := range p.Grad {
			s += float64(g) * float64(g)
		}
	}
	return math.Sqrt(s)
}

// Update clips the gradients to a global norm of clip (when clip > 0 and
// the norm is larger) and makes one bias-corrected Adam step with learning
// rate lr, as PyTorch's torch.optim.Adam without weight decay, on every
// parameter not frozen. It returns the norm before clipping.
func (a *Adam) Update(ps *Params, lr, clip float64) float64 {
	norm := gradNorm(ps)
	scale := float32(1)
	if clip > 0 && norm > clip {
		scale = float32(clip / norm)
	}
	a.Steps++
	t := float64(a.Steps)
	c1 := 1 - math.Pow(a.Beta1, t)
	c2 := 1 - math.Pow(a.Beta2, t)
	k := ntensor.AdamCoeffs{Scale: scale, B1: float32(a.Beta1), B2: float32(a.Beta2),
		LR: float32(lr / c1), RC2: float32(1 / math.Sqrt(c2)), Eps: float32(a.Eps)}
	for i, p := range ps.List {
		if p.Frozen {
			continue
		}
		m, v, w, grad := a.M[i], a.V[i], p.Data, p.Grad
		parallelFor(len(grad), len(grad), func(lo, hi int) { // elements are independent
			ntensor.AdamStep(w[lo:hi], m[lo:hi], v[lo:hi], grad[lo:hi], k)
		})
	}
	return norm
}

// LearningRate is the inverse-square-root schedule: a linear warm-up to
// peak over warmup steps, then peak·sqrt(warmup/step). step counts from 1.
func LearningRate(step, warmup int, peak float64) float64 {
	s := float64(max(step, 1))
	if warmup <= 0 {
		return peak
	}
	w := float64(warmup)
	return peak * math.Min(s/w, math.Sqrt(w/s))
}
