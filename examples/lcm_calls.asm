# lcm_calls.asm - least common multiple of an array of u32, with local calls.
#
# In:  r1 = array of little-endian u32, r2 = its length in bytes.
# Out: r0 = lcm of all elements (1 for an empty array, 0 if any is 0).
#
# Shows the eBPF calling convention for bpf-to-bpf calls: arguments in r1-r5,
# result in r0, r1-r5 clobbered by the callee, r6-r9 preserved for the
# caller (each frame has its own copy), so main keeps its loop state in r6-r8
# and lcm may use r6/r7 as well.  Call depth here is 3 frames: main -> lcm ->
# gcd.

        mov %r6, %r1            # r6 = cursor
        mov %r7, %r1
        add %r7, %r2            # r7 = end
        mov %r8, 1              # r8 = running lcm
next:
        mov %r3, %r6
        add %r3, 4
        jgt %r3, %r7, done      # fewer than 4 bytes left
        mov %r1, %r8
        ldxw %r2, [%r6+0]
        call local lcm
        mov %r8, %r0
        add %r6, 4
        ja next
done:
        mov %r0, %r8
        exit

# lcm(a, b) = a / gcd(a, b) * b; dividing first keeps the product small.
lcm:
        mov %r6, %r1
        mov %r7, %r2
        mov %r0, 0
        jeq %r7, 0, lcm_out     # lcm(a, 0) = 0, and avoids gcd(0, 0)
        call local gcd          # r1, r2 still hold a, b
        mov %r1, %r6
        div %r1, %r0
        mul %r1, %r7
        mov %r0, %r1
lcm_out:
        exit

# gcd(a, b), Euclid's algorithm.
gcd:
        jeq %r2, 0, gcd_out
        mov %r3, %r1
        mod %r3, %r2
        mov %r1, %r2
        mov %r2, %r3
        ja gcd
gcd_out:
        mov %r0, %r1
        exit
