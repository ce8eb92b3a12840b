//go:build amd64 && !purego

package tensor

import "unsafe"

//go:noescape
func asmDotGather(dst, q, base *float32, offs *int, n, hd int)

//go:noescape
func asmAxpyGather64(dst, w, base *float32, offs *int, n int)

//go:noescape
func asmAxpyGather8(dst, w, base *float32, offs *int, n int)

func dotGather(dst, q, base []float32, offs []int) {
	n, hd := len(dst), len(q)
	if !avx2() || n == 0 || hd == 0 || hd%8 != 0 {
		genericDotGather(dst, q, base, offs)
		return
	}
	asmDotGather(&dst[0], &q[0], unsafe.SliceData(base), &offs[0], n, hd)
}

func axpyGather(dst, w, base []float32, offs []int) {
	n, hd := len(w), len(dst)
	if !avx2() || n == 0 || hd%8 != 0 {
		genericAxpyGather(dst, w, base, offs)
		return
	}
	c := 0
	for ; c+64 <= hd; c += 64 {
		asmAxpyGather64(&dst[c], &w[0], &base[c], &offs[0], n)
	}
	for ; c < hd; c += 8 {
		asmAxpyGather8(&dst[c], &w[0], &base[c], &offs[0], n)
	}
}
