package torchbin

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/safetensors"
)

// The checkpoints in testdata come from scripts/reference/make_torchbin.py
// (torch.save of PyTorch 1.13.1); <name>.expected.json holds, for each
// tensor, what torch itself reports: dtype, shape and the hex of its
// elements in contiguous little-endian order. The comparison is exact.
type expectedTensor struct {
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
	Hex   string `json:"hex"`
}

func TestReadExpected(t *testing.T) {
	for _, name := range []string{"mixed", "module", "params", "plaindict", "proto4", "buffer", "deflated"} {
		t.Run(name, func(t *testing.T) {
			got, err := ReadFile(filepath.Join("testdata", name+".bin"))
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join("testdata", name+".expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]expectedTensor
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Errorf("%d tensors, want %d", len(got), len(want))
			}
			for n, w := range want {
				g, ok := got[n]
				if !ok {
					t.Errorf("%s: missing", n)
					continue
				}
				if g.Name != n || string(g.DType) != w.DType || !reflect.DeepEqual(g.Shape, w.Shape) || hex.EncodeToString(g.Data) != w.Hex {
					t.Errorf("%s: got %s %v %x, want %s %v %s", n, g.DType, g.Shape, g.Data, w.DType, w.Shape, w.Hex)
				}
			}
		})
	}
}

// Values spelled out, to read the test without the JSON: mixed.bin's
// shared storage is arange(24)/8 - 1.
func TestReadValues(t *testing.T) {
	got, err := ReadFile("testdata/mixed.bin")
	if err != nil {
		t.Fatal(err)
	}
	f32 := func(name string) []float32 {
		t.Helper()
		v, err := got[name].Float32()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	base := func(i int) float32 { return float32(i)/8 - 1 }
	cases := []struct {
		name string
		want []float32
	}{
		{"shared.slice", []float32{base(5), base(6), base(7), base(8), base(9), base(10)}},
		{"shared.cols", []float32{base(2), base(3), base(8), base(9), base(14), base(15), base(20), base(21)}},
		{"expanded", []float32{1.5, -2, 1.5, -2, 1.5, -2}},
		{"scalar", []float32{3.25}},
	}
	for _, c := range cases {
		if g := f32(c.name); !reflect.DeepEqual(g, c.want) {
			t.Errorf("%s = %v, want %v", c.name, g, c.want)
		}
	}
	w, wt := f32("w"), f32("w.t")
	for i := range 3 {
		for j := range 5 {
			if w[i*5+j] != wt[j*3+i] {
				t.Fatalf("w.t[%d][%d] = %v, w[%d][%d] = %v", j, i, wt[j*3+i], i, j, w[i*5+j])
			}
		}
	}
	if s := got["scalar"].Shape; len(s) != 0 {
		t.Errorf("scalar shape %v", s)
	}
	if e := got["empty"]; !reflect.DeepEqual(e.Shape, []int{0, 4}) || len(e.Data) != 0 {
		t.Errorf("empty: %v %d bytes", e.Shape, len(e.Data))
	}
}

// Contiguous tensors share the file's bytes; so do tensors on one storage.
func TestReadSharesMemory(t *testing.T) {
	b, err := os.ReadFile("testdata/module.bin")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Read(b)
	if err != nil {
		t.Fatal(err)
	}
	shared, head := got["shared.weight"], got["lm_head.weight"]
	if &shared.Data[0] != &head.Data[0] {
		t.Error("tied weights do not share memory")
	}
	if !inside(shared.Data, b) {
		t.Error("a contiguous tensor was copied out of the file")
	}
	want := []string{"final_logits_bias", "lm_head.weight", "norm.bias", "norm.weight", "proj.bias", "proj.weight", "shared.weight"}
	f := safetensors.File{Tensors: got}
	if names := f.Names(); !reflect.DeepEqual(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
}

func inside(a, b []byte) bool {
	if len(a) == 0 {
		return true
	}
	for i := range b {
		if &b[i] == &a[0] {
			return i+len(a) <= len(b)
		}
	}
	return false
}

func TestReadRefuses(t *testing.T) {
	cases := []struct{ file, want string }{
		{"legacy.bin", "legacy PyTorch format"},
		{"namespace.bin", "refusing argparse.Namespace"},
		{"notensor.bin", `"step" is a int, not a tensor`},
		{"complex.bin", "torch.ComplexFloatStorage is not supported"},
	}
	for _, c := range cases {
		_, err := ReadFile(filepath.Join("testdata", c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.file, err, c.want)
		}
	}
	if _, err := Read([]byte("hello")); err == nil || !strings.Contains(err.Error(), "not a PyTorch checkpoint") {
		t.Errorf("text file: error %v", err)
	}
	if _, err := ReadFile("testdata/no-such-file.bin"); err == nil {
		t.Error("a missing file read without error")
	}
}
