# Reads a stack slot nothing wrote (an unprivileged loader may not).
	ldxdw %r0, [%r10-8]
	exit
