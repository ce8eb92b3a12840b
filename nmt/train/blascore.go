package train

import (
	"runtime"
	"strings"

	"golang.org/x/sys/cpu"
)

// OpenBLAS built for any x86-64 CPU (Debian's DYNAMIC_ARCH build) picks
// its kernels when it loads, from the CPU's model number. A CPU newer than
// the library, or a virtual one that hides its model, gets the oldest
// kernels it knows (Prescott: SSE3, no AVX), several times slower than
// the AVX-512 ones the same CPU could run: on a 2-core Xeon with AVX-512
// and Debian 12's OpenBLAS 0.3.21, a training step of the default model
// ran 2.7× faster with OPENBLAS_CORETYPE=SkylakeX (docs/training.md).
// The choice can only be changed before the library loads, through that
// environment variable; BetterBLASCore says when to, and translate-cli
// train restarts itself with it.

// BLASCore names the kernels OpenBLAS chose for this CPU ("SkylakeX",
// "Haswell", "Prescott", ...); empty without cgo.
func BLASCore() string { return blasCore() }

// BetterBLASCore returns the OPENBLAS_CORETYPE value of faster kernels
// that this CPU runs, when OpenBLAS chose slower ones for it; empty when
// its choice is right, unknown, or not OpenBLAS's.
func BetterBLASCore() string {
	if runtime.GOARCH != "amd64" {
		return ""
	}
	x := cpu.X86
	level := 0
	switch {
	case x.HasAVX512F && x.HasAVX512BW && x.HasAVX512DQ && x.HasAVX512VL && x.HasAVX512CD:
		level = 3
	case x.HasAVX2 && x.HasFMA:
		level = 2
	case x.HasAVX:
		level = 1
	}
	return betterCore(blasCore(), level)
}

// coreLevels ranks OpenBLAS's x86-64 kernels by the instructions they
// use: 3 AVX-512, 2 AVX2 and FMA, 1 AVX; any other core is 0.
var coreLevels = map[string]int{
	"skylakex": 3, "cooperlake": 3, "sapphirerapids": 3,
	"haswell": 2, "zen": 2, "excavator": 2,
	"sandybridge": 1, "bulldozer": 1, "piledriver": 1, "steamroller": 1,
}

// betterCore is BetterBLASCore for a core name and a CPU level (as in
// coreLevels).
func betterCore(core string, level int) string {
	if core == "" || coreLevels[strings.ToLower(core)] >= level {
		return ""
	}
	return [...]string{"", "Sandybridge", "Haswell", "SkylakeX"}[level]
}
