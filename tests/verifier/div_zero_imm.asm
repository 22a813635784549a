# Division by an immediate 0.
	mov %r0, 1
	div %r0, 0
	exit
