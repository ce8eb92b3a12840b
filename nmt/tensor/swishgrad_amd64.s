//go:build amd64 && !purego

#include "textflag.h"

DATA swishHalf<>+0(SB)/4, $0x3f000000    // 0.5
GLOBL swishHalf<>(SB), RODATA|NOPTR, $4
DATA swishQuarter<>+0(SB)/4, $0x3e800000 // 0.25
GLOBL swishQuarter<>(SB), RODATA|NOPTR, $4
DATA swishOne<>+0(SB)/4, $0x3f800000     // 1
GLOBL swishOne<>(SB), RODATA|NOPTR, $4
DATA swishLow<>+0(SB)/4, $0xb8d1b717     // float32(-1e-4)
GLOBL swishLow<>(SB), RODATA|NOPTR, $4
DATA swishHigh<>+0(SB)/4, $0x38d1b717    // float32(1e-4)
GLOBL swishHigh<>(SB), RODATA|NOPTR, $4

// func asmSwishGrad(dst, grad, x, y *float32, n int)
//
// genericSwishGrad on n values, n a multiple of 8, eight at a time, with the
// same float32 operations in the same order (no fused multiply-add):
// s = y/x, or 0.5 + x·0.25 where −1e-4 < x < 1e-4 (x/4 and x·0.25 round
// alike); dst = g·(s + (x·s)·(1 − s)).
// Y8–Y12: constants; Y0 x, Y1 y, Y2 s, Y3 the small-x s, Y4/Y5 masks.
TEXT ·asmSwishGrad(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ x+16(FP), AX
	MOVQ y+24(FP), BX
	MOVQ n+32(FP), CX
	VBROADCASTSS swishHalf<>(SB), Y8
	VBROADCASTSS swishQuarter<>(SB), Y9
	VBROADCASTSS swishOne<>(SB), Y10
	VBROADCASTSS swishLow<>(SB), Y11
	VBROADCASTSS swishHigh<>(SB), Y12

loop:
	CMPQ CX, $8
	JLT  done
	VMOVUPS (AX), Y0
	VMOVUPS (BX), Y1
	VDIVPS  Y0, Y1, Y2          // s = y / x
	VMULPS  Y9, Y0, Y3          // x·0.25
	VADDPS  Y8, Y3, Y3          // 0.5 + x·0.25
	VCMPPS  $0x1e, Y11, Y0, Y4  // x > −1e-4 (ordered: false for NaN)
	VCMPPS  $0x11, Y12, Y0, Y5  // x < 1e-4
	VANDPS  Y5, Y4, Y4
	VBLENDVPS Y4, Y3, Y2, Y2    // s = small ? 0.5 + x·0.25 : y/x
	VMULPS  Y2, Y0, Y5          // x·s
	VSUBPS  Y2, Y10, Y6         // 1 − s
	VMULPS  Y6, Y5, Y5          // (x·s)·(1 − s)
	VADDPS  Y5, Y2, Y5          // s + …
	VMOVUPS (SI), Y7
	VMULPS  Y5, Y7, Y5          // g·(…)
	VMOVUPS Y5, (DI)
	ADDQ    $32, AX
	ADDQ    $32, BX
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     loop

done:
	VZEROUPPER
	RET
