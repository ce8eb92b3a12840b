//go:build !amd64 || purego

package tensor

func packPanel(dst, src []float32, k int) { genericPackPanel(dst, src, k, 0) }
