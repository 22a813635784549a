# Every comparison form and operand order of a packet bounds check.
	ldxw %r2, [%r1+0]
	ldxw %r3, [%r1+4]
	mov %r4, %r2
	add %r4, 8
	jgt %r4, %r3, out
	ldxdw %r0, [%r2+0]
	mov %r4, %r2
	add %r4, 8
	jlt %r3, %r4, out
	ldxdw %r0, [%r2+0]
	mov %r4, %r2
	add %r4, 8
	jle %r4, %r3, ok1
	ja out
ok1:
	ldxdw %r0, [%r2+0]
	mov %r4, %r2
	add %r4, 7
	jge %r4, %r3, out
	ldxdw %r0, [%r2+0]
	mov %r4, %r2
	add %r4, 8
	jge %r3, %r4, ok2
	ja out
ok2:
	ldxdw %r0, [%r2+0]
	mov %r4, %r2
	add %r4, 7
	jlt %r4, %r3, ok3
	ja out
ok3:
	ldxdw %r0, [%r2+0]
out:
	mov %r0, 2
	exit
