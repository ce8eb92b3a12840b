//go:build amd64 && !purego

#include "textflag.h"

// BINARY8 is the body of asmAddTo and asmMulTo: dst = x OP y on n values,
// n a multiple of 8, 32 at a time, then 8.
#define BINARY8(OP) \
	MOVQ dst+0(FP), DI \
	MOVQ x+8(FP), SI \
	MOVQ y+16(FP), DX \
	MOVQ n+24(FP), CX \
loop32: \
	CMPQ CX, $32 \
	JL loop8 \
	VMOVUPS (SI), Y0 \
	VMOVUPS 32(SI), Y1 \
	VMOVUPS 64(SI), Y2 \
	VMOVUPS 96(SI), Y3 \
	OP (DX), Y0, Y0 \
	OP 32(DX), Y1, Y1 \
	OP 64(DX), Y2, Y2 \
	OP 96(DX), Y3, Y3 \
	VMOVUPS Y0, (DI) \
	VMOVUPS Y1, 32(DI) \
	VMOVUPS Y2, 64(DI) \
	VMOVUPS Y3, 96(DI) \
	ADDQ $128, SI \
	ADDQ $128, DX \
	ADDQ $128, DI \
	SUBQ $32, CX \
	JMP loop32 \
loop8: \
	CMPQ CX, $8 \
	JL done \
	VMOVUPS (SI), Y0 \
	OP (DX), Y0, Y0 \
	VMOVUPS Y0, (DI) \
	ADDQ $32, SI \
	ADDQ $32, DX \
	ADDQ $32, DI \
	SUBQ $8, CX \
	JMP loop8 \
done: \
	VZEROUPPER \
	RET

// func asmAddTo(dst, x, y *float32, n int)
TEXT ·asmAddTo(SB), NOSPLIT, $0-32
	BINARY8(VADDPS)

// func asmMulTo(dst, x, y *float32, n int)
TEXT ·asmMulTo(SB), NOSPLIT, $0-32
	BINARY8(VMULPS)

// func asmScaleAdd(x *float32, n int, a, b float32)
//
// x = x·a + b on n values, n a multiple of 8, multiplying then adding (no
// fused multiply-add, as in Go): 32 at a time, then 8.
TEXT ·asmScaleAdd(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSS a+16(FP), Y4
	VBROADCASTSS b+20(FP), Y5
loop32:
	CMPQ CX, $32
	JL loop8
	VMULPS (DI), Y4, Y0
	VMULPS 32(DI), Y4, Y1
	VMULPS 64(DI), Y4, Y2
	VMULPS 96(DI), Y4, Y3
	VADDPS Y5, Y0, Y0
	VADDPS Y5, Y1, Y1
	VADDPS Y5, Y2, Y2
	VADDPS Y5, Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, DI
	SUBQ $32, CX
	JMP loop32
loop8:
	CMPQ CX, $8
	JL done
	VMULPS (DI), Y4, Y0
	VADDPS Y5, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
done:
	VZEROUPPER
	RET
