package safetensors

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"unsafe"
)

// Reader is an open safetensors file whose tensors are read on demand
// (ReadAt, Float32s) rather than held in memory: a model loads through one
// without a copy of the whole file. Its Tensors have no Data.
//
// On Linux the file is also mapped into memory, read-only, so that F32
// data can be used where it lies (Float32s). A file cut short while it is
// open (written in place rather than replaced by renaming a new one over
// it, as WriteFile does) is an error to ReadAt; the values of Float32s are
// the mapped pages themselves, and a read of those past the new end
// faults (SIGBUS) on the goroutine that makes it. Whoever reads them must
// turn that fault into an error: package model reads them only through
// tensor.LinearBuilder.SetRows, which does (debug.SetPanicOnFault), so a
// load of such a file fails with an error naming it; and a load closes
// its Reader before it returns, so no value of the mapping is read after.
type Reader struct {
	File
	path   string
	f      *os.File
	data   int64  // where the data section starts in the file
	mapped []byte // the whole file mapped into memory, or nil
}

// Open reads and checks the header of the safetensors file at path (as
// Parse does); the caller closes the Reader.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := openReader(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func openReader(path string, f *os.File) (*Reader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var lb [8]byte
	if _, err := f.ReadAt(lb[:], 0); err != nil {
		return nil, fmt.Errorf("%s: safetensors: file is %d bytes, shorter than the 8-byte header length", path, st.Size())
	}
	n := binary.LittleEndian.Uint64(lb[:])
	if n > maxHeader || n > uint64(st.Size()-8) {
		return nil, fmt.Errorf("%s: safetensors: header length %d does not fit in a file of %d bytes", path, n, st.Size())
	}
	hdr := make([]byte, n)
	if _, err := f.ReadAt(hdr, 8); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	file, err := parseHeader(hdr, nil, st.Size()-8-int64(n))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Reader{File: *file, path: path, f: f, data: 8 + int64(n), mapped: mapFile(f, st.Size())}, nil
}

// ReadAt fills p with the bytes of tensor t (one of r.Tensors) from byte
// off of its data on; reading past its end is an error.
func (r *Reader) ReadAt(t Tensor, p []byte, off int64) error {
	size := int64(t.NumElements() * t.DType.Size())
	if off < 0 || off+int64(len(p)) > size {
		return fmt.Errorf("%s: tensor %q: bytes [%d, %d) outside its %d", r.path, t.Name, off, off+int64(len(p)), size)
	}
	if _, err := r.f.ReadAt(p, r.data+t.offset+off); err != nil {
		if err == io.EOF {
			// Open found the tensor inside the file: the file shrank since.
			return fmt.Errorf("%s: tensor %q: the file ends before the tensor does: it was truncated or changed while it was being read", r.path, t.Name)
		}
		return fmt.Errorf("%s: tensor %q: %v", r.path, t.Name, err)
	}
	return nil
}

// Float32s returns elements [from, from+n) of the F32 tensor t where they
// lie in the mapped file, without a copy, when their bytes are float32
// values as this machine holds them (little-endian, 4-byte aligned); else,
// or when the file is not mapped or the range is not t's, nil. The values
// are read-only and valid until Close.
func (r *Reader) Float32s(t Tensor, from, n int) []float32 {
	b := r.span(t, from, n)
	if b == nil || t.DType != F32 || !littleEndian || addressOf(b)%4 != 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)
}

// Drop tells the Reader that elements [from, from+n) of t will not be
// read again: their pages of the mapped file leave the process's resident
// memory (the file stays cached by the system). Loading a model piece by
// piece, it keeps no more of the file resident than a piece.
func (r *Reader) Drop(t Tensor, from, n int) {
	if b := r.span(t, from, n); b != nil {
		dropPages(b)
	}
}

// span is the mapped bytes of elements [from, from+n) of t, nil when the
// file is not mapped or the range is empty or not t's.
func (r *Reader) span(t Tensor, from, n int) []byte {
	size := t.DType.Size()
	if r.mapped == nil || n <= 0 || from < 0 || from+n > t.NumElements() || size == 0 {
		return nil
	}
	lo := r.data + t.offset + int64(from*size)
	return r.mapped[lo : lo+int64(n*size)]
}

// addressOf is where b starts in memory.
func addressOf(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// Close closes the file and unmaps it: slices from Float32s must not be
// used afterwards.
func (r *Reader) Close() error {
	if r.mapped != nil {
		unmapFile(r.mapped)
		r.mapped = nil
	}
	return r.f.Close()
}
