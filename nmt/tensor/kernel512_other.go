//go:build !amd64 || purego

package tensor

// widePanels leaves every panel to the kernels of kernel_generic.go: there
// are no wider ones here.
func (l *Linear) widePanels(dst, x []float32, m, p, end int) int { return p }
