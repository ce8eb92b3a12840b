//go:build !linux

package tensor

// adviseHuge does nothing where transparent huge pages are not asked for
// (see pages_linux.go).
func adviseHuge([]float32) {}
