package align

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSelector(t *testing.T) {
	tests := []struct {
		in   string
		want Selector
		text string // canonical form
	}{
		{"", AllHeads(), "avg"},
		{"avg", AllHeads(), "avg"},
		{" avg , shift ", AllHeads().WithShift(true), "avg,shift"},
		{"shift", AllHeads().WithShift(true), "avg,shift"},
		{"layer=2", LayerMean(2), "layer=2"},
		{"layer=-1", LayerMean(-1), "layer=-1"},
		{"layer=2,head=1", OneHead(2, 1), "layer=2,head=1"},
		{"head=1, layer = 2", OneHead(2, 1), "layer=2,head=1"},
		{"layer=0,head=3,shift", OneHead(0, 3).WithShift(true), "layer=0,head=3,shift"},
		{"heads=1:0+2:3", HeadMean(HeadRef{1, 0}, HeadRef{2, 3}), "heads=1:0+2:3"},
		{"heads= 1:0 + -1:-2 ", HeadMean(HeadRef{1, 0}, HeadRef{-1, -2}), "heads=1:0+-1:-2"},
		{"layer=007", LayerMean(7), "layer=7"},
	}
	for _, tt := range tests {
		got, err := ParseSelector(tt.in)
		if err != nil {
			t.Errorf("ParseSelector(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseSelector(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
		if got.String() != tt.text {
			t.Errorf("ParseSelector(%q).String() = %q, want %q", tt.in, got.String(), tt.text)
		}
	}
}

func TestParseSelectorErrors(t *testing.T) {
	tests := []struct{ in, wantErr string }{
		{"layer", `layer: missing number`},
		{"layer=", `layer: missing number`},
		{"layer=x", `layer: "x" is not an integer`},
		{"layer=1.5", `"1.5" is not an integer`},
		{"layer=+1", `"+1" is not an integer`},
		{"layer=-", `"-" is not an integer`},
		{"layer=99999", `"99999" is out of range`},
		{"layer=99999999999999999999", `is out of range`},
		{"head=1", `head=1 needs layer=L`},
		{"layer=1,layer=2", `names "layer" twice`},
		{"avg,layer=1", `avg cannot be combined`},
		{"heads=0:1,layer=1", `heads cannot be combined`},
		{"heads=", `heads: empty list`},
		{"heads=1", `"1" is not LAYER:HEAD`},
		{"heads=1:0+1:0", `head 1:0 listed twice`},
		{"heads=1:0++2:0", `"" is not LAYER:HEAD`},
		{"heads=a:0", `layer of "a:0"`},
		{"heads=0:b", `head of "0:b"`},
		{"avg=1", `"avg" takes no value`},
		{"shift=yes", `"shift" takes no value`},
		{"layer=1,,head=0", `empty item`},
		{"top=3", `unknown item "top"`},
		{"LAYER=1", `unknown item "LAYER"`},
		{"layer=١", `is not an integer`},
	}
	for _, tt := range tests {
		_, err := ParseSelector(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseSelector(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestSelectorValidate(t *testing.T) {
	tests := []struct {
		sel     string
		wantErr string
		want    []HeadRef
	}{
		{"avg", "", []HeadRef{{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 0}, {2, 1}}},
		{"layer=1", "", []HeadRef{{1, 0}, {1, 1}}},
		{"layer=-1", "", []HeadRef{{2, 0}, {2, 1}}},
		{"layer=-3,head=-2", "", []HeadRef{{0, 0}}},
		{"heads=0:1+-1:0", "", []HeadRef{{0, 1}, {2, 0}}},
		{"layer=3", "layer 3 out of range: the model has 3 layers (0..2, or -3..-1 from the end)", nil},
		{"layer=-4", "layer -4 out of range", nil},
		{"layer=0,head=2", "head 2 out of range: the model has 2 heads", nil},
		{"heads=0:0+5:0", "layer 5 out of range", nil},
		{"heads=2:1+-1:1", "head 2:1 is listed twice", nil},
	}
	for _, tt := range tests {
		s, err := ParseSelector(tt.sel)
		if err != nil {
			t.Fatalf("ParseSelector(%q): %v", tt.sel, err)
		}
		err = s.Validate(3, 2)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q.Validate(3, 2) = %v, want an error containing %q", tt.sel, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q.Validate(3, 2): %v", tt.sel, err)
			continue
		}
		got, _ := s.resolve(3, 2)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q resolves to %v, want %v", tt.sel, got, tt.want)
		}
	}
	if err := AllHeads().Validate(0, 4); err == nil {
		t.Error("Validate(0, 4) succeeded, want an error for a model without layers")
	}
}

func TestSelectorText(t *testing.T) {
	var s Selector
	if err := s.UnmarshalText([]byte("layer=1,head=0,shift")); err != nil {
		t.Fatal(err)
	}
	b, _ := s.MarshalText()
	if string(b) != "layer=1,head=0,shift" || !s.Shift() {
		t.Fatalf("round trip gave %q (shift %v)", b, s.Shift())
	}
	if err := s.UnmarshalText([]byte("layer=q")); err == nil {
		t.Fatal("UnmarshalText(layer=q) succeeded")
	}
}

func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{"", "avg", "layer=2", "layer=2,head=1", "heads=1:0+2:3", "avg,shift", "layer=-1,head=-1", "heads=0:0+0:0", "layer=١"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseSelector(text)
		if err != nil {
			return
		}
		again, err := ParseSelector(s.String())
		if err != nil {
			t.Fatalf("ParseSelector(%q) = %q, which does not parse: %v", text, s, err)
		}
		if !reflect.DeepEqual(again, s) {
			t.Fatalf("ParseSelector(%q) = %#v, but its text %q parses to %#v", text, s, s.String(), again)
		}
		_ = s.Validate(4, 8)
	})
}
