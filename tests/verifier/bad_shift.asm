# A shift by the register width.
	mov %r0, 1
	lsh %r0, 64
	exit
