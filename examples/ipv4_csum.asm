# ipv4_csum.asm - verify the IPv4 header checksum of an Ethernet frame.
#
# In:  r1 = Ethernet frame, r2 = its length.
# Out: r0 = 0 when the header checksum is correct, otherwise the non-zero
#      one's-complement residue; 0x10000 (not a possible residue) when the
#      frame is too short to hold the header.
#
# RFC 1071: the one's-complement sum of all 16-bit words of a valid header,
# checksum field included, is 0xffff, so its complement is 0.  The loop sums
# into a 64-bit register and folds the carries once at the end, which is
# what makes the one's-complement sum cheap on a 64-bit machine.

        mov %r6, %r1
        mov %r7, %r1
        add %r7, %r2            # r7 = data_end
        mov %r3, %r6
        add %r3, 34             # Ethernet + minimal IPv4 header
        jgt %r3, %r7, short
        ldxb %r4, [%r6+14]
        and %r4, 0x0f
        lsh %r4, 2              # header length in bytes (IHL * 4)
        jlt %r4, 20, short
        mov %r3, %r6
        add %r3, 14             # r3 = cursor at the IPv4 header
        mov %r5, %r3
        add %r5, %r4            # r5 = end of the header
        jgt %r5, %r7, short

        mov %r0, 0
loop:
        jge %r3, %r5, fold
        ldxh %r4, [%r3+0]
        be16 %r4                # the sum is defined on network-order words
        add %r0, %r4
        add %r3, 2
        ja loop

fold:
        # At most 30 words of 16 bits: the sum fits in 21 bits, so two
        # folds of the carries are always enough.
        mov %r4, %r0
        rsh %r4, 16
        and %r0, 0xffff
        add %r0, %r4
        mov %r4, %r0
        rsh %r4, 16
        and %r0, 0xffff
        add %r0, %r4
        xor %r0, 0xffff         # one's complement of the 16-bit sum
        exit

short:
        mov %r0, 0x10000
        exit
