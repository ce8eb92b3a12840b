//go:build amd64 && !purego

#include "textflag.h"

// func asmDotGather(dst, q, base *float32, offs *int, n, hd int)
//
// dst[j] = q · base[offs[j] : offs[j]+hd] for j < n (hd a multiple of 8):
// asmDotRows with each key found through its offset, so that equally spaced
// offsets give its results bit for bit.
TEXT ·asmDotGather(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ q+8(FP), SI
	MOVQ base+16(FP), R14
	MOVQ offs+24(FP), BX
	MOVQ n+32(FP), CX
	MOVQ hd+40(FP), R9
	SHLQ $2, R9 // hd in bytes
gfour:
	CMPQ CX, $4
	JL gone
	MOVQ (BX), R10
	MOVQ 8(BX), R11
	MOVQ 16(BX), R12
	MOVQ 24(BX), R13
	LEAQ (R14)(R10*4), R10
	LEAQ (R14)(R11*4), R11
	LEAQ (R14)(R12*4), R12
	LEAQ (R14)(R13*4), R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ AX, AX
gfour_k:
	VMOVUPS (SI)(AX*1), Y4
	VFMADD231PS (R10)(AX*1), Y4, Y0
	VFMADD231PS (R11)(AX*1), Y4, Y1
	VFMADD231PS (R12)(AX*1), Y4, Y2
	VFMADD231PS (R13)(AX*1), Y4, Y3
	ADDQ $32, AX
	CMPQ AX, R9
	JL gfour_k
	VHADDPS Y1, Y0, Y0
	VHADDPS Y3, Y2, Y2
	VHADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVUPS X0, (DI)
	ADDQ $16, DI
	ADDQ $32, BX
	SUBQ $4, CX
	JMP gfour
gone:
	TESTQ CX, CX
	JZ gdone
	MOVQ (BX), R10
	LEAQ (R14)(R10*4), R10
	VXORPS Y0, Y0, Y0
	XORQ AX, AX
gone_k:
	VMOVUPS (SI)(AX*1), Y4
	VFMADD231PS (R10)(AX*1), Y4, Y0
	ADDQ $32, AX
	CMPQ AX, R9
	JL gone_k
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VMOVSS X0, (DI)
	ADDQ $4, DI
	ADDQ $8, BX
	DECQ CX
	JMP gone
gdone:
	VZEROUPPER
	RET

// func asmAxpyGather64(dst, w, base *float32, offs *int, n int)
//
// dst[0:64] = Σ_j w[j]·base[offs[j] : offs[j]+64] for j < n (n ≥ 1), as
// asmAxpyRows64 with each value row found through its offset.
TEXT ·asmAxpyGather64(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ base+16(FP), R14
	MOVQ offs+24(FP), BX
	MOVQ n+32(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
gloop:
	MOVQ (BX), R10
	LEAQ (R14)(R10*4), R10
	VBROADCASTSS (SI), Y8
	VFMADD231PS (R10), Y8, Y0
	VFMADD231PS 32(R10), Y8, Y1
	VFMADD231PS 64(R10), Y8, Y2
	VFMADD231PS 96(R10), Y8, Y3
	VFMADD231PS 128(R10), Y8, Y4
	VFMADD231PS 160(R10), Y8, Y5
	VFMADD231PS 192(R10), Y8, Y6
	VFMADD231PS 224(R10), Y8, Y7
	ADDQ $4, SI
	ADDQ $8, BX
	DECQ CX
	JNZ gloop
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	VZEROUPPER
	RET

// func asmAxpyGather8(dst, w, base *float32, offs *int, n int)
//
// As asmAxpyRows8 (even and odd j in two accumulators, added at the end)
// with each value row found through its offset.
TEXT ·asmAxpyGather8(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ base+16(FP), R14
	MOVQ offs+24(FP), BX
	MOVQ n+32(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
gpair:
	CMPQ CX, $2
	JL gsingle
	MOVQ (BX), R10
	MOVQ 8(BX), R11
	LEAQ (R14)(R10*4), R10
	LEAQ (R14)(R11*4), R11
	VBROADCASTSS (SI), Y8
	VBROADCASTSS 4(SI), Y9
	VFMADD231PS (R10), Y8, Y0
	VFMADD231PS (R11), Y9, Y1
	ADDQ $8, SI
	ADDQ $16, BX
	SUBQ $2, CX
	JMP gpair
gsingle:
	TESTQ CX, CX
	JZ g8done
	MOVQ (BX), R10
	LEAQ (R14)(R10*4), R10
	VBROADCASTSS (SI), Y8
	VFMADD231PS (R10), Y8, Y0
g8done:
	VADDPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	VZEROUPPER
	RET
