package model

import (
	"fmt"
	"slices"

	"github.com/translated/translated/nmt/safetensors"
)

// weightSource hands out named tensors, checking their shape.
type weightSource interface {
	// get returns a whole tensor as float32 values; ok is false when it is
	// absent, err non-nil when it is present but unusable (wrong shape or
	// dtype). Vectors (biases, layer norms) and untied embeddings come
	// this way.
	get(name string, shape []int) (values []float32, ok bool, err error)
	// rows returns the weight matrix name of shape [n, k], to be read in
	// pieces of whole rows, so that a map is packed without a full copy of
	// its matrix in float32 on the way.
	rows(name string, n, k int) (src rowSource, ok bool, err error)
	// missing is the error for an absent required tensor.
	missing(name string) error
}

// rowSource is a weight matrix [n, k] read in pieces of whole rows: float32
// values (read), or, for a matrix stored as int8, its int8 values and
// per-row scales (readInt8).
type rowSource interface {
	isInt8() bool
	// read decodes rows [r0, r0+len(dst)/k) into dst.
	read(r0 int, dst []float32) error
	// readInt8 reads rows [r0, r0+len(scale)) into q and scale.
	readInt8(r0 int, q []int8, scale []float32) error
	// view returns rows [r0, r0+rows) of a float32 matrix where they lie
	// (a mapped file, a slice in memory), read-only, or nil when they
	// must be read; done says that those rows will not be needed again.
	view(r0, rows int) []float32
	done(r0, rows int)
	// faulted is the error for a view whose reading faulted
	// (tensor.ErrFault): a mapped file cut short while it was read.
	faulted(err error) error
}

// tensorData reads the bytes of tensors: from memory (a parsed file) or
// from an open safetensors file.
type tensorData interface {
	tensor(name string) (safetensors.Tensor, bool)
	readAt(t safetensors.Tensor, p []byte, off int64) error
	// float32s returns elements [from, from+n) of t without a copy, or
	// nil (safetensors.Reader.Float32s); drop gives them up.
	float32s(t safetensors.Tensor, from, n int) []float32
	drop(t safetensors.Tensor, from, n int)
}

// inMemory is a parsed file held whole (a pytorch_model.bin archive).
type inMemory map[string]safetensors.Tensor

func (m inMemory) tensor(name string) (safetensors.Tensor, bool) { t, ok := m[name]; return t, ok }

func (m inMemory) readAt(t safetensors.Tensor, p []byte, off int64) error {
	copy(p, t.Data[off:off+int64(len(p))])
	return nil
}

func (inMemory) float32s(safetensors.Tensor, int, int) []float32 { return nil }
func (inMemory) drop(safetensors.Tensor, int, int)               {}

// onDisk is an open safetensors file, read tensor piece by tensor piece.
type onDisk struct{ r *safetensors.Reader }

func (d onDisk) tensor(name string) (safetensors.Tensor, bool) {
	t, ok := d.r.Tensors[name]
	return t, ok
}

func (d onDisk) readAt(t safetensors.Tensor, p []byte, off int64) error { return d.r.ReadAt(t, p, off) }

func (d onDisk) float32s(t safetensors.Tensor, from, n int) []float32 {
	return d.r.Float32s(t, from, n)
}

func (d onDisk) drop(t safetensors.Tensor, from, n int) { d.r.Drop(t, from, n) }

// fileSource serves the tensors of a checkpoint file.
type fileSource struct {
	path string
	data tensorData
	raw  *[]byte // a buffer for the bytes of one piece, reused
}

func newFileSource(path string, data tensorData) fileSource {
	return fileSource{path: path, data: data, raw: new([]byte)}
}

// buffer returns n bytes of the reused buffer.
func (s fileSource) buffer(n int) []byte {
	if cap(*s.raw) < n {
		*s.raw = make([]byte, n)
	}
	return (*s.raw)[:n]
}

// ScaleSuffix names the per-row scales of an int8 weight matrix in a
// checkpoint: W[r] = scale[r]·q[r] for the I8 tensor q under name and the
// F32 tensor scale under name+ScaleSuffix.
const ScaleSuffix = "_scale"

