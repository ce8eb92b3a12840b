//go:build amd64 && !purego

#include "textflag.h"
#include "attention_amd64.h"

// The attention kernels of kernel_amd64.s over rows found through offsets
// (a key/value cache whose rows are not evenly spaced) rather than a stride:
// the same macros, so equally spaced offsets give the same bits.

// GATHER sets R to the address of row *BX of base R14 (offsets in floats).
#define GATHER(R) \
	MOVQ (BX), R \
	LEAQ (R14)(R*4), R

// func asmDotGather(dst, q, base *float32, offs *int, n, hd int)
//
// dst[j] = q · base[offs[j] : offs[j]+hd] for j < n (hd a multiple of 8).
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
	GATHER(R10)
	ADDQ $8, BX
	GATHER(R11)
	ADDQ $8, BX
	GATHER(R12)
	ADDQ $8, BX
	GATHER(R13)
	ADDQ $8, BX
	DOT4(R10, R11, R12, R13)
	SUBQ $4, CX
	JMP gfour
gone:
	TESTQ CX, CX
	JZ gdone
	GATHER(R10)
	ADDQ $8, BX
	DOT1(R10)
	DECQ CX
	JMP gone
gdone:
	VZEROUPPER
	RET

// func asmAxpyGather64(dst, w, base *float32, offs *int, n int)
//
// dst[0:64] = Σ_j w[j]·base[offs[j] : offs[j]+64] for j < n (n ≥ 1).
TEXT ·asmAxpyGather64(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ base+16(FP), R14
	MOVQ offs+24(FP), BX
	MOVQ n+32(FP), CX
	SUM64START
gloop:
	GATHER(R10)
	SUM64(R10)
	ADDQ $8, BX
	DECQ CX
	JNZ gloop
	SUM64END

// func asmAxpyGather8(dst, w, base *float32, offs *int, n int)
//
// As asmAxpyGather64 for eight columns, even and odd j in Y0 and Y1.
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
	GATHER(R10)
	ADDQ $8, BX
	GATHER(R11)
	ADDQ $8, BX
	SUM8PAIR(R10, R11)
	SUBQ $2, CX
	JMP gpair
gsingle:
	TESTQ CX, CX
	JZ g8done
	GATHER(R10)
	SUM8LAST(R10)
g8done:
	SUM8END
