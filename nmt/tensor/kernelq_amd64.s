//go:build amd64 && !purego

#include "textflag.h"
#include "panel_amd64.h"

// AVX-512 VNNI kernels of int8 maps (linear_int8.go). A panel holds, per
// group of four inputs, 16 outputs × 4 signed bytes: one ZMM register, the
// weights operand of VPDPBUSD, whose other operand is a row's four
// unsigned input bytes broadcast to every lane. Sums are exact in int32;
// the result is ((acc·xs + x0·qsum)·scale) + bias, each operation rounded
// to float32, as dequantize computes it. The macros shared with the
// float32 kernels are in panel_amd64.h.

// QDOT4x2 adds four rows' products with the panels in Z28 and Z29 to
// their accumulators, the rows from RB.
#define QDOT4x2(RB, A0, B0, A1, B1, A2, B2, A3, B3) \
	DOT4x2(VPBROADCASTD, VPDPBUSD, RB, A0, B0, A1, B1, A2, B2, A3, B3)

// QPANELS2 loads the two panels at this group of inputs, prefetching the
// next two; QNEXT moves on to the next group and loops while one is left.
#define QPANELS2 \
	VMOVDQU32 (DI), Z28 \
	VMOVDQU32 (DI)(BX*1), Z29 \
	PREFETCHT0 (R13) \
	PREFETCHT0 (R13)(BX*1)

#define QNEXT \
	ADDQ $64, R13 \
	ADDQ $64, DI \
	DECQ CX \
	JNZ loop

// QEND loads what dequantizes the outputs: AX the scales, DI the biases,
// R13 the rows' xs, R14 their x0, and in Z24 (Z25) the panels' qsum.
#define QEND1 \
	MOVQ scale+48(FP), AX \
	MOVQ qsum+56(FP), BX \
	MOVQ bias+64(FP), DI \
	MOVQ xs+72(FP), R13 \
	MOVQ x0+80(FP), R14 \
	VMOVUPS (BX), Z24

#define QEND2 \
	QEND1 \
	VMOVUPS 64(BX), Z25

// QROW takes the next row's xs and x0 into Z30, Z31.
#define QROW \
	VBROADCASTSS (R13), Z30 \
	VBROADCASTSS (R14), Z31 \
	ADDQ $4, R13 \
	ADDQ $4, R14

// DQ turns accumulator A of the panel whose qsum is Q into outputs and
// stores them at OFF(DX): ((A·xs + x0·qsum)·scale) + bias.
#define DQ(A, Q, OFF) \
	VCVTDQ2PS A, A \
	VMULPS Z30, A, A \
	VMULPS Q, Z31, Z26 \
	VADDPS Z26, A, A \
	VMULPS OFF(AX), A, A \
	VADDPS OFF(DI), A, A \
	VMOVUPS A, OFF(DX)

// DQM is DQ for the panel whose qsum is at OFF(BX).
#define DQM(A, OFF) \
	VMOVUPS OFF(BX), Z24 \
	DQ(A, Z24, OFF)

// DQ8 turns Z0–Z7, one row's sums over eight panels, into outputs at DX,
// the panels' qsum read from BX.
#define DQ4(A0, O0, A1, O1, A2, O2, A3, O3) \
	DQM(A0, O0) \
	DQM(A1, O1) \
	DQM(A2, O2) \
	DQM(A3, O3)

#define DQ8 \
	DQ4(Z0, 0, Z1, 64, Z2, 128, Z3, 192) \
	DQ4(Z4, 256, Z5, 320, Z6, 384, Z7, 448)

// QOUT2 writes one row's outputs (two panels) and moves DX on.
#define QOUT2(A, B) \
	QROW \
	DQ(A, Z24, 0) \
	DQ(B, Z25, 64) \
	ADDQ R9, DX

// QOUT4 writes four rows' outputs (two panels each).
#define QOUT4(A0, B0, A1, B1, A2, B2, A3, B3) \
	QOUT2(A0, B0) \
	QOUT2(A1, B1) \
	QOUT2(A2, B2) \
	QOUT2(A3, B3)

