# r5 is never written.
	mov %r0, %r5
	exit
