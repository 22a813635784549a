# A callee leaves a pointer to its own (dead) stack frame in the caller's stack.
	stdw [%r10-8], 0
	mov %r1, %r10
	add %r1, -8
	call local f
	ldxdw %r2, [%r10-8]
	ldxdw %r0, [%r2+0]
	exit
f:
	mov %r2, %r10
	add %r2, -16
	stdw [%r2+0], 5
	stxdw [%r1+0], %r2
	mov %r0, 0
	exit
