# fnv1a.asm - 32-bit FNV-1a hash of the whole memory region.
#
# In:  r1 = data, r2 = length.   Out: r0 = FNV-1a-32 of the bytes.
#
# For each byte: hash ^= byte; hash *= 16777619 (mod 2^32).  The 32-bit ALU
# ops (xor32, mul32) give the mod 2^32 for free, as they zero the upper half
# of the register.  The offset basis 0x811c9dc5 does not fit a signed 32-bit
# immediate, hence lddw.

        lddw %r0, 0x811c9dc5    # FNV offset basis
        mov %r3, %r1            # r3 = cursor
        add %r2, %r1            # r2 = end
loop:
        jge %r3, %r2, done
        ldxb %r4, [%r3+0]
        xor32 %r0, %r4
        mul32 %r0, 16777619     # FNV prime 0x01000193
        add %r3, 1
        ja loop
done:
        exit
