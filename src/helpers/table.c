/* SPDX-License-Identifier: MIT */
/* Which helpers each program type gets.  Helper families register here as
 * they are implemented. */
#include "helpers.h"

const struct bpfrt_helper_def *bpfrt__helpers_for_type(enum bpfrt_prog_type type,
							size_t *cnt)
{
	(void)type;
	*cnt = 0;
	return NULL;
}

const char *bpfrt__kernel_helper_name(unsigned int id)
{
	(void)id;
	return NULL;
}
