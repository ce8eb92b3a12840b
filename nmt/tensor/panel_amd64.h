// Macros of the matrix kernels shared by the float32 and the int8 ones:
// the one-row kernels over eight panels (the matrix-vector product of a
// decoding step) and the loops of the tiles of two panels.

// ROW8ARGS loads CX k (or groups of four inputs), SI the row, DI the first
// panel, BX the panel stride in bytes, DX the outputs, and R10, R11 the
// fourth and the seventh panel.
#define ROW8ARGS \
	MOVQ k+0(FP), CX \
	MOVQ a+8(FP), SI \
	MOVQ b+16(FP), DI \
	MOVQ pstride+24(FP), BX \
	MOVQ c+32(FP), DX \
	LEAQ (DI)(BX*2), R10 \
	ADDQ BX, R10 \
	LEAQ (R10)(BX*2), R11 \
	ADDQ BX, R11

// ZERO8 clears eight accumulators.
#define ZERO8(A0, A1, A2, A3, A4, A5, A6, A7) \
	VPXORD A0, A0, A0 \
	VPXORD A1, A1, A1 \
	VPXORD A2, A2, A2 \
	VPXORD A3, A3, A3 \
	VPXORD A4, A4, A4 \
	VPXORD A5, A5, A5 \
	VPXORD A6, A6, A6 \
	VPXORD A7, A7, A7

// ROW8 applies the multiply-add OP to the value in Z30 and each panel's
// values at this step, into Z0–Z7, then moves on: SI by 4 bytes, the
// panels by 64, and loops on label row8 while CX counts down.
#define ROW8(OP) \
	OP (DI), Z30, Z0 \
	OP (DI)(BX*1), Z30, Z1 \
	OP (DI)(BX*2), Z30, Z2 \
	OP (R10), Z30, Z3 \
	OP (R10)(BX*1), Z30, Z4 \
	OP (R10)(BX*2), Z30, Z5 \
	OP (R11), Z30, Z6 \
	OP (R11)(BX*1), Z30, Z7 \
	ADDQ $4, SI \
	ADDQ $64, DI \
	ADDQ $64, R10 \
	ADDQ $64, R11 \
	DECQ CX \
	JNZ row8

// TILE12 is the loop of a tile of 12 rows × two panels: PANELS loads the
// panels' values at this step, DOT4 adds four rows' products to their
// accumulators (two per row: Z0–Z23), NEXT moves the panels on and loops
// back to label loop. The rows come from SI, R10 (SI + 4 rows) and R11
// (SI + 8 rows), R8 bytes apart, four bytes a step.
#define TILE12(PANELS, DOT4, NEXT) \
	LEAQ (SI)(R8*4), R10 \
	LEAQ (R10)(R8*4), R11 \
loop: \
	PANELS \
	DOT4(SI, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7) \
	DOT4(R10, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15) \
	DOT4(R11, Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23) \
	ADDQ $4, SI \
	ADDQ $4, R10 \
	ADDQ $4, R11 \
	NEXT

// TILE8 is TILE12 for eight rows (Z0–Z15): the rows from SI and R10.
#define TILE8(PANELS, DOT4, NEXT) \
	LEAQ (SI)(R8*4), R10 \
loop: \
	PANELS \
	DOT4(SI, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7) \
	DOT4(R10, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15) \
	ADDQ $4, SI \
	ADDQ $4, R10 \
	NEXT

// TILE4 is TILE12 for four rows (Z0–Z7).
#define TILE4(PANELS, DOT4, NEXT) \
loop: \
	PANELS \
	DOT4(SI, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7) \
	ADDQ $4, SI \
	NEXT

// TILEARGS loads the arguments of the tile kernels, (k, a, b, pstride, c,
// ldc, …) with k the steps (inputs, or groups of four int8 inputs), each
// four bytes of a row of a: CX k, SI a, R8 its row stride in bytes, R14
// three strides, DI the first panel, BX the panel stride in bytes, R13 the
// panels after the tile's (prefetched), DX c, R9 its row stride in bytes.
#define TILEARGS \
	MOVQ k+0(FP), CX \
	MOVQ a+8(FP), SI \
	MOVQ CX, R8 \
	SHLQ $2, R8 \
	LEAQ (R8)(R8*2), R14 \
	MOVQ b+16(FP), DI \
	MOVQ pstride+24(FP), BX \
	LEAQ (DI)(BX*2), R13 \
	MOVQ c+32(FP), DX \
	MOVQ ldc+40(FP), R9 \
	SHLQ $2, R9

// DOT4x2 adds four rows' products with the two panels in Z28 and Z29 to
// their accumulators (A0, A1 for the first row, …): BCAST broadcasts a
// row's four bytes at this step, OP multiplies and adds. The rows come
// from RB: (RB), (RB)(R8*1), (RB)(R8*2), (RB)(R14*1).
#define DOT4x2(BCAST, OP, RB, A0, A1, A2, A3, A4, A5, A6, A7) \
	BCAST (RB), Z30 \
	OP Z28, Z30, A0 \
	OP Z29, Z30, A1 \
	BCAST (RB)(R8*1), Z31 \
	OP Z28, Z31, A2 \
	OP Z29, Z31, A3 \
	BCAST (RB)(R8*2), Z30 \
	OP Z28, Z30, A4 \
	OP Z29, Z30, A5 \
	BCAST (RB)(R14*1), Z31 \
	OP Z28, Z31, A6 \
	OP Z29, Z31, A7
