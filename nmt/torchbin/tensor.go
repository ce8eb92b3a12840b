package torchbin

import (
	"fmt"
	"math"
)

// rebuildTensorArgs is torch._utils._rebuild_tensor_v2(storage, offset,
// size, stride, requires_grad, backward_hooks[, metadata]) and the older
// _rebuild_tensor(storage, offset, size, stride). Only the first four
// arguments matter here.
func rebuildTensorArgs(g global, a tuple) (*tensor, error) {
	want := "6 or 7"
	ok := len(a) == 6 || len(a) == 7
	if g == rebuildTensor {
		want, ok = "4", len(a) == 4
	}
	if !ok {
		return nil, fmt.Errorf("%s called with %d arguments, want %s", g, len(a), want)
	}
	s, ok := a[0].(*storage)
	if !ok {
		return nil, fmt.Errorf("%s: first argument is a %s, not a storage", g, typeName(a[0]))
	}
	offset, ok := a[1].(int64)
	if !ok {
		return nil, fmt.Errorf("%s: storage offset is a %s", g, typeName(a[1]))
	}
	shape, err := ints(a[2])
	if err != nil {
		return nil, fmt.Errorf("%s: size: %w", g, err)
	}
	stride, err := ints(a[3])
	if err != nil {
		return nil, fmt.Errorf("%s: stride: %w", g, err)
	}
	return view(s, offset, shape, stride)
}

// ints reads a tuple of non-negative integers.
func ints(v any) ([]int64, error) {
	t, ok := v.(tuple)
	if !ok {
		return nil, fmt.Errorf("a %s, not a tuple", typeName(v))
	}
	out := make([]int64, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok || n < 0 {
			return nil, fmt.Errorf("element %d is %v, not a non-negative integer", i, x)
		}
		out[i] = n
	}
	return out, nil
}

// view makes the tensor storage[offset:] seen with shape and strides (in
// elements). A view laid out row-major shares the storage's bytes; any
// other view is copied into row-major order.
func view(s *storage, offset int64, shape, stride []int64) (*tensor, error) {
	if len(shape) != len(stride) {
		return nil, fmt.Errorf("size %v and stride %v differ in rank", shape, stride)
	}
	size := int64(s.dtype.Size())
	count, last := int64(1), offset // elements; the furthest element used
	for i, d := range shape {
		if d > 0 && count > math.MaxInt32/d {
			return nil, fmt.Errorf("size %v is too large", shape)
		}
		count *= d
		if d > 0 && stride[i] > (math.MaxInt64-last)/d {
			return nil, fmt.Errorf("stride %v is too large", stride)
		}
		if d > 0 {
			last += (d - 1) * stride[i]
		}
	}
	t := &tensor{dtype: s.dtype, shape: make([]int, len(shape))}
	for i, d := range shape {
		t.shape[i] = int(d)
	}
	if count == 0 {
		t.data = []byte{}
		return t, nil
	}
	if offset < 0 || last >= s.numel {
		return nil, fmt.Errorf("view of size %v, stride %v at offset %d reads past the %d elements of its storage", shape, stride, offset, s.numel)
	}
	if rowMajor(shape, stride) {
		t.data = s.data[offset*size : (offset+count)*size]
		return t, nil
	}
	if n := count * size; n > max(int64(len(s.data)), maxView) {
		return nil, fmt.Errorf("strided view of size %v would copy %d bytes from a storage of %d", shape, n, len(s.data))
	}
	t.data = gather(s.data, size, offset, shape, stride, count)
	return t, nil
}

// rowMajor reports whether strides are those of a contiguous row-major
// layout (dimensions of size 1 may have any stride).
func rowMajor(shape, stride []int64) bool {
	want := int64(1)
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 && stride[i] != want {
			return false
		}
		want *= shape[i]
	}
	return true
}

// gather copies a strided view element by element into row-major order.
func gather(src []byte, size, offset int64, shape, stride []int64, count int64) []byte {
	dst := make([]byte, 0, count*size)
	idx := make([]int64, len(shape))
	for range count {
		at := offset
		for i, k := range idx {
			at += k * stride[i]
		}
		dst = append(dst, src[at*size:(at+1)*size]...)
		for i := len(idx) - 1; i >= 0; i-- { // next index, last dimension fastest
			if idx[i]++; idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
	}
	return dst
}
