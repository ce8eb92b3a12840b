package model

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
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
// thread and on several, and the process must go on. Checkpoints stored as
// F16 or I8, whose matrices are read into a buffer rather than packed from
// the mapping, are cut just before that read, which must fail alike.
func TestLoadFileCutShort(t *testing.T) {
	c := tinyConfig()
	// Matrices of 256 × 256 float32 values (64 pages): the packing of one
	// goes to the helper goroutines as well as this one.
	c.DModel, c.EncoderFFNDim, c.DecoderFFNDim = 256, 256, 256
	m := randomModel(t, c, 3)
	saved := tensor.Threads()
	defer tensor.SetThreads(saved)
	for _, store := range []safetensors.DType{safetensors.F32, safetensors.F16, safetensors.I8} {
		for _, threads := range []int{1, 4} {
			for _, quantize := range []bool{false, true} {
				tensor.SetThreads(threads)
				name := fmt.Sprintf("%s, threads %d, int8 %v", store, threads, quantize)
				dir := t.TempDir()
				if err := Save(dir, m, store); err != nil {
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
				if data.name == "" {
					t.Fatalf("%s: no matrix was read", name)
				}
				if err == nil {
					t.Fatalf("%s: a checkpoint cut short while loading loaded", name)
				}
				t.Logf("%s: %v", name, err)
				for _, want := range []string{path, data.name, "truncated or changed while it was being read"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("%s: error %q does not say %q", name, err, want)
					}
				}
			}
		}
	}
}

// cutShort is an open safetensors file that truncates itself in the middle
// of the first matrix read from it, once that matrix's span of the mapping
// is handed out or just before its bytes are read into a buffer.
type cutShort struct {
	onDisk
	t    *testing.T
	path string
	name string // the tensor cut, once one is
}

func (d *cutShort) float32s(t safetensors.Tensor, from, n int) []float32 {
	v := d.onDisk.float32s(t, from, n)
	if v != nil {
		d.cut(t, int64(from)*4, int64(n)*4)
	}
	return v
}

func (d *cutShort) readAt(t safetensors.Tensor, p []byte, off int64) error {
	if len(t.Shape) == 2 {
		d.cut(t, off, int64(len(p)))
	}
	return d.onDisk.readAt(t, p, off)
}

// cut truncates the file half way through bytes [off, off+n) of the
// tensor t, on a page boundary, unless it was cut before.
func (d *cutShort) cut(t safetensors.Tensor, off, n int64) {
	if d.name != "" {
		return
	}
	start := dataOffset(d.t, d.path, t.Name) + off
	page := int64(os.Getpagesize())
	at := (start + n/2) / page * page
	if at <= start {
		d.t.Fatalf("tensor %q: %d bytes do not cross a page", t.Name, n)
	}
	if err := os.Truncate(d.path, at); err != nil {
		d.t.Fatal(err)
	}
	d.name = t.Name
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
