//go:build !amd64 || purego

package tensor

func swishGrad(dst, g, x, y []float32) { genericSwishGrad(dst, g, x, y) }
