//go:build amd64 && !purego

#include "textflag.h"
#include "attention_amd64.h"

// Kernels for amd64 with AVX2 and FMA. Register use is noted per kernel; the
// Go wrappers in kernel_amd64.go check all bounds before calling.

// func asmRows6(k int, a *float32, b *float32, bias *float32, c *float32, ldc int)
//
// 6 row(s) of a times one 16-column panel b: c[r][0:16] = bias + Σ_k a[r][k]·b[k][0:16].
// Y0, Y1: the panel's two halves at k; Y2, Y3: broadcast a[r][k];
// Y4 upwards: two accumulators per row.
TEXT ·asmRows6(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ CX, R8
	SHLQ $2, R8 // row stride of a in bytes (lda = k)
	MOVQ b+16(FP), DI
	MOVQ bias+24(FP), AX
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R9
	SHLQ $2, R9
	TESTQ AX, AX
	JZ zero
	VMOVUPS (AX), Y4
	VMOVUPS 32(AX), Y5
	VMOVAPS Y4, Y6
	VMOVAPS Y5, Y7
	VMOVAPS Y4, Y8
	VMOVAPS Y5, Y9
	VMOVAPS Y4, Y10
	VMOVAPS Y5, Y11
	VMOVAPS Y4, Y12
	VMOVAPS Y5, Y13
	VMOVAPS Y4, Y14
	VMOVAPS Y5, Y15
	JMP start
zero:
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15
start:
	LEAQ (SI)(R8*2), R10
	ADDQ R8, R10 // a + 3 rows
loop:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VBROADCASTSS (SI), Y2
	VFMADD231PS Y0, Y2, Y4
	VFMADD231PS Y1, Y2, Y5
	VBROADCASTSS (SI)(R8*1), Y3
	VFMADD231PS Y0, Y3, Y6
	VFMADD231PS Y1, Y3, Y7
	VBROADCASTSS (SI)(R8*2), Y2
	VFMADD231PS Y0, Y2, Y8
	VFMADD231PS Y1, Y2, Y9
	VBROADCASTSS (R10), Y3
	VFMADD231PS Y0, Y3, Y10
	VFMADD231PS Y1, Y3, Y11
	VBROADCASTSS (R10)(R8*1), Y2
	VFMADD231PS Y0, Y2, Y12
	VFMADD231PS Y1, Y2, Y13
	VBROADCASTSS (R10)(R8*2), Y3
	VFMADD231PS Y0, Y3, Y14
	VFMADD231PS Y1, Y3, Y15
	ADDQ $4, SI
	ADDQ $4, R10
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	LEAQ (DX)(R9*2), R11
	ADDQ R9, R11 // c + 3 rows
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	VMOVUPS Y6, (DX)(R9*1)
	VMOVUPS Y7, 32(DX)(R9*1)
	VMOVUPS Y8, (DX)(R9*2)
	VMOVUPS Y9, 32(DX)(R9*2)
	VMOVUPS Y10, (R11)
	VMOVUPS Y11, 32(R11)
	VMOVUPS Y12, (R11)(R9*1)
	VMOVUPS Y13, 32(R11)(R9*1)
	VMOVUPS Y14, (R11)(R9*2)
	VMOVUPS Y15, 32(R11)(R9*2)
	VZEROUPPER
	RET

// func asmRows4(k int, a *float32, b *float32, bias *float32, c *float32, ldc int)
//
// 4 row(s) of a times one 16-column panel b: c[r][0:16] = bias + Σ_k a[r][k]·b[k][0:16].
// Y0, Y1: the panel's two halves at k; Y2, Y3: broadcast a[r][k];
// Y4 upwards: two accumulators per row.
TEXT ·asmRows4(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ CX, R8
	SHLQ $2, R8 // row stride of a in bytes (lda = k)
	MOVQ b+16(FP), DI
	MOVQ bias+24(FP), AX
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R9
	SHLQ $2, R9
	TESTQ AX, AX
	JZ zero
	VMOVUPS (AX), Y4
	VMOVUPS 32(AX), Y5
	VMOVAPS Y4, Y6
	VMOVAPS Y5, Y7
	VMOVAPS Y4, Y8
	VMOVAPS Y5, Y9
	VMOVAPS Y4, Y10
	VMOVAPS Y5, Y11
	JMP start
zero:
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
start:
	LEAQ (SI)(R8*2), R10
	ADDQ R8, R10 // a + 3 rows
loop:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VBROADCASTSS (SI), Y2
	VFMADD231PS Y0, Y2, Y4
	VFMADD231PS Y1, Y2, Y5
	VBROADCASTSS (SI)(R8*1), Y3
	VFMADD231PS Y0, Y3, Y6
	VFMADD231PS Y1, Y3, Y7
	VBROADCASTSS (SI)(R8*2), Y2
	VFMADD231PS Y0, Y2, Y8
	VFMADD231PS Y1, Y2, Y9
	VBROADCASTSS (R10), Y3
	VFMADD231PS Y0, Y3, Y10
	VFMADD231PS Y1, Y3, Y11
	ADDQ $4, SI
	ADDQ $4, R10
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	LEAQ (DX)(R9*2), R11
	ADDQ R9, R11 // c + 3 rows
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	VMOVUPS Y6, (DX)(R9*1)
	VMOVUPS Y7, 32(DX)(R9*1)
	VMOVUPS Y8, (DX)(R9*2)
	VMOVUPS Y9, 32(DX)(R9*2)
	VMOVUPS Y10, (R11)
	VMOVUPS Y11, 32(R11)
	VZEROUPPER
	RET

// func asmRows2(k int, a *float32, b *float32, bias *float32, c *float32, ldc int)
//
// 2 row(s) of a times one 16-column panel b: c[r][0:16] = bias + Σ_k a[r][k]·b[k][0:16].
// Y0, Y1: the panel's two halves at k; Y2, Y3: broadcast a[r][k];
// Y4 upwards: two accumulators per row.
TEXT ·asmRows2(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ CX, R8
	SHLQ $2, R8 // row stride of a in bytes (lda = k)
	MOVQ b+16(FP), DI
	MOVQ bias+24(FP), AX
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R9
	SHLQ $2, R9
	TESTQ AX, AX
	JZ zero
	VMOVUPS (AX), Y4
	VMOVUPS 32(AX), Y5
	VMOVAPS Y4, Y6
	VMOVAPS Y5, Y7
	JMP start
zero:
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
start:
loop:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VBROADCASTSS (SI), Y2
	VFMADD231PS Y0, Y2, Y4
	VFMADD231PS Y1, Y2, Y5
	VBROADCASTSS (SI)(R8*1), Y3
	VFMADD231PS Y0, Y3, Y6
	VFMADD231PS Y1, Y3, Y7
	ADDQ $4, SI
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	VMOVUPS Y6, (DX)(R9*1)
	VMOVUPS Y7, 32(DX)(R9*1)
	VZEROUPPER
	RET

// func asmRows1(k int, a *float32, b *float32, bias *float32, c *float32)
//
// 1 row(s) of a times one 16-column panel b: c[r][0:16] = bias + Σ_k a[r][k]·b[k][0:16].
// Y0, Y1: the panel's two halves at k; Y2, Y3: broadcast a[r][k];
// Y4 upwards: two accumulators per row.
TEXT ·asmRows1(SB), NOSPLIT, $0-40
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ CX, R8
	SHLQ $2, R8 // row stride of a in bytes (lda = k)
	MOVQ b+16(FP), DI
	MOVQ bias+24(FP), AX
	MOVQ c+32(FP), DX
	TESTQ AX, AX
	JZ zero
	VMOVUPS (AX), Y4
	VMOVUPS 32(AX), Y5
	JMP start
zero:
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
start:
loop:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VBROADCASTSS (SI), Y2
	VFMADD231PS Y0, Y2, Y4
	VFMADD231PS Y1, Y2, Y5
	ADDQ $4, SI
	ADDQ $64, DI
	DECQ CX
	JNZ loop
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	VZEROUPPER
	RET

// func asmRow4(k int, a *float32, b *float32, pstride int, bias *float32, c *float32)
//
// One row of a times four consecutive panels (64 columns), the panels
// pstride floats apart. Y0: broadcast a[k]; Y4-Y11: accumulators.
TEXT ·asmRow4(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ pstride+24(FP), R8
	SHLQ $2, R8
	MOVQ bias+32(FP), AX
	MOVQ c+40(FP), DX
	TESTQ AX, AX
	JZ zero
	VMOVUPS 0(AX), Y4
	VMOVUPS 32(AX), Y5
	VMOVUPS 64(AX), Y6
	VMOVUPS 96(AX), Y7
	VMOVUPS 128(AX), Y8
	VMOVUPS 160(AX), Y9
	VMOVUPS 192(AX), Y10
	VMOVUPS 224(AX), Y11
	JMP start
zero:
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
start:
	LEAQ (DI)(R8*2), R10
	ADDQ R8, R10 // third panel after b
loop:
	VBROADCASTSS (SI), Y0
	VFMADD231PS (DI), Y0, Y4
	VFMADD231PS 32(DI), Y0, Y5
	VFMADD231PS (DI)(R8*1), Y0, Y6
	VFMADD231PS 32(DI)(R8*1), Y0, Y7
	VFMADD231PS (DI)(R8*2), Y0, Y8
	VFMADD231PS 32(DI)(R8*2), Y0, Y9
	VFMADD231PS (R10), Y0, Y10
	VFMADD231PS 32(R10), Y0, Y11
	ADDQ $4, SI
	ADDQ $64, DI
	ADDQ $64, R10
	DECQ CX
	JNZ loop
	VMOVUPS Y4, 0(DX)
	VMOVUPS Y5, 32(DX)
	VMOVUPS Y6, 64(DX)
	VMOVUPS Y7, 96(DX)
	VMOVUPS Y8, 128(DX)
	VMOVUPS Y9, 160(DX)
	VMOVUPS Y10, 192(DX)
	VMOVUPS Y11, 224(DX)
	VZEROUPPER
	RET

// func asmDot(a, b *float32, n int) float32
TEXT ·asmDot(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
loop32:
	CMPQ CX, $32
	JL loop8
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP loop32
loop8:
	CMPQ CX, $8
	JL reduce
	VMOVUPS (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
tail:
	TESTQ CX, CX
	JZ done
	VMOVSS (SI), X4
	VFMADD231SS (DI), X4, X0
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP tail
done:
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func asmAxpy(dst, x *float32, n int, alpha float32)
TEXT ·asmAxpy(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS alpha+24(FP), Y0
loop32:
	CMPQ CX, $32
	JL loop8
	VMOVUPS (SI), Y1
	VMOVUPS 32(SI), Y2
	VMOVUPS 64(SI), Y3
	VMOVUPS 96(SI), Y4
	VFMADD213PS (DI), Y0, Y1
	VFMADD213PS 32(DI), Y0, Y2
	VFMADD213PS 64(DI), Y0, Y3
	VFMADD213PS 96(DI), Y0, Y4
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	VMOVUPS Y3, 64(DI)
	VMOVUPS Y4, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP loop32
loop8:
	CMPQ CX, $8
	JL tail
	VMOVUPS (SI), Y1
	VFMADD213PS (DI), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
tail:
	TESTQ CX, CX
	JZ done
	VMOVSS (SI), X1
	VFMADD213SS (DI), X0, X1
	VMOVSS X1, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP tail
done:
	VZEROUPPER
	RET

DATA ·expHi+0(SB)/4, $0x42b00000
DATA ·expHi+4(SB)/4, $0x42b00000
DATA ·expHi+8(SB)/4, $0x42b00000
DATA ·expHi+12(SB)/4, $0x42b00000
DATA ·expHi+16(SB)/4, $0x42b00000
DATA ·expHi+20(SB)/4, $0x42b00000
DATA ·expHi+24(SB)/4, $0x42b00000
DATA ·expHi+28(SB)/4, $0x42b00000
GLOBL ·expHi(SB), RODATA|NOPTR, $32
DATA ·expLo+0(SB)/4, $0xc2aeac4f
DATA ·expLo+4(SB)/4, $0xc2aeac4f
DATA ·expLo+8(SB)/4, $0xc2aeac4f
DATA ·expLo+12(SB)/4, $0xc2aeac4f
DATA ·expLo+16(SB)/4, $0xc2aeac4f
DATA ·expLo+20(SB)/4, $0xc2aeac4f
DATA ·expLo+24(SB)/4, $0xc2aeac4f
DATA ·expLo+28(SB)/4, $0xc2aeac4f
GLOBL ·expLo(SB), RODATA|NOPTR, $32
DATA ·expLog2e+0(SB)/4, $0x3fb8aa3b
DATA ·expLog2e+4(SB)/4, $0x3fb8aa3b
DATA ·expLog2e+8(SB)/4, $0x3fb8aa3b
DATA ·expLog2e+12(SB)/4, $0x3fb8aa3b
DATA ·expLog2e+16(SB)/4, $0x3fb8aa3b
DATA ·expLog2e+20(SB)/4, $0x3fb8aa3b
DATA ·expLog2e+24(SB)/4, $0x3fb8aa3b
DATA ·expLog2e+28(SB)/4, $0x3fb8aa3b
GLOBL ·expLog2e(SB), RODATA|NOPTR, $32
DATA ·expLn2Hi+0(SB)/4, $0x3f318000
DATA ·expLn2Hi+4(SB)/4, $0x3f318000
DATA ·expLn2Hi+8(SB)/4, $0x3f318000
DATA ·expLn2Hi+12(SB)/4, $0x3f318000
DATA ·expLn2Hi+16(SB)/4, $0x3f318000
DATA ·expLn2Hi+20(SB)/4, $0x3f318000
DATA ·expLn2Hi+24(SB)/4, $0x3f318000
DATA ·expLn2Hi+28(SB)/4, $0x3f318000
GLOBL ·expLn2Hi(SB), RODATA|NOPTR, $32
DATA ·expLn2Lo+0(SB)/4, $0xb95e8083
DATA ·expLn2Lo+4(SB)/4, $0xb95e8083
DATA ·expLn2Lo+8(SB)/4, $0xb95e8083
DATA ·expLn2Lo+12(SB)/4, $0xb95e8083
DATA ·expLn2Lo+16(SB)/4, $0xb95e8083
DATA ·expLn2Lo+20(SB)/4, $0xb95e8083
DATA ·expLn2Lo+24(SB)/4, $0xb95e8083
DATA ·expLn2Lo+28(SB)/4, $0xb95e8083
GLOBL ·expLn2Lo(SB), RODATA|NOPTR, $32
DATA ·expP0+0(SB)/4, $0x39506967
DATA ·expP0+4(SB)/4, $0x39506967
DATA ·expP0+8(SB)/4, $0x39506967
DATA ·expP0+12(SB)/4, $0x39506967
DATA ·expP0+16(SB)/4, $0x39506967
DATA ·expP0+20(SB)/4, $0x39506967
DATA ·expP0+24(SB)/4, $0x39506967
DATA ·expP0+28(SB)/4, $0x39506967
GLOBL ·expP0(SB), RODATA|NOPTR, $32
DATA ·expP1+0(SB)/4, $0x3ab743ce
DATA ·expP1+4(SB)/4, $0x3ab743ce
DATA ·expP1+8(SB)/4, $0x3ab743ce
DATA ·expP1+12(SB)/4, $0x3ab743ce
DATA ·expP1+16(SB)/4, $0x3ab743ce
DATA ·expP1+20(SB)/4, $0x3ab743ce
DATA ·expP1+24(SB)/4, $0x3ab743ce
DATA ·expP1+28(SB)/4, $0x3ab743ce
GLOBL ·expP1(SB), RODATA|NOPTR, $32
DATA ·expP2+0(SB)/4, $0x3c088908
DATA ·expP2+4(SB)/4, $0x3c088908
DATA ·expP2+8(SB)/4, $0x3c088908
DATA ·expP2+12(SB)/4, $0x3c088908
DATA ·expP2+16(SB)/4, $0x3c088908
DATA ·expP2+20(SB)/4, $0x3c088908
DATA ·expP2+24(SB)/4, $0x3c088908
DATA ·expP2+28(SB)/4, $0x3c088908
GLOBL ·expP2(SB), RODATA|NOPTR, $32
DATA ·expP3+0(SB)/4, $0x3d2aa9c1
DATA ·expP3+4(SB)/4, $0x3d2aa9c1
DATA ·expP3+8(SB)/4, $0x3d2aa9c1
DATA ·expP3+12(SB)/4, $0x3d2aa9c1
DATA ·expP3+16(SB)/4, $0x3d2aa9c1
DATA ·expP3+20(SB)/4, $0x3d2aa9c1
DATA ·expP3+24(SB)/4, $0x3d2aa9c1
DATA ·expP3+28(SB)/4, $0x3d2aa9c1
GLOBL ·expP3(SB), RODATA|NOPTR, $32
DATA ·expP4+0(SB)/4, $0x3e2aaaaa
DATA ·expP4+4(SB)/4, $0x3e2aaaaa
DATA ·expP4+8(SB)/4, $0x3e2aaaaa
DATA ·expP4+12(SB)/4, $0x3e2aaaaa
DATA ·expP4+16(SB)/4, $0x3e2aaaaa
DATA ·expP4+20(SB)/4, $0x3e2aaaaa
DATA ·expP4+24(SB)/4, $0x3e2aaaaa
DATA ·expP4+28(SB)/4, $0x3e2aaaaa
GLOBL ·expP4(SB), RODATA|NOPTR, $32
DATA ·expP5+0(SB)/4, $0x3f000000
DATA ·expP5+4(SB)/4, $0x3f000000
DATA ·expP5+8(SB)/4, $0x3f000000
DATA ·expP5+12(SB)/4, $0x3f000000
DATA ·expP5+16(SB)/4, $0x3f000000
DATA ·expP5+20(SB)/4, $0x3f000000
DATA ·expP5+24(SB)/4, $0x3f000000
DATA ·expP5+28(SB)/4, $0x3f000000
GLOBL ·expP5(SB), RODATA|NOPTR, $32
DATA ·expOne+0(SB)/4, $0x3f800000
DATA ·expOne+4(SB)/4, $0x3f800000
DATA ·expOne+8(SB)/4, $0x3f800000
DATA ·expOne+12(SB)/4, $0x3f800000
DATA ·expOne+16(SB)/4, $0x3f800000
DATA ·expOne+20(SB)/4, $0x3f800000
DATA ·expOne+24(SB)/4, $0x3f800000
DATA ·expOne+28(SB)/4, $0x3f800000
GLOBL ·expOne(SB), RODATA|NOPTR, $32
DATA ·expBias+0(SB)/4, $127
DATA ·expBias+4(SB)/4, $127
DATA ·expBias+8(SB)/4, $127
DATA ·expBias+12(SB)/4, $127
DATA ·expBias+16(SB)/4, $127
DATA ·expBias+20(SB)/4, $127
DATA ·expBias+24(SB)/4, $127
DATA ·expBias+28(SB)/4, $127
GLOBL ·expBias(SB), RODATA|NOPTR, $32

// EXP8 replaces the eight floats in X by exp(X) (Cephes expf: range
// reduction by ln 2, degree-5 polynomial, exponent built in the integer
// unit; about one ulp on [-87.3, 88]). N and R are scratch registers.
#define EXP8(X, N, P, R) \
	VMINPS ·expHi(SB), X, X \
	VMAXPS ·expLo(SB), X, X \
	VMULPS ·expLog2e(SB), X, N \
	VROUNDPS $0, N, N \
	VFNMADD231PS ·expLn2Hi(SB), N, X \
	VFNMADD231PS ·expLn2Lo(SB), N, X \
	VMOVUPS ·expP0(SB), P \
	VFMADD213PS ·expP1(SB), X, P \
	VFMADD213PS ·expP2(SB), X, P \
	VFMADD213PS ·expP3(SB), X, P \
	VFMADD213PS ·expP4(SB), X, P \
	VFMADD213PS ·expP5(SB), X, P \
	VMULPS X, X, R \
	VFMADD213PS X, R, P \
	VADDPS ·expOne(SB), P, P \
	VCVTPS2DQ N, N \
	VPADDD ·expBias(SB), N, N \
	VPSLLD $23, N, N \
	VMULPS N, P, X

// func asmExpSum(dst, src *float32, n int, shift float32) float32
//
// dst[i] = exp(src[i] - shift) for n (a multiple of 8) floats; returns the
// sum. A nil dst stores nothing: the values go to a slot on the stack,
// written over at every step (R11, R12: how far dst moves per 16 and 8
// values), and the sum comes out the same.
TEXT ·asmExpSum(SB), NOSPLIT, $64-36
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS shift+24(FP), Y15
	VXORPS Y14, Y14, Y14
	VXORPS Y13, Y13, Y13
	MOVQ $64, R11
	MOVQ $32, R12
	TESTQ DI, DI
	JNZ loop16
	LEAQ slot-64(SP), DI
	XORQ R11, R11
	XORQ R12, R12
loop16:
	CMPQ CX, $16
	JL loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y4
	VSUBPS Y15, Y0, Y0
	VSUBPS Y15, Y4, Y4
	EXP8(Y0, Y1, Y2, Y3)
	EXP8(Y4, Y5, Y6, Y7)
	VMOVUPS Y0, (DI)
	VMOVUPS Y4, 32(DI)
	VADDPS Y0, Y14, Y14
	VADDPS Y4, Y13, Y13
	ADDQ $64, SI
	ADDQ R11, DI
	SUBQ $16, CX
	JMP loop16
loop8:
	CMPQ CX, $8
	JL done
	VMOVUPS (SI), Y0
	VSUBPS Y15, Y0, Y0
	EXP8(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)
	VADDPS Y0, Y14, Y14
	ADDQ $32, SI
	ADDQ R12, DI
	SUBQ $8, CX
	JMP loop8
done:
	VADDPS Y13, Y14, Y14
	VEXTRACTF128 $1, Y14, X0
	VADDPS X14, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VZEROUPPER
	MOVSS X0, ret+32(FP)
	RET

// func asmSiLU(dst, x *float32, n int)
//
// dst[i] = x[i] / (1 + exp(-x[i])) for n (a multiple of 8) floats; dst may
// be x.
TEXT ·asmSiLU(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y15, Y15, Y15
loop:
	VMOVUPS (SI), Y4
	VSUBPS Y4, Y15, Y0
	EXP8(Y0, Y1, Y2, Y3)
	VADDPS ·expOne(SB), Y0, Y0
	VDIVPS Y0, Y4, Y4
	VMOVUPS Y4, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ loop
	VZEROUPPER
	RET

// func asmMax(x *float32, n int) float32
//
// The largest of n (a multiple of 8, at least 8) floats.
TEXT ·asmMax(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VMOVUPS (SI), Y0
	VMOVAPS Y0, Y1
	ADDQ $32, SI
	SUBQ $8, CX
loop16:
	CMPQ CX, $16
	JL loop8
	VMAXPS (SI), Y0, Y0
	VMAXPS 32(SI), Y1, Y1
	ADDQ $64, SI
	SUBQ $16, CX
	JMP loop16
loop8:
	CMPQ CX, $8
	JL done
	VMAXPS (SI), Y0, Y0
	ADDQ $32, SI
	SUBQ $8, CX
	JMP loop8
done:
	VMAXPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X1, X0, X0
	VZEROUPPER
	MOVSS X0, ret+16(FP)
	RET

// func asmAddConst(x *float32, n int, c float32)
//
// x[i] += c for n (a multiple of 8) floats.
TEXT ·asmAddConst(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSS c+16(FP), Y0
loop32:
	CMPQ CX, $32
	JL loop8
	VADDPS (DI), Y0, Y1
	VADDPS 32(DI), Y0, Y2
	VADDPS 64(DI), Y0, Y3
	VADDPS 96(DI), Y0, Y4
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	VMOVUPS Y3, 64(DI)
	VMOVUPS Y4, 96(DI)
	ADDQ $128, DI
	SUBQ $32, CX
	JMP loop32
loop8:
	CMPQ CX, $8
	JL done
	VADDPS (DI), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
done:
	VZEROUPPER
	RET

// func asmDotRows(dst, q, keys *float32, n, hd, stride int)
//
// dst[j] = q · keys[j*stride : j*stride+hd] for j < n (hd a multiple of 8),
// four keys at a time (DOT4, attention_amd64.h), then one by one.
TEXT ·asmDotRows(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ q+8(FP), SI
	MOVQ keys+16(FP), R10
	MOVQ n+24(FP), CX
	MOVQ hd+32(FP), R9
	SHLQ $2, R9 // hd in bytes
	MOVQ stride+40(FP), R8
	SHLQ $2, R8 // stride in bytes
four:
	CMPQ CX, $4
	JL one
	LEAQ (R10)(R8*1), R11
	LEAQ (R10)(R8*2), R12
	LEAQ (R11)(R8*2), R13
	DOT4(R10, R11, R12, R13)
	LEAQ (R12)(R8*2), R10
	SUBQ $4, CX
	JMP four
one:
	TESTQ CX, CX
	JZ done
	DOT1(R10)
	ADDQ R8, R10
	DECQ CX
	JMP one
done:
	VZEROUPPER
	RET

// func asmAxpyRows64(dst, w, values *float32, n, stride int)
//
// dst[0:64] = Σ_j w[j]·values[j*stride : j*stride+64] for j < n (n ≥ 1);
// eight accumulators Y0-Y7, the broadcast weight in Y8.
TEXT ·asmAxpyRows64(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ values+16(FP), R10
	MOVQ n+24(FP), CX
	MOVQ stride+32(FP), R8
	SHLQ $2, R8
	SUM64START
loop:
	SUM64(R10)
	ADDQ R8, R10
	DECQ CX
	JNZ loop
	SUM64END

// func asmAxpyRows8(dst, w, values *float32, n, stride int)
//
// As asmAxpyRows64 for eight columns, with two accumulators (even and odd
// j) added at the end.
TEXT ·asmAxpyRows8(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ values+16(FP), R10
	MOVQ n+24(FP), CX
	MOVQ stride+32(FP), R8
	SHLQ $2, R8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
pair:
	CMPQ CX, $2
	JL single
	LEAQ (R10)(R8*1), R11
	SUM8PAIR(R10, R11)
	LEAQ (R10)(R8*2), R10
	SUBQ $2, CX
	JMP pair
single:
	TESTQ CX, CX
	JZ done
	SUM8LAST(R10)
done:
	SUM8END

// func asmAddSum(x, y *float32, n int) float64
//
// x[i] += y[i] (skipped when y is nil) for n (a multiple of 8) floats, and
// returns Σ x[i] accumulated in float64.
TEXT ·asmAddSum(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
loop:
	VMOVUPS (DI), Y0
	TESTQ SI, SI
	JZ noadd
	VADDPS (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
noadd:
	VCVTPS2PD X0, Y1
	VADDPD Y1, Y2, Y2
	VEXTRACTF128 $1, Y0, X0
	VCVTPS2PD X0, Y1
	VADDPD Y1, Y3, Y3
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ loop
	VADDPD Y3, Y2, Y2
	VEXTRACTF128 $1, Y2, X3
	VADDPD X3, X2, X2
	VHADDPD X2, X2, X2
	VZEROUPPER
	MOVSD X2, ret+24(FP)
	RET

// func asmSqDev(x *float32, n int, mean float64) float64
//
// Σ (x[i] - mean)² in float64 for n (a multiple of 8) floats.
TEXT ·asmSqDev(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSD mean+16(FP), Y4
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
loop:
	VCVTPS2PD (DI), Y0
	VCVTPS2PD 16(DI), Y1
	VSUBPD Y4, Y0, Y0
	VSUBPD Y4, Y1, Y1
	VFMADD231PD Y0, Y0, Y2
	VFMADD231PD Y1, Y1, Y3
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ loop
	VADDPD Y3, Y2, Y2
	VEXTRACTF128 $1, Y2, X3
	VADDPD X3, X2, X2
	VHADDPD X2, X2, X2
	VZEROUPPER
	MOVSD X2, ret+24(FP)
	RET

// func asmNormAffine(x, gamma, beta *float32, n int, mean, inv float32)
//
// x[i] = (x[i] - mean)·inv·gamma[i] + beta[i] for n (a multiple of 8) floats.
TEXT ·asmNormAffine(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), DI
	MOVQ gamma+8(FP), SI
	MOVQ beta+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS mean+32(FP), Y4
	VBROADCASTSS inv+36(FP), Y5
loop:
	VMOVUPS (DI), Y0
	VSUBPS Y4, Y0, Y0
	VMULPS Y5, Y0, Y0
	VMULPS (SI), Y0, Y0
	VADDPS (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	SUBQ $8, CX
	JNZ loop
	VZEROUPPER
	RET

// func asmFirstAbove(x *float32, n int, t float32) int
//
// The index of the first x[i] > t (an ordered comparison: NaN is never
// above) among the first n (a multiple of 16), or n when there is none;
// 16 values a step.
TEXT ·asmFirstAbove(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS t+16(FP), Y1
	XORQ AX, AX
above16:
	CMPQ AX, CX
	JGE abovenone
	VCMPPS $0x11, (SI)(AX*4), Y1, Y2 // t < x, ordered
	VCMPPS $0x11, 32(SI)(AX*4), Y1, Y3
	VORPS Y2, Y3, Y4
	VMOVMSKPS Y4, DX
	TESTL DX, DX
	JNZ abovefound
	ADDQ $16, AX
	JMP above16
abovefound:
	VMOVMSKPS Y2, DX
	TESTL DX, DX
	JNZ abovebit
	ADDQ $8, AX
	VMOVMSKPS Y3, DX
abovebit:
	BSFL DX, DX
	ADDQ DX, AX
	VZEROUPPER
	MOVQ AX, ret+24(FP)
	RET
abovenone:
	VZEROUPPER
	MOVQ CX, ret+24(FP)
	RET