// lookup finds a tensor and checks its shape.
func (s fileSource) lookup(name string, shape []int) (safetensors.Tensor, bool, error) {
	t, ok := s.data.tensor(name)
	if !ok {
		return t, false, nil
	}
	if !slices.Equal(t.Shape, shape) {
		return t, false, fmt.Errorf("%s: tensor %q has shape %v, want %v", s.path, name, t.Shape, shape)
	}
	return t, true, nil
}

func (s fileSource) get(name string, shape []int) ([]float32, bool, error) {
	t, ok, err := s.lookup(name, shape)
	if !ok || err != nil {
		return nil, false, err
	}
	v := make([]float32, t.NumElements())
	if err := s.decode(t, 0, v); err != nil {
		return nil, false, err
	}
	return v, true, nil
}

// decode reads elements [from, from+len(dst)) of the float tensor t.
func (s fileSource) decode(t safetensors.Tensor, from int, dst []float32) error {
	size := t.DType.Size()
	if b := safetensors.Float32Bytes(dst); t.DType == safetensors.F32 && b != nil {
		// Stored as in memory: the bytes go straight into dst.
		return s.data.readAt(t, b, int64(from*size))
	}
	raw := s.buffer(len(dst) * size)
	if err := s.data.readAt(t, raw, int64(from*size)); err != nil {
		return err
	}
	if err := safetensors.DecodeFloat32(t.DType, raw, dst); err != nil {
		return fmt.Errorf("%s: tensor %q %v", s.path, t.Name, err)
	}
	return nil
}

func (s fileSource) rows(name string, n, k int) (rowSource, bool, error) {
	t, ok, err := s.lookup(name, []int{n, k})
	if !ok || err != nil {
		return nil, false, err
	}
	fr := &fileRows{s: s, t: t, k: k}
	if t.DType == safetensors.I8 {
		scale, ok, err := s.get(name+ScaleSuffix, []int{n})
		if err == nil && !ok {
			err = fmt.Errorf("%s: int8 tensor %q has no %q", s.path, name, name+ScaleSuffix)
		}
		if err != nil {
			return nil, false, err
		}
		fr.scale = scale
	}
	return fr, true, nil
}

func (s fileSource) missing(name string) error {
	return fmt.Errorf("%s: tensor %q is missing", s.path, name)
}

// fileRows reads a matrix of a file in pieces.
type fileRows struct {
	s     fileSource
	t     safetensors.Tensor
	k     int
	scale []float32 // per-row scales of an I8 matrix, else nil
}

func (f *fileRows) isInt8() bool { return f.scale != nil }

func (f *fileRows) read(r0 int, dst []float32) error {
	if f.scale != nil {
		return fmt.Errorf("%s: tensor %q is int8", f.s.path, f.t.Name)
	}
	return f.s.decode(f.t, r0*f.k, dst)
}

func (f *fileRows) view(r0, rows int) []float32 {
	if f.scale != nil {
		return nil
	}
	return f.s.data.float32s(f.t, r0*f.k, rows*f.k)
}

func (f *fileRows) done(r0, rows int) { f.s.data.drop(f.t, r0*f.k, rows*f.k) }

func (f *fileRows) faulted(err error) error {
	return fmt.Errorf("%s: tensor %q: the file was truncated or changed while it was being read (%w)", f.s.path, f.t.Name, err)
}

func (f *fileRows) readInt8(r0 int, q []int8, scale []float32) error {
	raw := f.s.buffer(len(q))
	if err := f.s.data.readAt(f.t, raw, int64(r0*f.k)); err != nil {
		return err
	}
	for i, b := range raw {
		q[i] = int8(b)
	}
	copy(scale, f.scale[r0:])
	return nil
}

// sliceRows is a float32 matrix held in memory.
type sliceRows struct {
	v []float32
	k int
}

func (s sliceRows) isInt8() bool { return false }

func (s sliceRows) read(r0 int, dst []float32) error {
	copy(dst, s.v[r0*s.k:])
	return nil
}

func (s sliceRows) view(r0, rows int) []float32 { return s.v[r0*s.k : (r0+rows)*s.k] }

func (s sliceRows) done(int, int) {}

func (s sliceRows) faulted(err error) error { return err }

func (s sliceRows) readInt8(int, []int8, []float32) error {
	return fmt.Errorf("model: a float32 matrix read as int8")
}
