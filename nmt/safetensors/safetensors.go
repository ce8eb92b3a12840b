package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
)

// DType names an element type as the safetensors header spells it.
type DType string

// The element types this package reads. Others (I8, I64, F64, ...) are listed
// by Parse but refused by Float32.
const (
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
)

// maxHeader bounds the JSON header so a corrupt length cannot make us allocate
// gigabytes before the JSON is even read.
const maxHeader = 100 << 20

// Tensor is one named entry: its element type, its shape, and its raw
// little-endian bytes (a sub-slice of the file's data section).
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte // nil for the tensors of a Reader
	// offset is where Data starts in the file's data section.
	offset int64
}

// File is a parsed safetensors file.
type File struct {
	Tensors  map[string]Tensor
	Metadata map[string]string
}

// Names returns the tensor names in sorted order.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.Tensors))
	for n := range f.Tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ReadFile reads and parses the safetensors file at path.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

type headerEntry struct {
	DType       DType    `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// Parse parses a whole safetensors file held in b. The returned tensors
// share b's memory. Every offset, shape and size is checked: a corrupt file
// gives an error naming the tensor, never a panic.
func Parse(b []byte) (*File, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("safetensors: file is %d bytes, shorter than the 8-byte header length", len(b))
	}
	n := binary.LittleEndian.Uint64(b[:8])
	if n > maxHeader || n > uint64(len(b)-8) {
		return nil, fmt.Errorf("safetensors: header length %d does not fit in a file of %d bytes", n, len(b))
	}
	return parseHeader(b[8:8+n], b[8+n:], int64(len(b))-8-int64(n))
}

// parseHeader parses the JSON header hdr of a file whose data section
// holds size bytes. With data (the section itself, or nil) the tensors'
// Data share it; without, their Data is nil and their offset into the
// section is in offsets.
func parseHeader(hdr, data []byte, size int64) (*File, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &raw); err != nil {
		return nil, fmt.Errorf("safetensors: header is not valid JSON: %v", err)
	}
	f := &File{Tensors: make(map[string]Tensor, len(raw))}
	type span struct {
		lo, hi int64
		name   string
	}
	var spans []span
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &f.Metadata); err != nil {
				return nil, fmt.Errorf("safetensors: __metadata__ is not a map of strings: %v", err)
			}
			continue
		}
		var e headerEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: bad header entry: %v", name, err)
		}
		t, err := entryTensor(name, e, size)
		if err != nil {
			return nil, err
		}
		if data != nil {
			t.Data = data[e.DataOffsets[0]:e.DataOffsets[1]]
		}
		t.offset = e.DataOffsets[0]
		f.Tensors[name] = t
		if e.DataOffsets[1] > e.DataOffsets[0] {
			spans = append(spans, span{e.DataOffsets[0], e.DataOffsets[1], name})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })
	for i := 1; i < len(spans); i++ {
		if spans[i].lo < spans[i-1].hi {
			return nil, fmt.Errorf("safetensors: tensors %q and %q overlap", spans[i-1].name, spans[i].name)
		}
	}
	return f, nil
}

func entryTensor(name string, e headerEntry, size int64) (Tensor, error) {
	elem := e.DType.Size()
	if elem == 0 {
		return Tensor{}, fmt.Errorf("safetensors: tensor %q: unknown dtype %q", name, e.DType)
	}
	count := int64(1)
	for _, d := range e.Shape {
		if d < 0 || (d > 0 && count > math.MaxInt32/int64(d)) {
			return Tensor{}, fmt.Errorf("safetensors: tensor %q: shape %v is negative or too large", name, e.Shape)
		}
		count *= int64(d)
	}
	lo, hi := e.DataOffsets[0], e.DataOffsets[1]
	if lo < 0 || hi < lo || hi > size {
		return Tensor{}, fmt.Errorf("safetensors: tensor %q: data offsets [%d, %d] outside the %d-byte data section", name, lo, hi, size)
	}
	if hi-lo != count*int64(elem) {
		return Tensor{}, fmt.Errorf("safetensors: tensor %q: shape %v of %s needs %d bytes, offsets give %d", name, e.Shape, e.DType, count*int64(elem), hi-lo)
	}
	return Tensor{Name: name, DType: e.DType, Shape: append([]int(nil), e.Shape...)}, nil
}

// Size is the number of bytes of one element, 0 for an unknown type.
func (d DType) Size() int {
	switch d {
	case F64, I64, U64:
		return 8
	case F32, I32, U32:
		return 4
	case F16, BF16, I16, U16:
		return 2
	case I8, U8, BOOL, F8E4M3, F8E5M2:
		return 1
	}
	return 0
}

// Element types that may appear in a file; only F32, F16 and BF16 convert.
const (
	F64    DType = "F64"
	I64    DType = "I64"
	U64    DType = "U64"
	I32    DType = "I32"
	U32    DType = "U32"
	I16    DType = "I16"
	U16    DType = "U16"
	I8     DType = "I8"
	U8     DType = "U8"
	BOOL   DType = "BOOL"
	F8E4M3 DType = "F8_E4M3"
	F8E5M2 DType = "F8_E5M2"
)

// NumElements is the product of the shape.
func (t Tensor) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}
