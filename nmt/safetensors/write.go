package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// Float32Tensor is a tensor to write: float32 values and the type to store
// them as (F32, F16 or BF16; BF16 truncates with round-to-nearest-even), or,
// with Store I8, int8 values (quantized weights) in Int8 instead.
type Float32Tensor struct {
	Name   string
	Shape  []int
	Values []float32
	Store  DType
	Int8   []int8 // the values when Store is I8; Values is then nil
}

// Encode lays out tensors in the given order as a safetensors file.
func Encode(tensors []Float32Tensor, metadata map[string]string) ([]byte, error) {
	header := make(map[string]any, len(tensors)+1)
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var data bytes.Buffer
	for _, t := range tensors {
		if _, dup := header[t.Name]; dup || t.Name == "" {
			return nil, fmt.Errorf("safetensors: tensor name %q is empty or repeated", t.Name)
		}
		n := 1
		for _, d := range t.Shape {
			n *= d
		}
		got := len(t.Values)
		if t.Store == I8 {
			got = len(t.Int8)
		}
		if n != got {
			return nil, fmt.Errorf("safetensors: tensor %q: shape %v holds %d values, got %d", t.Name, t.Shape, n, got)
		}
		store := t.Store
		if store == "" {
			store = F32
		}
		lo := data.Len()
		if store == I8 {
			for _, v := range t.Int8 {
				data.WriteByte(byte(v))
			}
		} else if err := appendValues(&data, t.Values, store); err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: %w", t.Name, err)
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = headerEntry{DType: store, Shape: shape, DataOffsets: [2]int64{int64(lo), int64(data.Len())}}
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return nil, err
	}
	for len(hj)%8 != 0 { // keep the data section 8-byte aligned
		hj = append(hj, ' ')
	}
	out := make([]byte, 8, 8+len(hj)+data.Len())
	binary.LittleEndian.PutUint64(out, uint64(len(hj)))
	out = append(out, hj...)
	return append(out, data.Bytes()...), nil
}

func appendValues(buf *bytes.Buffer, vals []float32, store DType) error {
	var tmp [4]byte
	switch store {
	case F32:
		for _, v := range vals {
			binary.LittleEndian.PutUint32(tmp[:], math.Float32bits(v))
			buf.Write(tmp[:4])
		}
	case F16:
		for _, v := range vals {
			binary.LittleEndian.PutUint16(tmp[:], Float32ToHalf(v))
			buf.Write(tmp[:2])
		}
	case BF16:
		for _, v := range vals {
			binary.LittleEndian.PutUint16(tmp[:], float32ToBF16(v))
			buf.Write(tmp[:2])
		}
	default:
		return fmt.Errorf("cannot store as %s", store)
	}
	return nil
}

func float32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 { // NaN stays NaN
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// WriteFile encodes tensors and writes them to path atomically: the bytes go
// to a temporary file in the same directory, which is synced and renamed.
func WriteFile(path string, tensors []Float32Tensor, metadata map[string]string) error {
	b, err := Encode(tensors, metadata)
	if err != nil {
		return err
	}
	return WriteAtomic(path, b)
}

// WriteAtomic writes b to path through a synced temporary file and a rename,
// so a reader never sees a half-written file. The file gets mode 0644
// less the umask, as with os.WriteFile.
func WriteAtomic(path string, b []byte) error {
	tmp, err := createTemp(path)
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// createTemp creates a new file beside path, named after it, with mode
// 0644 less the umask (os.CreateTemp would make it 0600).
func createTemp(path string) (*os.File, error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	for {
		name := filepath.Join(dir, fmt.Sprintf(".%s.tmp%d", base, rand.Uint64()))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
}
