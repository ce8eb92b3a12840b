package search

import (
	"math"
	"testing"
)

func TestValidate(t *testing.T) {
	ok := Options{EOS: 0, Pad: 58100, Start: 58100}
	tests := []struct {
		name string
		edit func(*Options)
		want string // "" for valid
	}{
		{"defaults", func(o *Options) {}, ""},
		{"greedy", func(o *Options) { o.BeamSize = 1 }, ""},
		{"full", func(o *Options) {
			*o = Options{BeamSize: 5, NBest: 5, LengthPenalty: -0.5, MaxLength: 200, MaxLengthRatio: 1.5,
				MaxLengthOffset: 10, MinLength: 199, EarlyStop: true, EOS: 2, Pad: 1, Start: 1, Banned: []int{3, 4}}
		}, ""},
		{"negative beam", func(o *Options) { o.BeamSize = -1 }, "search: beam size -1 is negative"},
		{"negative nbest", func(o *Options) { o.NBest = -2 }, "search: nbest -2 is negative"},
		{"nbest over beam", func(o *Options) { o.NBest, o.BeamSize = 5, 4 }, "search: nbest 5 exceeds beam size 4"},
		{"nbest over default beam", func(o *Options) { o.NBest = 5 }, "search: nbest 5 exceeds beam size 4"},
		{"nbest with greedy", func(o *Options) { o.NBest, o.BeamSize = 2, 1 }, "search: nbest 2 exceeds beam size 1"},
		{"negative max length", func(o *Options) { o.MaxLength = -1 }, "search: max length -1 is negative"},
		{"negative min length", func(o *Options) { o.MinLength = -3 }, "search: min length -3 is negative"},
		{"NaN penalty", func(o *Options) { o.LengthPenalty = math.NaN() }, "search: length penalty NaN is not a finite number"},
		{"infinite penalty", func(o *Options) { o.LengthPenalty = math.Inf(1) }, "search: length penalty +Inf is not a finite number"},
		{"negative ratio", func(o *Options) { o.MaxLengthRatio = -1 }, "search: max length ratio -1 is not a finite number ≥ 0"},
		{"NaN ratio", func(o *Options) { o.MaxLengthRatio = math.NaN() }, "search: max length ratio NaN is not a finite number ≥ 0"},
		{"negative offset", func(o *Options) { o.MaxLengthRatio, o.MaxLengthOffset = 2, -1 }, "search: max length offset -1 is negative"},
		{"offset without ratio", func(o *Options) { o.MaxLengthOffset = 5 }, "search: max length offset 5 needs a positive max length ratio"},
		{"min length at max", func(o *Options) { o.MinLength, o.MaxLength = 10, 10 }, "search: min length 10 leaves no room for eos within max length 10"},
		{"min length at default max", func(o *Options) { o.MinLength = 512 }, "search: min length 512 leaves no room for eos within max length 512"},
		{"negative eos", func(o *Options) { o.EOS = -1 }, "search: eos id -1 is negative"},
		{"negative pad", func(o *Options) { o.Pad = -1 }, "search: pad id -1 is negative"},
		{"negative start", func(o *Options) { o.Start = -7 }, "search: start id -7 is negative"},
		{"pad is eos", func(o *Options) { o.Pad = 0 }, "search: pad id 0 equals the eos id; pad is never generated, so no hypothesis could end"},
		{"eos banned", func(o *Options) { o.Banned = []int{5, 0} }, "search: banned id 0 is the eos id; no hypothesis could end"},
		{"negative banned", func(o *Options) { o.Banned = []int{-4} }, "search: banned id -4 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.edit(&o)
			err := o.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	tests := []struct {
		opts           Options
		srcLen         int
		maxLen, minLen int
	}{
		{Options{}, 10, 512, 0},
		{Options{MaxLength: 20, MinLength: 3}, 10, 20, 3},
		{Options{MaxLengthRatio: 1.5, MaxLengthOffset: 1}, 4, 7, 0},
		{Options{MaxLengthRatio: 1.5}, 3, 4, 0},                           // ⌊4.5⌋
		{Options{MaxLengthRatio: 0.1}, 3, 1, 0},                           // at least 1
		{Options{MaxLengthRatio: 1e300}, 3, 512, 0},                       // capped, no overflow
		{Options{MaxLength: 30, MaxLengthRatio: 2}, 40, 30, 0},            // MaxLength wins
		{Options{MaxLengthRatio: 1, MinLength: 9}, 5, 5, 4},               // the limit wins over the minimum
		{Options{MaxLength: 8, MaxLengthRatio: 3, MinLength: 2}, 2, 6, 2}, // ratio below MaxLength
	}
	for _, tt := range tests {
		l := tt.opts.withDefaults().limitsFor(tt.srcLen)
		if l.maxLen != tt.maxLen || l.minLen != tt.minLen {
			t.Errorf("%+v, source %d: limits %+v, want max %d min %d", tt.opts, tt.srcLen, l, tt.maxLen, tt.minLen)
		}
	}
}

func TestLengthNorm(t *testing.T) {
	for _, alpha := range []float64{0, 0.6, 1, 1.3, -0.5} {
		pow := lengthNorm(alpha, 300)
		for l := 2; l <= 300; l++ {
			if alpha >= 0 && pow[l] < pow[l-1] || alpha < 0 && pow[l] > pow[l-1] {
				t.Fatalf("α %v: pow[%d] = %v breaks monotonicity after %v", alpha, l, pow[l], pow[l-1])
			}
			if math.Abs(pow[l]-math.Pow(float64(l), alpha)) > 1e-12*pow[l] {
				t.Fatalf("α %v: pow[%d] = %v, want %v", alpha, l, pow[l], math.Pow(float64(l), alpha))
			}
		}
	}
}
