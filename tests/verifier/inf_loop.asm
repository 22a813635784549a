# A loop that never ends: nothing changes between iterations.
	mov %r0, 0
loop:
	jeq %r0, 0, loop
	exit
