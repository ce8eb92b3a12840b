//go:build amd64 && !purego

#include "textflag.h"
#include "panel_amd64.h"

// AVX-512 kernels on the packed panels of Linear (16 columns per panel, one
// ZMM register per panel row). Every output element is accumulated as in the
// AVX2 and Go kernels: its bias (or zero), then a[k]·w[k] for k = 0, 1, …
// with fused multiply-adds, so all three give the same bits. The macros
// shared with the int8 kernels are in panel_amd64.h.

// BIAS2 puts the two panels' bias, or zeros when it is nil, in Z28, Z29.
#define BIAS2 \
	MOVQ bias+48(FP), AX \
	VPXORD Z28, Z28, Z28 \
	VPXORD Z29, Z29, Z29 \
	TESTQ AX, AX \
	JZ nobias \
	VMOVUPS (AX), Z28 \
	VMOVUPS 64(AX), Z29 \
nobias:

// START4 starts the accumulators of four rows (two per row) at Z28, Z29.
#define START4(A0, A1, A2, A3, A4, A5, A6, A7) \
	VMOVAPS Z28, A0 \
	VMOVAPS Z29, A1 \
	VMOVAPS Z28, A2 \
	VMOVAPS Z29, A3 \
	VMOVAPS Z28, A4 \
	VMOVAPS Z29, A5 \
	VMOVAPS Z28, A6 \
	VMOVAPS Z29, A7

// PANELS2 loads the two panels' values at k and prefetches the next two's.
#define PANELS2 \
	VMOVUPS (DI), Z28 \
	VMOVUPS (DI)(BX*1), Z29 \
	PREFETCHT0 (R13) \
	PREFETCHT0 (R13)(BX*1)

// FMA4 adds a[r][k]·panels to four rows' accumulators, the rows from RB.
#define FMA4(RB, A0, A1, A2, A3, A4, A5, A6, A7) \
	DOT4x2(VBROADCASTSS, VFMADD231PS, RB, A0, A1, A2, A3, A4, A5, A6, A7)

// NEXTK moves the panels on by one k and loops while k is left.
#define NEXTK \
	ADDQ $64, R13 \
	ADDQ $64, DI \
	DECQ CX \
	JNZ loop

// STORE4 writes four rows of 32 outputs from DX on, moving DX past them.
#define STORE4(A0, A1, A2, A3, A4, A5, A6, A7) \
	VMOVUPS A0, (DX) \
	VMOVUPS A1, 64(DX) \
	ADDQ R9, DX \
	VMOVUPS A2, (DX) \
	VMOVUPS A3, 64(DX) \
	ADDQ R9, DX \
	VMOVUPS A4, (DX) \
	VMOVUPS A5, 64(DX) \
	ADDQ R9, DX \
	VMOVUPS A6, (DX) \
	VMOVUPS A7, 64(DX) \
	ADDQ R9, DX

// func asm512Rows12(k int, a *float32, b *float32, pstride int, c *float32, ldc int, bias *float32)
//
// 12 rows of a (row stride k) times two panels (pstride bytes apart):
// c[r][0:32] = bias[0:32] + Σ_k a[r][k]·(b[k][0:16] | b[pstride+k·16][0:16]).
// Z0–Z23: two accumulators per row; Z28, Z29: the panels at k; Z30, Z31:
// broadcast a[r][k].
TEXT ·asm512Rows12(SB), NOSPLIT, $0-56
	TILEARGS
	BIAS2
	START4(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	START4(Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15)
	START4(Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23)
	TILE12(PANELS2, FMA4, NEXTK)
	STORE4(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	STORE4(Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15)
	STORE4(Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23)
	VZEROUPPER
	RET

// func asm512Rows8(k int, a *float32, b *float32, pstride int, c *float32, ldc int, bias *float32)
//
// As asm512Rows12 for 8 rows: twice the accumulators of two asm512Rows4
// calls, so the panels are read once for the eight rows and the
// multiply-adds of one row no longer wait on each other's latency.
TEXT ·asm512Rows8(SB), NOSPLIT, $0-56
	TILEARGS
	BIAS2
	START4(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	START4(Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15)
	TILE8(PANELS2, FMA4, NEXTK)
	STORE4(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	STORE4(Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15)
	VZEROUPPER
	RET

// func asm512Rows4(k int, a *float32, b *float32, pstride int, c *float32, ldc int, bias *float32)
//
// As asm512Rows12 for 4 rows.
TEXT ·asm512Rows4(SB), NOSPLIT, $0-56
	TILEARGS
	BIAS2
	START4(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	TILE4(PANELS2, FMA4, NEXTK)
	STORE4(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	VZEROUPPER
	RET

// func asm512Row8(k int, a *float32, b *float32, pstride int, c *float32, bias *float32)
//
// One row of a times eight consecutive panels (128 columns, pstride bytes
// apart): the matrix-vector product of a decoding step. Z0–Z7:
// accumulators; Z30: a[k].
TEXT ·asm512Row8(SB), NOSPLIT, $0-48
	ROW8ARGS
	ZERO8(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	MOVQ bias+40(FP), AX
	TESTQ AX, AX
	JZ row8
	VMOVUPS (AX), Z0
	VMOVUPS 64(AX), Z1
	VMOVUPS 128(AX), Z2
	VMOVUPS 192(AX), Z3
	VMOVUPS 256(AX), Z4
	VMOVUPS 320(AX), Z5
	VMOVUPS 384(AX), Z6
	VMOVUPS 448(AX), Z7
row8:
	VBROADCASTSS (SI), Z30
	ROW8(VFMADD231PS)
	VMOVUPS Z0, (DX)
	VMOVUPS Z1, 64(DX)
	VMOVUPS Z2, 128(DX)
	VMOVUPS Z3, 192(DX)
	VMOVUPS Z4, 256(DX)
	VMOVUPS Z5, 320(DX)
	VMOVUPS Z6, 384(DX)
	VMOVUPS Z7, 448(DX)
	VZEROUPPER
	RET
