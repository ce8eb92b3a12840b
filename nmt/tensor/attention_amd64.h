// Macros of the attention kernels, shared by kernel_amd64.s (rows evenly
// spaced) and gather_amd64.s (rows found through offsets), so that both
// compute the same sums in the same order.

// DOT4 sets four floats at DI to the dot products of the query at SI with
// the rows at RA, RB, RC and RD, R9 bytes long, and moves DI past them.
#define DOT4(RA, RB, RC, RD) \
	VXORPS Y0, Y0, Y0 \
	VXORPS Y1, Y1, Y1 \
	VXORPS Y2, Y2, Y2 \
	VXORPS Y3, Y3, Y3 \
	XORQ AX, AX \
dot4k: \
	VMOVUPS (SI)(AX*1), Y4 \
	VFMADD231PS (RA)(AX*1), Y4, Y0 \
	VFMADD231PS (RB)(AX*1), Y4, Y1 \
	VFMADD231PS (RC)(AX*1), Y4, Y2 \
	VFMADD231PS (RD)(AX*1), Y4, Y3 \
	ADDQ $32, AX \
	CMPQ AX, R9 \
	JL dot4k \
	VHADDPS Y1, Y0, Y0 \
	VHADDPS Y3, Y2, Y2 \
	VHADDPS Y2, Y0, Y0 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS X1, X0, X0 \
	VMOVUPS X0, (DI) \
	ADDQ $16, DI

// DOT1 is DOT4 for the one row at RA.
#define DOT1(RA) \
	VXORPS Y0, Y0, Y0 \
	XORQ AX, AX \
dot1k: \
	VMOVUPS (SI)(AX*1), Y4 \
	VFMADD231PS (RA)(AX*1), Y4, Y0 \
	ADDQ $32, AX \
	CMPQ AX, R9 \
	JL dot1k \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS X1, X0, X0 \
	VHADDPS X0, X0, X0 \
	VHADDPS X0, X0, X0 \
	VMOVSS X0, (DI) \
	ADDQ $4, DI

// SUM64START clears the eight accumulators Y0–Y7 of 64 outputs.
#define SUM64START \
	VXORPS Y0, Y0, Y0 \
	VXORPS Y1, Y1, Y1 \
	VXORPS Y2, Y2, Y2 \
	VXORPS Y3, Y3, Y3 \
	VXORPS Y4, Y4, Y4 \
	VXORPS Y5, Y5, Y5 \
	VXORPS Y6, Y6, Y6 \
	VXORPS Y7, Y7, Y7

// SUM64 adds the weight at SI times the 64 values at R to Y0–Y7 and moves
// SI to the next weight.
#define SUM64(R) \
	VBROADCASTSS (SI), Y8 \
	VFMADD231PS (R), Y8, Y0 \
	VFMADD231PS 32(R), Y8, Y1 \
	VFMADD231PS 64(R), Y8, Y2 \
	VFMADD231PS 96(R), Y8, Y3 \
	VFMADD231PS 128(R), Y8, Y4 \
	VFMADD231PS 160(R), Y8, Y5 \
	VFMADD231PS 192(R), Y8, Y6 \
	VFMADD231PS 224(R), Y8, Y7 \
	ADDQ $4, SI

// SUM64END stores Y0–Y7 at DI and returns.
#define SUM64END \
	VMOVUPS Y0, (DI) \
	VMOVUPS Y1, 32(DI) \
	VMOVUPS Y2, 64(DI) \
	VMOVUPS Y3, 96(DI) \
	VMOVUPS Y4, 128(DI) \
	VMOVUPS Y5, 160(DI) \
	VMOVUPS Y6, 192(DI) \
	VMOVUPS Y7, 224(DI) \
	VZEROUPPER \
	RET

// SUM8PAIR adds two weights at SI times the eight values at RA and at RB
// to Y0 (even rows) and Y1 (odd rows), and moves SI on.
#define SUM8PAIR(RA, RB) \
	VBROADCASTSS (SI), Y8 \
	VBROADCASTSS 4(SI), Y9 \
	VFMADD231PS (RA), Y8, Y0 \
	VFMADD231PS (RB), Y9, Y1 \
	ADDQ $8, SI

// SUM8LAST adds the last weight at SI times the eight values at RA to Y0.
#define SUM8LAST(RA) \
	VBROADCASTSS (SI), Y8 \
	VFMADD231PS (RA), Y8, Y0

// SUM8END stores Y0 + Y1 at DI and returns.
#define SUM8END \
	VADDPS Y1, Y0, Y0 \
	VMOVUPS Y0, (DI) \
	VZEROUPPER \
	RET
