//go:build !amd64 || purego

package tensor

// Features lists the instruction sets the kernels use: "go" here.
func Features() string { return "go" }
