# A sign-extending load of a scalar context field.
	ldxsw %r0, [%r1+12]
	exit
