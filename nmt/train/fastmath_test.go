package train

import (
	"math"
	"testing"
)

// TestExpf checks expf against math.Exp over the range the loss and the
// activations use; the bound is 3e-7 relative (float32 rounding is 6e-8).
func TestExpf(t *testing.T) {
	for x := float32(-87); x < 88; x += 0.001953125 {
		want := math.Exp(float64(x))
		got := float64(expf(x))
		if math.Abs(got-want) > 3e-7*want {
			t.Fatalf("expf(%g) = %g, want %g", x, got, want)
		}
	}
	for _, c := range []struct{ x, want float32 }{{-100, 0}, {-87.5, 0}, {0, 1}} {
		if got := expf(c.x); got != c.want {
			t.Errorf("expf(%g) = %g, want %g", c.x, got, c.want)
		}
	}
	if !math.IsInf(float64(expf(89)), 1) {
		t.Errorf("expf(89) is not +Inf")
	}
}
