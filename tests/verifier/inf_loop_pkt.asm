# Found by fuzz_verifier: reloading the same packet field never ends the loop.
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 14
	jgt %r4, %r3, out
again:
	ldxh %r0, [%r2+12]
	jne %r0, 8, again
	mov %r0, 1
	exit
out:
	mov %r0, 2
	exit
