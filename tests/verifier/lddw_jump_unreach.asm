# A jump over lddw into its second slot: lddw itself is unreachable.
	ja +1
	lddw %r0, 0x100000001
	exit
