//go:build amd64 && !purego

#include "textflag.h"

// The AVX2 kernel of int8 maps, for CPUs without AVX-512 VNNI: bytes widened
// to 16 bits (VPMOVZXBW, VPMOVSXBW) and multiplied in pairs into 32-bit sums
// (VPMADDWD), which cannot overflow or saturate, so the integer sums are
// VPDPBUSD's and genericInt8's exactly; the dequantization is theirs too.

// CLEAR4 zeroes four accumulators.
#define CLEAR4(A0, A1, A2, A3) \
	VPXOR A0, A0, A0 \
	VPXOR A1, A1, A1 \
	VPXOR A2, A2, A2 \
	VPXOR A3, A3, A3

// WIDEN4 widens the panel's 64 bytes at this group of inputs to Y8–Y11
// (16-bit weights of outputs 0–3, 4–7, 8–11, 12–15, four per output).
#define WIDEN4 \
	VPMOVSXBW (DI), Y8 \
	VPMOVSXBW 16(DI), Y9 \
	VPMOVSXBW 32(DI), Y10 \
	VPMOVSXBW 48(DI), Y11

// PAIRS adds a row's four input bytes at ROW, widened (X) and repeated
// (Y, the same register), times the weights to its accumulators A0–A3
// (two 32-bit halves per output).
#define PAIRS(ROW, X, Y, A0, A1, A2, A3) \
	VPMOVZXBW ROW, X \
	VPBROADCASTQ X, Y \
	VPMADDWD Y8, Y, Y14 \
	VPADDD Y14, A0, A0 \
	VPMADDWD Y9, Y, Y14 \
	VPADDD Y14, A1, A1 \
	VPMADDWD Y10, Y, Y14 \
	VPADDD Y14, A2, A2 \
	VPMADDWD Y11, Y, Y14 \
	VPADDD Y14, A3, A3

// OUT16 adds the halves of a row's accumulators into the 16 sums (in A0 and
// A2), dequantizes them with the row's xs and x0 at R12, R13 and stores
// them at DX: ((acc·xs + x0·qsum)·scale) + bias.
#define OUT16(A0, A1, A2, A3) \
	VPHADDD A1, A0, A0 \
	VPERMQ $0xd8, A0, A0 \
	VPHADDD A3, A2, A2 \
	VPERMQ $0xd8, A2, A2 \
	VBROADCASTSS (R12), Y12 \
	VBROADCASTSS (R13), Y13 \
	VCVTDQ2PS A0, A0 \
	VMULPS Y12, A0, A0 \
	VMULPS (BX), Y13, Y14 \
	VADDPS Y14, A0, A0 \
	VMULPS (AX), A0, A0 \
	VADDPS (R10), A0, A0 \
	VMOVUPS A0, (DX) \
	VCVTDQ2PS A2, A2 \
	VMULPS Y12, A2, A2 \
	VMULPS 32(BX), Y13, Y14 \
	VADDPS Y14, A2, A2 \
	VMULPS 32(AX), A2, A2 \
	VADDPS 32(R10), A2, A2 \
	VMOVUPS A2, 32(DX)

// func asmQ2AVX2(k int, a *uint8, b *int8, c *float32, ldc int, scale, qsum, bias, xs, x0 *float32)
//
// Two rows of quantized inputs (k groups of four bytes; the second row
// right after the first) times one int8 panel: 16 outputs per row, the
// second row's ldc floats after the first's. Reads four bytes past the
// second row's last group.
TEXT ·asmQ2AVX2(SB), NOSPLIT, $0-80
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ CX, R8
	SHLQ $2, R8 // row stride in bytes
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R9
	SHLQ $2, R9
	CLEAR4(Y0, Y1, Y2, Y3)
	CLEAR4(Y4, Y5, Y6, Y7)
loop:
	WIDEN4
	PAIRS((SI), X12, Y12, Y0, Y1, Y2, Y3)
	PAIRS((SI)(R8*1), X13, Y13, Y4, Y5, Y6, Y7)
	ADDQ $4, SI
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	MOVQ scale+40(FP), AX
	MOVQ qsum+48(FP), BX
	MOVQ bias+56(FP), R10
	MOVQ xs+64(FP), R12
	MOVQ x0+72(FP), R13
	OUT16(Y0, Y1, Y2, Y3)
	ADDQ R9, DX
	ADDQ $4, R12
	ADDQ $4, R13
	OUT16(Y4, Y5, Y6, Y7)
	VZEROUPPER
	RET
