//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"

	"github.com/translated/translated/nmt/train"
)

// betterBLAS restarts the process with OPENBLAS_CORETYPE set when the
// command trains and OpenBLAS chose slower kernels than the CPU runs (see
// train.BetterBLASCore): the variable is read only when the library loads,
// so it has to be there when the process starts. A variable the user set
// is left alone, and so is a process that cannot restart itself.
func betterBLAS(args []string, stderr *os.File) {
	if len(args) == 0 || args[0] != "train" || os.Getenv("OPENBLAS_CORETYPE") != "" {
		return
	}
	better := train.BetterBLASCore()
	if better == "" {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	fmt.Fprintf(stderr, "OpenBLAS chose its %s kernels for this CPU; restarting with OPENBLAS_CORETYPE=%s, which it runs faster\n",
		train.BLASCore(), better)
	env := append(os.Environ(), "OPENBLAS_CORETYPE="+better)
	err = syscall.Exec(exe, append([]string{os.Args[0]}, args...), env)
	fmt.Fprintf(stderr, "cannot restart (%v); going on with the %s kernels\n", err, train.BLASCore())
}
