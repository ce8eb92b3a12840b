//go:build amd64 && !purego

package tensor

import (
	"os"

	"golang.org/x/sys/cpu"
)

// The CPU features of the kernels added beside the AVX2 ones, in one place.
// Each is read through a function so that the assembly switch (UseAssembly,
// TRANSLATED_KERNELS=go) turns them off with the AVX2 kernels.

// hasAVX512 reports AVX-512 F, BW, DQ and VL (the operating system saving
// the ZMM state included: golang.org/x/sys/cpu checks it).
var hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512VL

// hasVNNI reports AVX-512 VNNI (VPDPBUSD) besides AVX-512.
var hasVNNI = hasAVX512 && cpu.X86.HasAVX512VNNI

// avx2 reports whether the AVX2 and FMA kernels run.
func avx2() bool { return useAVX2.Load() }

// avx512 reports whether the AVX-512 kernels run.
func avx512() bool { return avx2() && hasAVX512 && !noAVX512 }

// vnni reports whether the AVX-512 VNNI integer kernels run.
func vnni() bool { return avx512() && hasVNNI }

// noAVX512 keeps the AVX-512 kernels off (tests compare them with the AVX2
// ones; TRANSLATED_KERNELS=avx2 sets it at start-up).
var noAVX512 bool

func init() {
	if os.Getenv("TRANSLATED_KERNELS") == "avx2" {
		noAVX512 = true
	}
}

// Features lists the instruction sets the kernels use on this CPU, widest
// first: "avx512-vnni", "avx512", "avx2" or "go".
func Features() string {
	switch {
	case vnni():
		return "avx512-vnni"
	case avx512():
		return "avx512"
	case avx2():
		return "avx2"
	}
	return "go"
}
