# Returns the packet pointer: a privileged loader may (the value leaves the
# program as a number), an unprivileged one may not.
ldxw %r0, [%r1+0]
exit
