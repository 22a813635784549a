# classifier.asm - a toy DNS firewall in the style of an XDP program.
#
# In:  r1 = start of an Ethernet frame, r2 = its length in bytes.
# Out: r0 = verdict, using XDP's numbering:
#        0  ABORTED  the frame is malformed or truncated
#        1  DROP     IPv4 + UDP to port 53 (a DNS query)
#        2  PASS     anything else
#
# Every load is preceded by a bounds check against data_end, exactly as the
# kernel verifier would demand for packet pointers: the frame length comes
# from outside and a short frame must give ABORTED, not a fault.
# The IPv4 header length is variable (IHL), so the UDP header offset is
# computed at run time.

        mov %r6, %r1            # r6 = data
        mov %r7, %r1
        add %r7, %r2            # r7 = data_end

        # Ethernet: 14 bytes, EtherType at offset 12 (big-endian).
        mov %r3, %r6
        add %r3, 14
        jgt %r3, %r7, aborted
        ldxh %r4, [%r6+12]
        be16 %r4
        jne %r4, 0x0800, pass   # not IPv4: not our business

        # IPv4: at least 20 bytes from offset 14.
        mov %r3, %r6
        add %r3, 34
        jgt %r3, %r7, aborted
        ldxb %r4, [%r6+14]      # version (high nibble) and IHL (low nibble)
        mov %r5, %r4
        rsh %r5, 4
        jne %r5, 4, aborted     # version must be 4
        and %r4, 0x0f
        jlt %r4, 5, aborted     # IHL below 5 words is malformed
        lsh %r4, 2              # r4 = IPv4 header length in bytes
        ldxb %r5, [%r6+23]      # protocol
        jne %r5, 17, pass       # not UDP

        # UDP: 8 bytes right after the IPv4 header (and its options).
        mov %r3, %r6
        add %r3, 14
        add %r3, %r4            # r3 = UDP header
        mov %r5, %r3
        add %r5, 8
        jgt %r5, %r7, aborted
        ldxh %r4, [%r3+2]       # destination port
        be16 %r4
        jeq %r4, 53, drop

pass:
        mov %r0, 2
        exit
drop:
        mov %r0, 1
        exit
aborted:
        mov %r0, 0
        exit
