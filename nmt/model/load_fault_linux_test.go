package model

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/safetensors"
	"github.com/translated/translated/nmt/tensor"
)

// TestLoadFileCutShort cuts the checkpoint short in place while it is
// loaded: once the Reader has mapped it, just before the first matrix is
// packed from the mapping, the file is truncated in the middle of that
// matrix. Reading its pages past the cut faults; the load must return an
// error naming the file, float32 and int8 (quantized as packed), on one
// thread and on several, and the process must go on.
func TestLoadFileCutShort(t *testing.T) {
	c := tinyConfig()
	// Matrices of 256 × 256 float32 values (64 pages): the packing of one
	// goes to the helper goroutines as well as this one.
	c.DModel, c.EncoderFFNDim, c.DecoderFFNDim = 256, 256, 256
	m := randomModel(t, c, 3)
	saved := tensor.Threads()
	defer tensor.SetThreads(saved)
	for _, threads := range []int{1, 4} {
		for _, quantize := range []bool{false, true} {
			tensor.SetThreads(threads)
			dir := t.TempDir()
			if err := Save(dir, m, safetensors.F32); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, WeightsFile)
			r, err := safetensors.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			data := &cutShort{onDisk: onDisk{r}, t: t, path: path}
			_, err = build(c, newFileSource(path, data), quantize)
			r.Close()
			if !data.cut {
				t.Fatalf("threads %d, int8 %v: no matrix was packed from the mapped file", threads, quantize)
			}
			if err == nil {
				t.Fatalf("threads %d, int8 %v: a checkpoint cut short while loading loaded", threads, quantize)
			}
			t.Logf("threads %d, int8 %v: %v", threads, quantize, err)
			for _, want := range []string{path, data.name, "truncated or changed while it was being read"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("threads %d, int8 %v: error %q does not say %q", threads, quantize, err, want)
				}
			}
		}
	}
}

// cutShort is an open safetensors file that truncates itself in the middle
// of the first span it hands out from the mapping, before that span is
// read.
type cutShort struct {
	onDisk
	t    *testing.T
	path string
	cut  bool
	name string // the tensor whose span was cut
}

func (d *cutShort) float32s(t safetensors.Tensor, from, n int) []float32 {
	v := d.onDisk.float32s(t, from, n)
	if v == nil || d.cut {
		return v
	}
	start := dataOffset(d.t, d.path, t.Name) + int64(from)*4
	page := int64(os.Getpagesize())
	at := (start + int64(n)*2) / page * page // half way through, on a page boundary
	if at <= start {
		d.t.Fatalf("tensor %q: %d values do not cross a page", t.Name, n)
	}
	if err := os.Truncate(d.path, at); err != nil {
		d.t.Fatal(err)
	}
	d.cut, d.name = true, t.Name
	return v
}

// dataOffset is where the data of the tensor name starts in the
// safetensors file at path.
func dataOffset(t *testing.T, path, name string) int64 {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lb [8]byte
	if _, err := f.ReadAt(lb[:], 0); err != nil {
		t.Fatal(err)
	}
	hdr := make([]byte, binary.LittleEndian.Uint64(lb[:]))
	if _, err := f.ReadAt(hdr, 8); err != nil {
		t.Fatal(err)
	}
	var entries map[string]struct {
		Offsets [2]int64 `json:"data_offsets"`
	}
	if err := json.Unmarshal(hdr, &entries); err != nil {
		t.Fatal(err)
	}
	e, ok := entries[name]
	if !ok {
		t.Fatalf("%s has no tensor %q", path, name)
	}
	return 8 + int64(len(hdr)) + e.Offsets[0]
}
