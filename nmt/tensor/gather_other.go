//go:build !amd64 || purego

package tensor

func dotGather(dst, q, base []float32, offs []int)  { genericDotGather(dst, q, base, offs) }
func axpyGather(dst, w, base []float32, offs []int) { genericAxpyGather(dst, w, base, offs) }
