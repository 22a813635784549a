# Arithmetic on data_end.
	ldxw %r2, [%r1+4]
	add %r2, -4
	mov %r0, 0
	exit
