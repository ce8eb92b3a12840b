package safetensors

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	in := []Float32Tensor{
		{Name: "a", Shape: []int{2, 3}, Values: []float32{1, -2, 3.5, 0, 1e-3, -7}},
		{Name: "b.half", Shape: []int{3}, Values: []float32{0.5, -1.25, 2048}, Store: F16},
		{Name: "c.bf16", Shape: []int{2}, Values: []float32{1, -3}, Store: BF16},
		{Name: "scalar", Shape: []int{}, Values: []float32{42}},
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := WriteFile(path, in, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["format"] != "pt" {
		t.Errorf("metadata = %v", f.Metadata)
	}
	for _, want := range in {
		got, ok := f.Tensors[want.Name]
		if !ok {
			t.Fatalf("tensor %q missing", want.Name)
		}
		vals, err := got.Float32()
		if err != nil {
			t.Fatal(err)
		}
		for i := range vals {
			if vals[i] != want.Values[i] { // every value above is exact in its storage type
				t.Errorf("%s[%d] = %v, want %v", want.Name, i, vals[i], want.Values[i])
			}
		}
	}
}

func TestHalfConversionExhaustive(t *testing.T) {
	// Every finite half converts to float32 and back to the same bits.
	for h := 0; h < 1<<16; h++ {
		u := uint16(h)
		if u&0x7c00 == 0x7c00 && u&0x3ff != 0 {
			continue // NaN payloads are not preserved
		}
		f := HalfToFloat32(u)
		if back := Float32ToHalf(f); back != u {
			t.Fatalf("half %#04x -> %v -> %#04x", u, f, back)
		}
	}
	cases := []struct {
		in   float32
		want uint16
	}{
		{1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {1e6, 0x7c00},
		{float32(math.Inf(-1)), 0xfc00}, {5.960464477539063e-08, 0x0001},
		{1 + 1.0/2048, 0x3c00}, // halfway between 1 and the next half: ties to even
	}
	for _, c := range cases {
		if got := Float32ToHalf(c.in); got != c.want {
			t.Errorf("Float32ToHalf(%v) = %#04x, want %#04x", c.in, got, c.want)
		}
	}
}

func TestCorruptFiles(t *testing.T) {
	good, err := Encode([]Float32Tensor{{Name: "w", Shape: []int{2}, Values: []float32{1, 2}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hlen := binary.LittleEndian.Uint64(good)
	withHeader := func(h string) []byte {
		for len(h) < int(hlen) {
			h += " "
		}
		b := append([]byte(nil), good...)
		copy(b[8:], h)
		return b
	}
	cases := map[string][]byte{
		"empty":           nil,
		"short":           good[:5],
		"huge header len": append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, good[8:]...),
		"truncated data":  good[:len(good)-3],
		"bad json":        withHeader(`{"w":`),
		"bad dtype":       withHeader(`{"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}`),
		"size mismatch":   withHeader(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`),
		"negative shape":  withHeader(`{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`),
		"offsets beyond":  withHeader(`{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`),
		"overlap":         withHeader(`{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"v":{"dtype":"F16","shape":[2],"data_offsets":[2,6]}}`),
	}
	dir := t.TempDir()
	for name, b := range cases {
		if _, err := Parse(b); err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.Contains(err.Error(), "safetensors") {
			t.Errorf("%s: error %q does not say where it comes from", name, err)
		}
		// Open checks the header alike (short data shows when read).
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path)
		if err == nil {
			buf := make([]byte, 8)
			err = r.ReadAt(r.Tensors["w"], buf, 0)
			r.Close()
		}
		if err == nil {
			t.Errorf("%s: Open and ReadAt gave no error", name)
		}
	}
}

func TestReaderMatchesParse(t *testing.T) {
	in := []Float32Tensor{
		{Name: "a", Shape: []int{2, 3}, Values: []float32{1, -2, 3.5, 0, 1e-3, -7}},
		{Name: "h", Shape: []int{3}, Values: []float32{0.5, -1.25, 2048}, Store: F16},
		{Name: "b", Shape: []int{2}, Values: []float32{1, -3}, Store: BF16},
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := WriteFile(path, in, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	whole, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Metadata["format"] != "pt" || len(r.Tensors) != len(whole.Tensors) {
		t.Fatalf("metadata %v, %d tensors", r.Metadata, len(r.Tensors))
	}
	for name, want := range whole.Tensors {
		got := r.Tensors[name]
		if got.Data != nil || got.DType != want.DType {
			t.Fatalf("%s: %+v", name, got)
		}
		// Read in two pieces, the second from the middle.
		buf := make([]byte, len(want.Data))
		half := len(buf) / 2
		if err := r.ReadAt(got, buf[:half], 0); err != nil {
			t.Fatal(err)
		}
		if err := r.ReadAt(got, buf[half:], int64(half)); err != nil {
			t.Fatal(err)
		}
		if string(buf) != string(want.Data) {
			t.Errorf("%s: read %x, want %x", name, buf, want.Data)
		}
		vals := make([]float32, got.NumElements())
		if err := DecodeFloat32(got.DType, buf, vals); err != nil {
			t.Fatal(err)
		}
		wantVals, _ := want.Float32()
		for i := range vals {
			if vals[i] != wantVals[i] {
				t.Errorf("%s[%d] = %v, want %v", name, i, vals[i], wantVals[i])
			}
		}
		if err := r.ReadAt(got, make([]byte, 1), int64(len(buf))); err == nil {
			t.Errorf("%s: reading past the end gave no error", name)
		}
	}
	if err := DecodeFloat32(I8, []byte{1}, make([]float32, 1)); err == nil {
		t.Error("I8 decoded as float32")
	}
}

// TestReaderFileCutShort truncates a file a Reader has open: reading a
// tensor past the cut must be an error naming the file and saying it was
// cut short, not a short read.
func TestReaderFileCutShort(t *testing.T) {
	r, path := openWritten(t, []Float32Tensor{{Name: "a", Shape: []int{1000}, Values: make([]float32, 1000)}})
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, st.Size()-100); err != nil {
		t.Fatal(err)
	}
	err = r.ReadAt(r.Tensors["a"], make([]byte, 4000), 0)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "truncated or changed while it was being read") {
		t.Errorf("ReadAt of a file cut short: %v", err)
	}
}

// openWritten writes in to a file of the test and opens it; the Reader
// is closed with the test.
func openWritten(t *testing.T, in []Float32Tensor) (*Reader, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := WriteFile(path, in, nil); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, path
}

// TestReaderFloat32s checks the F32 values a Reader hands out in place
// against those it reads, before and after their pages are dropped, and
// that it hands out nothing for other types, ranges outside a tensor, or
// data the header leaves misaligned.
func TestReaderFloat32s(t *testing.T) {
	vals := make([]float32, 3000) // more than a page
	for i := range vals {
		vals[i] = float32(i)*0.5 - 7
	}
	in := []Float32Tensor{
		{Name: "a", Shape: []int{3000}, Values: vals},
		{Name: "h", Shape: []int{2}, Values: []float32{0.5, -1.25}, Store: F16},
	}
	r, path := openWritten(t, in)
	a := r.Tensors["a"]
	got := r.Float32s(a, 10, 2990)
	if got == nil {
		if runtime.GOOS == "linux" {
			t.Fatal("no values in place on Linux")
		}
		return
	}
	for round := range 2 {
		for i, v := range got {
			if v != vals[10+i] {
				t.Fatalf("round %d: value %d = %g, want %g", round, 10+i, v, vals[10+i])
			}
		}
		r.Drop(a, 0, 3000) // the values are read again from the file
	}
	for name, v := range map[string][]float32{
		"F16":          r.Float32s(r.Tensors["h"], 0, 2),
		"past the end": r.Float32s(a, 2999, 2),
		"negative":     r.Float32s(a, -1, 2),
		"empty":        r.Float32s(a, 0, 0),
	} {
		if v != nil {
			t.Errorf("%s: got %d values in place", name, len(v))
		}
	}
	// A header one byte longer shifts the data off 4-byte alignment.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b[:8])
	shifted := binary.LittleEndian.AppendUint64(nil, n+1)
	shifted = append(append(append(shifted, b[8:8+n]...), ' '), b[8+n:]...)
	path2 := filepath.Join(t.TempDir(), "shifted.safetensors")
	if err := os.WriteFile(path2, shifted, 0o644); err != nil {
		t.Fatal(err)
	}
	r2, err := Open(path2)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if v := r2.Float32s(r2.Tensors["a"], 0, 4); v != nil {
		t.Errorf("misaligned data handed out in place: %v", v)
	}
}

// TestHalfTable checks the F16 lookup table against the conversion.
func TestHalfTable(t *testing.T) {
	raw := make([]byte, 2<<16)
	for h := 0; h < 1<<16; h++ {
		binary.LittleEndian.PutUint16(raw[2*h:], uint16(h))
	}
	out := make([]float32, 1<<16)
	if err := DecodeFloat32(F16, raw, out); err != nil {
		t.Fatal(err)
	}
	for h := range out {
		want := HalfToFloat32(uint16(h))
		if math.Float32bits(out[h]) != math.Float32bits(want) {
			t.Fatalf("%#04x: %v, want %v", h, out[h], want)
		}
	}
}

func TestFloat32RefusesIntegers(t *testing.T) {
	tt := Tensor{Name: "ids", DType: I64, Shape: []int{1}, Data: make([]byte, 8)}
	if _, err := tt.Float32(); err == nil || !strings.Contains(err.Error(), "ids") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	good, _ := Encode([]Float32Tensor{
		{Name: "w", Shape: []int{2, 2}, Values: []float32{1, 2, 3, 4}},
		{Name: "h", Shape: []int{1}, Values: []float32{1}, Store: F16},
	}, map[string]string{"k": "v"})
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte("\x10\x00\x00\x00\x00\x00\x00\x00{}              "))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse(b)
		if err != nil {
			return
		}
		for _, name := range file.Names() {
			tt := file.Tensors[name]
			if vals, err := tt.Float32(); err == nil && len(vals) != tt.NumElements() {
				t.Fatalf("%s: %d values for shape %v", name, len(vals), tt.Shape)
			}
		}
	})
}

// TestWriteAtomicMode: written files get the mode os.WriteFile gives with
// 0644 (readable by others unless the umask says otherwise), not the
// private 0600 of os.CreateTemp, and no temporary file is left.
func TestWriteAtomicMode(t *testing.T) {
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref")
	if err := os.WriteFile(ref, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "x.json")
	if err := WriteAtomic(path, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	want, err := os.Stat(ref)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Mode().Perm() != want.Mode().Perm() {
		t.Errorf("mode %v, want %v as os.WriteFile makes it", got.Mode().Perm(), want.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("%d files in the directory, want ref and x.json", len(entries))
	}
}

func TestInt8RoundTrip(t *testing.T) {
	q := []int8{-128, -127, -1, 0, 1, 127}
	b, err := Encode([]Float32Tensor{
		{Name: "w", Shape: []int{2, 3}, Store: I8, Int8: q},
		{Name: "w_scale", Shape: []int{2}, Values: []float32{0.5, 0.25}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Tensors["w"].Int8()
	if err != nil || len(got) != len(q) {
		t.Fatalf("%v, %v", got, err)
	}
	for i := range q {
		if got[i] != q[i] {
			t.Errorf("w[%d] = %d, want %d", i, got[i], q[i])
		}
	}
	if _, err := f.Tensors["w_scale"].Int8(); err == nil {
		t.Error("an F32 tensor read as I8")
	}
	if _, err := f.Tensors["w"].Float32(); err == nil {
		t.Error("an I8 tensor widened to float32")
	}
	if _, err := Encode([]Float32Tensor{{Name: "w", Shape: []int{4}, Store: I8, Int8: q}}, nil); err == nil {
		t.Error("a shape of 4 took 6 int8 values")
	}
}
