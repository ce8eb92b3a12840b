//go:build blascompare

package blascompare

// #cgo LDFLAGS: -lopenblas
import "C"
