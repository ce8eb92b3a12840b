package torchbin

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/safetensors"
)

// zeroStorages resolves any storage reference to zeros, so that a pickle
// can run without its archive.
func zeroStorages(pid any) (any, error) {
	t, ok := pid.(tuple)
	if !ok || len(t) != 5 {
		return nil, os.ErrInvalid
	}
	n, ok := t[4].(int64)
	if !ok || n < 0 || n > 1<<20 {
		return nil, os.ErrInvalid
	}
	return &storage{dtype: safetensors.F32, numel: n, data: make([]byte, 4*n)}, nil
}

func TestUnpickleValues(t *testing.T) {
	cases := []struct {
		name string
		prog string
		want any
	}{
		{"ints", "\x80\x02(K\x07M\x00\x01J\xff\xff\xff\xff\x8a\x01\xff\x8a\x02\x00\x01\x8a\x00t.",
			tuple{int64(7), int64(256), int64(-1), int64(-1), int64(256), int64(0)}},
		{"text ints and bools", "(I12\nI01\nI00\nL-5L\nt.", tuple{int64(12), true, false, int64(-5)}},
		{"floats", "(G\x3f\xf8\x00\x00\x00\x00\x00\x00F-0.5\nt.", tuple{1.5, -0.5}},
		{"strings", "(X\x02\x00\x00\x00ab\x8c\x01cU\x01dC\x01\xfft.", tuple{"ab", "c", "d", []byte{0xff}}},
		{"containers", "(]K\x01aK\x02K\x03\x86N\x88\x89\x87t.",
			tuple{&list{items: []any{int64(1)}}, tuple{int64(2), int64(3)}, tuple{nil, true, false}}},
		{"dict", "}(X\x01\x00\x00\x00aK\x01X\x01\x00\x00\x00bK\x02u.",
			&dict{items: []pair{{"a", int64(1)}, {"b", int64(2)}}}},
		{"memo", "\x80\x04\x95\x08\x00\x00\x00\x00\x00\x00\x00K\x05\x940h\x00q\x07r\x08\x00\x00\x000j\x08\x00\x00\x00\x85.",
			tuple{int64(5)}},
		{"pop, dup, pop mark", "K\x01K\x020(K\x03K\x0412\x86.", tuple{int64(1), int64(1)}},
	}
	for _, c := range cases {
		got, err := unpickle([]byte(c.prog), nil)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, got, c.want)
		}
	}
}

