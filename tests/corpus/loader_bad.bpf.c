// SPDX-License-Identifier: GPL-2.0
/* References a variable no one defines: the loader must name the symbol,
 * the section, the offset and the source line. */
#include "bpfrt_test.h"

extern int not_defined_anywhere;

SEC("xdp")
int uses_extern(struct xdp_md *ctx)
{
	return not_defined_anywhere + XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
