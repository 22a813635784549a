# A null check on one copy of a pointer makes every copy non-null; a
# 32-bit spill and fill keeps its bounds.
	stw [%r10-4], 0
	mov %r6, %r1
	lddw %r1, map_idx 0
	mov %r2, %r10
	add %r2, -4
	call 1
	mov %r7, %r0
	jeq %r0, 0, out
	ldxdw %r0, [%r7+0]
	and32 %r0, 7
	stxw [%r10-8], %r0
	ldxw %r3, [%r10-8]
	mov %r4, %r7
	add %r4, %r3
	ldxb %r0, [%r4+0]
out:
	mov %r0, 0
	exit
