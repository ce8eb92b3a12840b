package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"unsafe"
)

// Float32 widens the tensor's elements to float32. F32, F16 and BF16 are
// accepted; any other type is an error naming the tensor.
func (t Tensor) Float32() ([]float32, error) {
	out := make([]float32, t.NumElements())
	if err := DecodeFloat32(t.DType, t.Data, out); err != nil {
		return nil, fmt.Errorf("tensor %q %v", t.Name, err)
	}
	return out, nil
}

// DecodeFloat32 widens the little-endian elements of type dt in raw to
// float32 into dst (len(raw) = len(dst)·dt.Size()). F32, F16 and BF16 are
// accepted; any other type is an error, worded to follow "tensor NAME".
func DecodeFloat32(dt DType, raw []byte, dst []float32) error {
	if dt.Size() == 0 || len(raw) != len(dst)*dt.Size() {
		return fmt.Errorf("has %d bytes of %s for %d values", len(raw), dt, len(dst))
	}
	switch dt {
	case F32:
		if littleEndian && len(dst) > 0 {
			copy(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), len(raw)), raw)
			return nil
		}
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case F16:
		table := halfTable()
		for i := range dst {
			dst[i] = table[binary.LittleEndian.Uint16(raw[2*i:])]
		}
	case BF16:
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*i:])) << 16)
		}
	default:
		return fmt.Errorf("has dtype %s; only F32, F16 and BF16 can be loaded", dt)
	}
	return nil
}

// Float32Bytes returns the bytes of dst, to read F32 data into, when
// float32 values in memory have the file's byte order; else nil (and for
// an empty dst).
func Float32Bytes(dst []float32) []byte {
	if !littleEndian || len(dst) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), 4*len(dst))
}

// littleEndian reports whether float32 values in memory have the byte
// order of the file, so that F32 data copies as it is.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// halfTable maps every binary16 value to its float32, built on first use.
var halfTable = sync.OnceValue(func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for h := range t {
		t[h] = HalfToFloat32(uint16(h))
	}
	return &t
})

// Int8 returns the elements of an I8 tensor; any other type is an error
// naming the tensor.
func (t Tensor) Int8() ([]int8, error) {
	if t.DType != I8 {
		return nil, fmt.Errorf("tensor %q has dtype %s, not I8", t.Name, t.DType)
	}
	out := make([]int8, t.NumElements())
	for i := range out {
		out[i] = int8(t.Data[i])
	}
	return out, nil
}

// HalfToFloat32 converts an IEEE 754 binary16 value to float32 exactly.
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0 && mant == 0: // signed zero
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalise the mantissa
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		mant &= 0x3ff
		return math.Float32frombits(sign | e<<23 | mant<<13)
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// Float32ToHalf rounds a float32 to the nearest binary16 (ties to even);
// values beyond the half range become infinity.
func Float32ToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff { // infinity or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 { // subnormal half or zero
		if e < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint32(14 - e)
		half := mant >> shift
		rem := mant & (1<<shift - 1)
		mid := uint32(1) << (shift - 1)
		if rem > mid || (rem == mid && half&1 == 1) {
			half++
		}
		return sign | uint16(half)
	}
	half := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && half&1 == 1) {
		half++ // may carry into the exponent, which is the right rounding
	}
	return sign | uint16(half)
}
