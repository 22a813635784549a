/* SPDX-License-Identifier: MIT */
/*
 * The one ISA table.  Every valid eBPF operation is one row; validity
 * (isa.c), interpreter dispatch (vm/interp_body.h), the assembler, the
 * disassembler and docs/isa.md (tools/gen_isa_doc.c) are all derived from it.
 *
 * Row: X(ID, CODE, MATCH, MVAL, MNEMONIC, FMT, CPU)
 *   ID        operation name; becomes BPFRT_OP_<ID>
 *   CODE      the opcode byte
 *   MATCH     which extra field tells rows with the same CODE apart:
 *             ISA_M_ANY (none), ISA_M_OFF, ISA_M_IMM or ISA_M_SRC
 *   MVAL      the value that field must have
 *   MNEMONIC  bpf_conformance assembler mnemonic
 *   FMT       operand format (ISA_F_*), which also says which fields are
 *             reserved and must be zero
 *   CPU       the -mcpu version that introduced it (1..4)
 */
#ifndef BPFRT_ISA_TABLE_H
#define BPFRT_ISA_TABLE_H

/* Four rows for one binary ALU op: 64/32 bit x imm/reg.  off = MV (0, or 1
 * for the signed div/mod variants). */
#define ISA_ALU_ROWS(X, NAME, OP, MNEM, M, MV, CPU)				\
	X(NAME##64_K, 0x07 | (OP), M, MV, MNEM, ISA_F_ALU_K, CPU)		\
	X(NAME##64_X, 0x0f | (OP), M, MV, MNEM, ISA_F_ALU_X, CPU)		\
	X(NAME##32_K, 0x04 | (OP), M, MV, MNEM "32", ISA_F_ALU_K, CPU)		\
	X(NAME##32_X, 0x0c | (OP), M, MV, MNEM "32", ISA_F_ALU_X, CPU)

/* Four rows for one conditional jump: 64/32 bit x imm/reg. */
#define ISA_JMP_ROWS(X, NAME, OP, MNEM, CPU64)					\
	X(NAME##_K, 0x05 | (OP), ISA_M_ANY, 0, MNEM, ISA_F_JMP_K, CPU64)	\
	X(NAME##_X, 0x0d | (OP), ISA_M_ANY, 0, MNEM, ISA_F_JMP_X, CPU64)	\
	X(NAME##32_K, 0x06 | (OP), ISA_M_ANY, 0, MNEM "32", ISA_F_JMP_K, 3)	\
	X(NAME##32_X, 0x0e | (OP), ISA_M_ANY, 0, MNEM "32", ISA_F_JMP_X, 3)

/* Atomic rows for one operation (imm = AOP), 64 and 32 bit. */
#define ISA_ATOMIC_ROWS(X, NAME, AOP, MNEM, CPU)				\
	X(NAME##64, 0xdb, ISA_M_IMM, AOP, MNEM, ISA_F_ATOMIC, CPU)		\
	X(NAME##32, 0xc3, ISA_M_IMM, AOP, MNEM "32", ISA_F_ATOMIC, CPU)

#define BPFRT_ISA_TABLE(X)							\
	/* ---- ALU / ALU64 ---------------------------------------------- */	\
	ISA_ALU_ROWS(X, ADD, 0x00, "add", ISA_M_OFF, 0, 1)			\
	ISA_ALU_ROWS(X, SUB, 0x10, "sub", ISA_M_OFF, 0, 1)			\
	ISA_ALU_ROWS(X, MUL, 0x20, "mul", ISA_M_OFF, 0, 1)			\
	ISA_ALU_ROWS(X, DIV, 0x30, "div", ISA_M_OFF, 0, 1)			\
	ISA_ALU_ROWS(X, SDIV, 0x30, "sdiv", ISA_M_OFF, 1, 4)			\
	ISA_ALU_ROWS(X, OR, 0x40, "or", ISA_M_OFF, 0, 1)			\
	ISA_ALU_ROWS(X, AND, 0x50, "and", ISA_M_OFF, 0, 1)			\
	ISA_ALU_ROWS(X, LSH, 0x60, "lsh", ISA_M_OFF, 0, 1)			\
	ISA_ALU_ROWS(X, RSH, 0x70, "rsh", ISA_M_OFF, 0, 1)			\
	ISA_ALU_ROWS(X, MOD, 0x90, "mod", ISA_M_OFF, 0, 1)			\
	ISA_ALU_ROWS(X, SMOD, 0x90, "smod", ISA_M_OFF, 1, 4)			\
	ISA_ALU_ROWS(X, XOR, 0xa0, "xor", ISA_M_OFF, 0, 1)			\
	ISA_ALU_ROWS(X, MOV, 0xb0, "mov", ISA_M_OFF, 0, 1)			\
	ISA_ALU_ROWS(X, ARSH, 0xc0, "arsh", ISA_M_OFF, 0, 1)			\
	X(NEG64, 0x87, ISA_M_ANY, 0, "neg", ISA_F_NEG, 1)			\
	X(NEG32, 0x84, ISA_M_ANY, 0, "neg32", ISA_F_NEG, 1)			\
	X(MOVSX8_64, 0xbf, ISA_M_OFF, 8, "movsx864", ISA_F_ALU_X, 4)		\
	X(MOVSX16_64, 0xbf, ISA_M_OFF, 16, "movsx1664", ISA_F_ALU_X, 4)		\
	X(MOVSX32_64, 0xbf, ISA_M_OFF, 32, "movsx3264", ISA_F_ALU_X, 4)		\
	X(MOVSX8_32, 0xbc, ISA_M_OFF, 8, "movsx832", ISA_F_ALU_X, 4)		\
	X(MOVSX16_32, 0xbc, ISA_M_OFF, 16, "movsx1632", ISA_F_ALU_X, 4)		\
	X(LE16, 0xd4, ISA_M_IMM, 16, "le16", ISA_F_END, 1)			\
	X(LE32, 0xd4, ISA_M_IMM, 32, "le32", ISA_F_END, 1)			\
	X(LE64, 0xd4, ISA_M_IMM, 64, "le64", ISA_F_END, 1)			\
	X(BE16, 0xdc, ISA_M_IMM, 16, "be16", ISA_F_END, 1)			\
	X(BE32, 0xdc, ISA_M_IMM, 32, "be32", ISA_F_END, 1)			\
	X(BE64, 0xdc, ISA_M_IMM, 64, "be64", ISA_F_END, 1)			\
	X(BSWAP16, 0xd7, ISA_M_IMM, 16, "bswap16", ISA_F_END, 4)		\
	X(BSWAP32, 0xd7, ISA_M_IMM, 32, "bswap32", ISA_F_END, 4)		\
	X(BSWAP64, 0xd7, ISA_M_IMM, 64, "bswap64", ISA_F_END, 4)		\
	/* ---- LD: 64-bit immediates and legacy packet loads ------------ */	\
	X(LDDW, 0x18, ISA_M_SRC, 0, "lddw", ISA_F_LDDW, 1)			\
	X(LDDW_MAP_FD, 0x18, ISA_M_SRC, 1, "lddw", ISA_F_LDDW, 1)		\
	X(LDDW_MAP_VALUE, 0x18, ISA_M_SRC, 2, "lddw", ISA_F_LDDW, 1)		\
	X(LDDW_BTF_ID, 0x18, ISA_M_SRC, 3, "lddw", ISA_F_LDDW, 1)		\
	X(LDDW_FUNC, 0x18, ISA_M_SRC, 4, "lddw", ISA_F_LDDW, 1)			\
	X(LDDW_MAP_IDX, 0x18, ISA_M_SRC, 5, "lddw", ISA_F_LDDW, 1)		\
	X(LDDW_MAP_IDX_VALUE, 0x18, ISA_M_SRC, 6, "lddw", ISA_F_LDDW, 1)	\
	X(LDABSW, 0x20, ISA_M_ANY, 0, "ldabsw", ISA_F_LD_ABS, 1)		\
	X(LDABSH, 0x28, ISA_M_ANY, 0, "ldabsh", ISA_F_LD_ABS, 1)		\
	X(LDABSB, 0x30, ISA_M_ANY, 0, "ldabsb", ISA_F_LD_ABS, 1)		\
	X(LDINDW, 0x40, ISA_M_ANY, 0, "ldindw", ISA_F_LD_IND, 1)		\
	X(LDINDH, 0x48, ISA_M_ANY, 0, "ldindh", ISA_F_LD_IND, 1)		\
	X(LDINDB, 0x50, ISA_M_ANY, 0, "ldindb", ISA_F_LD_IND, 1)		\
	/* ---- LDX / ST / STX ------------------------------------------- */	\
	X(LDXW, 0x61, ISA_M_ANY, 0, "ldxw", ISA_F_LDX, 1)			\
	X(LDXH, 0x69, ISA_M_ANY, 0, "ldxh", ISA_F_LDX, 1)			\
	X(LDXB, 0x71, ISA_M_ANY, 0, "ldxb", ISA_F_LDX, 1)			\
	X(LDXDW, 0x79, ISA_M_ANY, 0, "ldxdw", ISA_F_LDX, 1)			\
	X(LDXSW, 0x81, ISA_M_ANY, 0, "ldxsw", ISA_F_LDX, 4)			\
	X(LDXSH, 0x89, ISA_M_ANY, 0, "ldxsh", ISA_F_LDX, 4)			\
	X(LDXSB, 0x91, ISA_M_ANY, 0, "ldxsb", ISA_F_LDX, 4)			\
	X(STW, 0x62, ISA_M_ANY, 0, "stw", ISA_F_ST, 1)				\
	X(STH, 0x6a, ISA_M_ANY, 0, "sth", ISA_F_ST, 1)				\
	X(STB, 0x72, ISA_M_ANY, 0, "stb", ISA_F_ST, 1)				\
	X(STDW, 0x7a, ISA_M_ANY, 0, "stdw", ISA_F_ST, 1)			\
	X(STXW, 0x63, ISA_M_ANY, 0, "stxw", ISA_F_STX, 1)			\
	X(STXH, 0x6b, ISA_M_ANY, 0, "stxh", ISA_F_STX, 1)			\
	X(STXB, 0x73, ISA_M_ANY, 0, "stxb", ISA_F_STX, 1)			\
	X(STXDW, 0x7b, ISA_M_ANY, 0, "stxdw", ISA_F_STX, 1)			\
	/* ---- atomics (STX | ATOMIC, operation in imm) ----------------- */	\
	ISA_ATOMIC_ROWS(X, AADD, 0x00, "add", 1)				\
	ISA_ATOMIC_ROWS(X, AOR, 0x40, "or", 3)					\
	ISA_ATOMIC_ROWS(X, AAND, 0x50, "and", 3)				\
	ISA_ATOMIC_ROWS(X, AXOR, 0xa0, "xor", 3)				\
	ISA_ATOMIC_ROWS(X, AFADD, 0x01, "fetch add", 3)				\
	ISA_ATOMIC_ROWS(X, AFOR, 0x41, "fetch or", 3)				\
	ISA_ATOMIC_ROWS(X, AFAND, 0x51, "fetch and", 3)				\
	ISA_ATOMIC_ROWS(X, AFXOR, 0xa1, "fetch xor", 3)				\
	ISA_ATOMIC_ROWS(X, AXCHG, 0xe1, "xchg", 3)				\
	ISA_ATOMIC_ROWS(X, ACMPXCHG, 0xf1, "cmpxchg", 3)			\
	/* ---- JMP / JMP32 ---------------------------------------------- */	\
	X(JA, 0x05, ISA_M_ANY, 0, "ja", ISA_F_JA, 1)				\
	X(JA32, 0x06, ISA_M_ANY, 0, "ja32", ISA_F_JA32, 4)			\
	ISA_JMP_ROWS(X, JEQ, 0x10, "jeq", 1)					\
	ISA_JMP_ROWS(X, JGT, 0x20, "jgt", 1)					\
	ISA_JMP_ROWS(X, JGE, 0x30, "jge", 1)					\
	ISA_JMP_ROWS(X, JSET, 0x40, "jset", 1)					\
	ISA_JMP_ROWS(X, JNE, 0x50, "jne", 1)					\
	ISA_JMP_ROWS(X, JSGT, 0x60, "jsgt", 1)					\
	ISA_JMP_ROWS(X, JSGE, 0x70, "jsge", 1)					\
	ISA_JMP_ROWS(X, JLT, 0xa0, "jlt", 2)					\
	ISA_JMP_ROWS(X, JLE, 0xb0, "jle", 2)					\
	ISA_JMP_ROWS(X, JSLT, 0xc0, "jslt", 2)					\
	ISA_JMP_ROWS(X, JSLE, 0xd0, "jsle", 2)					\
	X(CALL, 0x85, ISA_M_SRC, 0, "call", ISA_F_CALL, 1)			\
	X(CALL_LOCAL, 0x85, ISA_M_SRC, 1, "call local", ISA_F_CALL, 1)		\
	X(CALL_KFUNC, 0x85, ISA_M_SRC, 2, "call kfunc", ISA_F_CALL, 1)		\
	X(CALLX, 0x8d, ISA_M_ANY, 0, "call", ISA_F_CALLX, 1)			\
	X(EXIT, 0x95, ISA_M_ANY, 0, "exit", ISA_F_EXIT, 1)

#endif /* BPFRT_ISA_TABLE_H */
