# A jump into the second slot of a reachable lddw.
	jeq %r1, 0, +1
	lddw %r0, 0x100000001
	exit
