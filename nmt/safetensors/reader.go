package safetensors

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// Reader is an open safetensors file whose tensors are read on demand
// (ReadAt) rather than held in memory: a model loads through one without a
// copy of the whole file. Its Tensors have no Data.
type Reader struct {
	File
	path string
	f    *os.File
	data int64 // where the data section starts in the file
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
	return &Reader{File: *file, path: path, f: f, data: 8 + int64(n)}, nil
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
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("%s: tensor %q: %v", r.path, t.Name, err)
	}
	return nil
}

// Close closes the file.
func (r *Reader) Close() error { return r.f.Close() }
