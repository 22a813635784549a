/* SPDX-License-Identifier: MIT */
/*
 * popcount.c - count the set bits of the memory region; the ELF example.
 *
 * Build: clang -O2 -target bpf -c examples/popcount.c -o popcount.o
 * Run:   build/bpfrt run popcount.o --mem examples/data/quote.txt
 *
 * The runtime calls the program with r1 = memory, r2 = its length, which is
 * the C signature below.  No globals, maps or out-of-line calls, so the
 * object has no relocations and runs without a full ELF loader.
 */
__attribute__((section("prog"), used))
unsigned long popcount(const unsigned char *data, unsigned long len)
{
	unsigned long n = 0;

	for (unsigned long i = 0; i < len; i++) {
		/* Kernighan's trick: each step clears the lowest set bit. */
		for (unsigned char b = data[i]; b; b &= b - 1)
			n++;
	}
	return n;
}