// func asmQ12x2(k int, a *uint8, b *int8, pstride int, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)
//
// 12 rows of quantized inputs (k groups of four bytes) times two panels
// (pstride bytes apart); row r's inputs are xs[r]·u + x0[r].
TEXT ·asmQ12x2(SB), NOSPLIT, $0-88
	TILEARGS
	ZERO8(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	ZERO8(Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15)
	ZERO8(Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23)
	TILE12(QPANELS2, QDOT4x2, QNEXT)
	QEND2
	QOUT4(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	QOUT4(Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15)
	QOUT4(Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23)
	VZEROUPPER
	RET

// func asmQ4x2(k int, a *uint8, b *int8, pstride int, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)
//
// As asmQ12x2 for four rows.
TEXT ·asmQ4x2(SB), NOSPLIT, $0-88
	TILEARGS
	ZERO8(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	TILE4(QPANELS2, QDOT4x2, QNEXT)
	QEND2
	QOUT4(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	VZEROUPPER
	RET

// func asmQRow8(k int, a *uint8, b *int8, pstride int, c *float32, scale, qsum, bias *float32, xs, x0 float32)
//
// One row of quantized inputs (k groups of four) times eight consecutive
// panels (128 outputs): the matrix-vector product of a decoding step.
TEXT ·asmQRow8(SB), NOSPLIT, $0-72
	ROW8ARGS
	ZERO8(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
row8:
	VPBROADCASTD (SI), Z30
	ROW8(VPDPBUSD)
	MOVQ scale+40(FP), AX
	MOVQ qsum+48(FP), BX
	MOVQ bias+56(FP), DI
	VBROADCASTSS xs+64(FP), Z30
	VBROADCASTSS x0+68(FP), Z31
	DQ8
	VZEROUPPER
	RET

// func asmMinMax(x *float32, n int) (lo, hi float32)
//
// The smallest and the largest of n (a multiple of 16) floats; NaN inputs
// are skipped (VMINPS and VMAXPS return their second source when the first
// is NaN).
TEXT ·asmMinMax(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVL $0x7f800000, AX
	VPBROADCASTD AX, Z0 // +Inf
	MOVL $0xff800000, AX
	VPBROADCASTD AX, Z1 // -Inf
	SHRQ $4, CX
	JZ done
mm:
	VMOVUPS (SI), Z2
	VMINPS Z0, Z2, Z0
	VMAXPS Z1, Z2, Z1
	ADDQ $64, SI
	DECQ CX
	JNZ mm
done:
	VEXTRACTF32X8 $1, Z0, Y2
	VMINPS Y2, Y0, Y0
	VEXTRACTF32X8 $1, Z1, Y3
	VMAXPS Y3, Y1, Y1
	VEXTRACTF128 $1, Y0, X2
	VMINPS X2, X0, X0
	VEXTRACTF128 $1, Y1, X3
	VMAXPS X3, X1, X1
	VPERMILPS $0x4e, X0, X2
	VMINPS X2, X0, X0
	VPERMILPS $0x4e, X1, X3
	VMAXPS X3, X1, X1
	VPERMILPS $0xb1, X0, X2
	VMINPS X2, X0, X0
	VPERMILPS $0xb1, X1, X3
	VMAXPS X3, X1, X1
	VZEROUPPER
	MOVSS X0, lo+16(FP)
	MOVSS X1, hi+20(FP)
	RET

// func asmQuantize(dst *uint8, x *float32, n int, zero, inv float32)
//
// dst[i] = round((x[i] − zero)·inv) (half to even) for n (a multiple of 16)
// floats with 0 ≤ (x[i] − zero)·inv ≤ 255, or, as the low eight bits of
// an int8, −127 ≤ (x[i] − zero)·inv ≤ 127.
TEXT ·asmQuantize(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS zero+24(FP), Z30
	VBROADCASTSS inv+28(FP), Z31
	SHRQ $4, CX
	JZ qdone
qloop:
	VMOVUPS (SI), Z0
	VSUBPS Z30, Z0, Z0
	VMULPS Z31, Z0, Z0
	VCVTPS2DQ Z0, Z0
	VPMOVDB Z0, X0
	VMOVDQU X0, (DI)
	ADDQ $64, SI
	ADDQ $16, DI
	DECQ CX
	JNZ qloop
qdone:
	VZEROUPPER
	RET
