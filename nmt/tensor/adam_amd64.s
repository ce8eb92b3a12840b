//go:build amd64 && !purego

#include "textflag.h"

// func asmAdamStep(w, m, v, grad *float32, n int, scale, b1, c1, b2, c2, lr, rc2, eps float32)
//
// genericAdamStep on n values, n a multiple of 8, eight at a time, with the
// same float32 operations in the same order (no fused multiply-add);
// c1 = 1 − b1 and c2 = 1 − b2 as the Go loop rounds them.
// Y8–Y15: constants; Y0 s, Y1 m, Y3 v, Y5 the denominator, Y6 the step.
TEXT ·asmAdamStep(SB), NOSPLIT, $0-72
	MOVQ w+0(FP), DI
	MOVQ m+8(FP), SI
	MOVQ v+16(FP), DX
	MOVQ grad+24(FP), BX
	MOVQ n+32(FP), CX
	VBROADCASTSS scale+40(FP), Y8
	VBROADCASTSS b1+44(FP), Y9
	VBROADCASTSS c1+48(FP), Y10
	VBROADCASTSS b2+52(FP), Y11
	VBROADCASTSS c2+56(FP), Y12
	VBROADCASTSS lr+60(FP), Y13
	VBROADCASTSS rc2+64(FP), Y14
	VBROADCASTSS eps+68(FP), Y15
loop:
	VMULPS (BX), Y8, Y0 // s = g·scale
	VMULPS (SI), Y9, Y1 // b1·m
	VMULPS Y0, Y10, Y2  // c1·s
	VADDPS Y2, Y1, Y1   // m = b1·m + c1·s
	VMOVUPS Y1, (SI)
	VMULPS (DX), Y11, Y3 // b2·v
	VMULPS Y0, Y12, Y4   // c2·s
	VMULPS Y0, Y4, Y4    // (c2·s)·s
	VADDPS Y4, Y3, Y3    // v = b2·v + c2·s·s
	VMOVUPS Y3, (DX)
	VSQRTPS Y3, Y5
	VMULPS Y14, Y5, Y5 // sqrt(v)·rc2
	VADDPS Y15, Y5, Y5 // + eps
	VMULPS Y1, Y13, Y6 // lr·m
	VDIVPS Y5, Y6, Y6  // (lr·m) / (sqrt(v)·rc2 + eps)
	VMOVUPS (DI), Y7
	VSUBPS Y6, Y7, Y7  // w − step
	VMOVUPS Y7, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, BX
	SUBQ $8, CX
	JNZ loop
	VZEROUPPER
	RET
