package torchbin

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/translated/translated/nmt/safetensors"
)

// storage is one storage record of the archive: an element type and the
// raw little-endian bytes of numel elements.
type storage struct {
	dtype safetensors.DType
	numel int64
	data  []byte
}

// tensor is a rebuilt tensor, already contiguous.
type tensor struct {
	dtype safetensors.DType
	shape []int
	data  []byte
}

// storageDTypes maps torch's storage classes to element types.
var storageDTypes = map[string]safetensors.DType{
	"FloatStorage":    safetensors.F32,
	"HalfStorage":     safetensors.F16,
	"BFloat16Storage": safetensors.BF16,
	"DoubleStorage":   safetensors.F64,
	"LongStorage":     safetensors.I64,
	"IntStorage":      safetensors.I32,
	"ShortStorage":    safetensors.I16,
	"CharStorage":     safetensors.I8,
	"ByteStorage":     safetensors.U8,
	"BoolStorage":     safetensors.BOOL,
}

// maxView is how large a strided view may grow when copied out beyond its
// storage (a broadcast tensor with stride 0 repeats elements): 16 MiB.
const maxView = 16 << 20

// ReadFile reads a PyTorch checkpoint written by torch.save (such as a
// Hugging Face pytorch_model.bin) and returns its tensors by name.
func ReadFile(path string) (map[string]safetensors.Tensor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ts, err := Read(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ts, nil
}

// Read parses a checkpoint held in b. The file must be the zip archive
// torch.save has written since PyTorch 1.6, holding a dict (or
// OrderedDict) from names to tensors. Contiguous tensors share b's memory;
// strided views are copied. Only torch's own tensor and storage types are
// ever named: a file that refers to any other Python object is refused
// without running it.
func Read(b []byte) (map[string]safetensors.Tensor, error) {
	if !bytes.HasPrefix(b, []byte("PK\x03\x04")) {
		if len(b) > 0 && b[0] == 0x80 {
			return nil, errors.New("torchbin: this is the legacy PyTorch format (torch.save before 1.6, or _use_new_zipfile_serialization=False), which is not supported; re-save it with a newer PyTorch or convert it to safetensors")
		}
		return nil, errors.New("torchbin: not a PyTorch checkpoint (no zip archive)")
	}
	a, err := openArchive(b)
	if err != nil {
		return nil, err
	}
	root, err := unpickle(a.pickle, a.loadStorage)
	if err != nil {
		return nil, fmt.Errorf("torchbin: %s/data.pkl: %w", a.prefix, err)
	}
	return stateDict(root)
}

// archive is the zip of a checkpoint: prefix/data.pkl, the pickle, and
// prefix/data/<key>, one record per storage.
type archive struct {
	file     []byte
	prefix   string
	pickle   []byte
	entries  map[string]*zip.File
	storages map[string]*storage
}

func openArchive(b []byte) (*archive, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("torchbin: bad zip archive: %v", err)
	}
	a := &archive{file: b, entries: map[string]*zip.File{}, storages: map[string]*storage{}}
	for _, f := range zr.File {
		a.entries[f.Name] = f
		if dir, base := path.Split(f.Name); base == "data.pkl" && strings.Count(dir, "/") == 1 {
			if a.prefix != "" {
				return nil, errors.New("torchbin: the archive holds more than one data.pkl")
			}
			a.prefix = strings.TrimSuffix(dir, "/")
		}
	}
	if a.prefix == "" {
		return nil, errors.New("torchbin: the archive has no <name>/data.pkl")
	}
	if bo, err := a.record("byteorder"); err == nil && string(bo) != "little" {
		return nil, fmt.Errorf("torchbin: byte order %q is not supported, only little", bo)
	}
	if a.pickle, err = a.record("data.pkl"); err != nil {
		return nil, err
	}
	return a, nil
}

// record returns the bytes of prefix/name. A stored (uncompressed) record,
// which is what torch writes, is a sub-slice of the file.
func (a *archive) record(name string) ([]byte, error) {
	f, ok := a.entries[a.prefix+"/"+name]
	if !ok {
		return nil, fmt.Errorf("torchbin: the archive has no record %s/%s", a.prefix, name)
	}
	if f.Method == zip.Store && f.Flags&0x1 == 0 {
		off, err := f.DataOffset()
		if err == nil && off >= 0 && f.UncompressedSize64 == f.CompressedSize64 &&
			f.UncompressedSize64 <= uint64(len(a.file)) && uint64(off) <= uint64(len(a.file))-f.UncompressedSize64 {
			return a.file[off : uint64(off)+f.UncompressedSize64], nil
		}
	}
	if f.UncompressedSize64 > uint64(len(a.file))*1024 {
		return nil, fmt.Errorf("torchbin: record %s claims %d bytes", f.Name, f.UncompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("torchbin: record %s: %v", f.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("torchbin: record %s: %v", f.Name, err)
	}
	return data, nil
}

// loadStorage resolves the persistent id of a storage:
// ("storage", torch.<Type>Storage, key, location, numel).
func (a *archive) loadStorage(pid any) (any, error) {
	t, ok := pid.(tuple)
	if !ok || len(t) != 5 || t[0] != "storage" {
		return nil, fmt.Errorf("persistent id %v is not a storage reference", pid)
	}
	typ, ok1 := t[1].(global)
	key, ok2 := t[2].(string)
	numel, ok3 := t[4].(int64)
	if !ok1 || !ok2 || !ok3 || numel < 0 {
		return nil, fmt.Errorf("malformed storage reference %v", pid)
	}
	if s, ok := a.storages[key]; ok {
		return s, nil
	}
	dtype, ok := storageDTypes[typ.name]
	if !ok {
		return nil, fmt.Errorf("storage type %s is not supported (only float, integer and bool tensors are)", typ)
	}
	data, err := a.record("data/" + key)
	if err != nil {
		return nil, err
	}
	if numel > int64(len(data))/int64(dtype.Size()) {
		return nil, fmt.Errorf("storage %s holds %d bytes, too few for %d %s elements", key, len(data), numel, dtype)
	}
	s := &storage{dtype: dtype, numel: numel, data: data[:numel*int64(dtype.Size())]}
	a.storages[key] = s
	return s, nil
}

// stateDict turns the unpickled root into named tensors.
func stateDict(root any) (map[string]safetensors.Tensor, error) {
	d, ok := root.(*dict)
	if !ok {
		return nil, fmt.Errorf("torchbin: the checkpoint holds a %s, not a dict of tensors", typeName(root))
	}
	out := make(map[string]safetensors.Tensor, len(d.items))
	for _, p := range d.items {
		name, ok := p.key.(string)
		if !ok {
			return nil, fmt.Errorf("torchbin: a key of the state dict is a %s, not a name", typeName(p.key))
		}
		t, ok := p.value.(*tensor)
		if !ok {
			return nil, fmt.Errorf("torchbin: %q is a %s, not a tensor", name, typeName(p.value))
		}
		out[name] = safetensors.Tensor{Name: name, DType: t.dtype, Shape: t.shape, Data: t.data}
	}
	return out, nil
}