func TestUnpickleRefuses(t *testing.T) {
	cases := []struct{ name, prog, want string }{
		{"os.system", "cos\nsystem\n.", "refusing os.system"},
		{"builtins.eval via STACK_GLOBAL", "\x8c\x08builtins\x8c\x04eval\x93.", "refusing builtins.eval"},
		{"a storage type that is not torch's", "cnumpy\nFloatStorage\n.", "refusing numpy.FloatStorage"},
		{"INST", "(i__main__\nX\n.", "not used by torch.save"},
		{"OrderedDict with arguments", "ccollections\nOrderedDict\nK\x01\x85R.", "called with 1 arguments"},
		{"calling a value", "K\x01)R.", "call of a int"},
		{"unknown memo", "h\x03.", "never stored"},
		{"truncated", "X\x05\x00\x00\x00ab", "unexpected end"},
		{"length past the end", "X\xff\xff\x00\x00ab", "runs past the end"},
		{"no STOP", "K\x01", "unexpected end"},
		{"two values at STOP", "K\x01K\x02.", "2 values"},
		{"underflow", "0.", "stack underflow"},
		{"no mark", "t.", "no MARK"},
		{"mark protects", "K\x01(0.", "stack underflow"},
		{"append to a tuple", ")K\x01a.", "append to a tuple"},
		{"build a tuple", ")}b.", "cannot set the state"},
		{"huge integer", "\x8a\x09\x01\x02\x03\x04\x05\x06\x07\x08\x09.", "too large"},
		{"persistent id without loader", "K\x01Q.", "without a loader"},
		{"tensor from an int", "ctorch._utils\n_rebuild_tensor_v2\n(K\x01K\x00)))\x89}tR.", "not a storage"},
	}
	for _, c := range cases {
		_, err := unpickle([]byte(c.prog), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestLittleInt(t *testing.T) {
	cases := []struct {
		b    []byte
		want int64
	}{
		{nil, 0}, {[]byte{0x7f}, 127}, {[]byte{0xff}, -1}, {[]byte{0x00, 0x80}, -32768},
		{[]byte{0xff, 0x00}, 255}, {[]byte{1, 0, 0, 0, 0, 0, 0, 0x80}, -1<<63 + 1},
	}
	for _, c := range cases {
		if got, err := littleInt(c.b); err != nil || got != c.want {
			t.Errorf("littleInt(%x) = %d, %v; want %d", c.b, got, err, c.want)
		}
	}
}

func TestView(t *testing.T) {
	s := &storage{dtype: safetensors.I16, numel: 6, data: []byte{0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0}}
	cases := []struct {
		name           string
		offset         int64
		shape, stride  []int64
		want           []byte
		shares         bool
		wantErrContain string
	}{
		{"whole", 0, []int64{2, 3}, []int64{3, 1}, []byte{0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0}, true, ""},
		{"offset row", 3, []int64{1, 3}, []int64{99, 1}, []byte{3, 0, 4, 0, 5, 0}, true, ""},
		{"transposed", 0, []int64{3, 2}, []int64{1, 3}, []byte{0, 0, 3, 0, 1, 0, 4, 0, 2, 0, 5, 0}, false, ""},
		{"broadcast", 4, []int64{3}, []int64{0}, []byte{4, 0, 4, 0, 4, 0}, false, ""},
		{"empty", 0, []int64{0, 5}, []int64{5, 1}, []byte{}, false, ""},
		{"past the end", 1, []int64{2, 3}, []int64{3, 1}, nil, false, "reads past"},
		{"rank mismatch", 0, []int64{2, 3}, []int64{1}, nil, false, "differ in rank"},
		{"huge stride", 0, []int64{2, 2}, []int64{1 << 62, 1 << 62}, nil, false, "too large"},
		{"huge size", 0, []int64{1 << 31, 1 << 31}, []int64{0, 0}, nil, false, "too large"},
		{"huge broadcast", 0, []int64{1 << 30}, []int64{0}, nil, false, "would copy"},
	}
	for _, c := range cases {
		got, err := view(s, c.offset, c.shape, c.stride)
		if c.wantErrContain != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErrContain) {
				t.Errorf("%s: error %v, want %q", c.name, err, c.wantErrContain)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !bytes.Equal(got.data, c.want) {
			t.Errorf("%s: data %v, want %v", c.name, got.data, c.want)
		}
		if shares := len(got.data) > 0 && inside(got.data, s.data); shares != c.shares {
			t.Errorf("%s: shares storage %v, want %v", c.name, shares, c.shares)
		}
	}
}

// A storage record shorter than its declared element count is an error.
func TestShortStorage(t *testing.T) {
	b, err := os.ReadFile("testdata/module.bin")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var data bytes.Buffer
		data.ReadFrom(rc)
		rc.Close()
		if f.Name == "module/data/1" {
			data.Truncate(data.Len() - 4)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data.Bytes())
	}
	zw.Close()
	if _, err := Read(out.Bytes()); err == nil || !strings.Contains(err.Error(), "too few") {
		t.Errorf("error %v, want a short-storage error", err)
	}
}

func seedFiles(f *testing.F) [][]byte {
	paths, err := filepath.Glob("testdata/*.bin")
	if err != nil || len(paths) == 0 {
		f.Fatal("no test checkpoints", err)
	}
	var files [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		files = append(files, b)
	}
	return files
}

// checkTensors: every tensor holds exactly the bytes its shape needs.
func checkTensors(t *testing.T, ts map[string]safetensors.Tensor) {
	for name, x := range ts {
		if len(x.Data) != x.NumElements()*x.DType.Size() {
			t.Fatalf("%s: %d bytes for shape %v of %s", name, len(x.Data), x.Shape, x.DType)
		}
	}
}

// FuzzRead: any file reads or fails with an error; what reads is
// consistent.
func FuzzRead(f *testing.F) {
	for _, b := range seedFiles(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, err := Read(b)
		if err == nil {
			checkTensors(t, ts)
		}
	})
}

// FuzzUnpickle runs the pickle machine on mutated data.pkl programs, with
// storages of zeros, so that mutations reach the machine rather than the
// zip reader.
func FuzzUnpickle(f *testing.F) {
	for _, b := range seedFiles(f) {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			continue
		}
		for _, zf := range zr.File {
			if strings.HasSuffix(zf.Name, "/data.pkl") {
				rc, err := zf.Open()
				if err != nil {
					f.Fatal(err)
				}
				var p bytes.Buffer
				p.ReadFrom(rc)
				rc.Close()
				f.Add(p.Bytes())
			}
		}
	}
	f.Add([]byte("\x80\x02}q\x00."))
	f.Fuzz(func(t *testing.T, prog []byte) {
		root, err := unpickle(prog, zeroStorages)
		if err != nil {
			return
		}
		if ts, err := stateDict(root); err == nil {
			checkTensors(t, ts)
		}
	})
}
