# At r10 itself: above the frame.
	ldxdw %r0, [%r10+0]
	exit
