# exit with r0 never written.
	exit
