package model

import "math"

// sinusoids builds the MarianMT position table [n, d]: for position p and
// j < d/2, column j is sin(p / 10000^(2j/d)) and column d/2 + j is the cosine
// of the same angle. The angles are computed in float64 and rounded once, as
// the Hugging Face implementation does with numpy.
func sinusoids(n, d int) []float32 {
	out := make([]float32, n*d)
	half := d / 2
	for p := 0; p < n; p++ {
		row := out[p*d : (p+1)*d]
		for j := 0; j < half; j++ {
			angle := float64(p) / math.Pow(10000, float64(2*j)/float64(d))
			row[j] = float32(math.Sin(angle))
			row[half+j] = float32(math.Cos(angle))
		}
	}
	return out
}
