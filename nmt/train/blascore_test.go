package train

import "testing"

func TestBetterCore(t *testing.T) {
	for _, tc := range []struct {
		core  string
		level int
		want  string
	}{
		{"Prescott", 3, "SkylakeX"}, // an AVX-512 CPU OpenBLAS did not recognize
		{"Prescott", 2, "Haswell"},
		{"Core2", 1, "Sandybridge"},
		{"Prescott", 0, ""}, // the CPU has nothing better
		{"SkylakeX", 3, ""}, // the right choice
		{"Cooperlake", 3, ""},
		{"Zen", 2, ""},
		{"Haswell", 3, "SkylakeX"},
		{"Sandybridge", 2, "Haswell"},
		{"", 3, ""}, // not OpenBLAS (gonum)
	} {
		if got := betterCore(tc.core, tc.level); got != tc.want {
			t.Errorf("betterCore(%q, %d) = %q, want %q", tc.core, tc.level, got, tc.want)
		}
	}
}

// TestBLASCore: with cgo, the library reports a core, and the one
// BetterBLASCore proposes is never the one already in use.
func TestBLASCore(t *testing.T) {
	core := BLASCore()
	if (BLAS() == "openblas") != (core != "") {
		t.Fatalf("BLAS %q reports core %q", BLAS(), core)
	}
	if b := BetterBLASCore(); b != "" && b == core {
		t.Errorf("BetterBLASCore proposes %q, the core in use", b)
	}
	t.Logf("BLAS %s, core %q, better %q", BLAS(), core, BetterBLASCore())
}
