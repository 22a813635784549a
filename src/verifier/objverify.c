/* SPDX-License-Identifier: MIT */
/* Verifying the programs of an ELF object: the loader's view handed over. */
#include <errno.h>
#include <stdlib.h>

#include "loader/loader.h"
#include "verifier.h"

static const char *line_of(void *arg, size_t idx)
{
	return bpfrt_program__source_line(arg, idx, NULL);
}

int bpfrt__verify_program(struct bpfrt_object *obj, struct bpfrt_program *prog,
			  struct bpfrt_verifier_env_opts *o)
{
	if (!prog->linked || !prog->insns)
		return -EINVAL;
	struct bpfrt_map **maps = calloc(obj->map_cnt ? obj->map_cnt : 1, sizeof(*maps));
	uint32_t *funcs = calloc(prog->func_cnt ? prog->func_cnt : 1, sizeof(*funcs));
	if (!maps || !funcs) {
		free(maps);
		free(funcs);
		return -ENOMEM;
	}
	for (size_t i = 0; i < obj->map_cnt; i++)
		maps[i] = obj->maps[i]->map;
	for (size_t i = 0; i < prog->func_cnt; i++)
		funcs[i] = prog->funcs[i].insn;
	o->insns = prog->insns;
	o->cnt = prog->insn_cnt;
	o->prog_type = prog->type;
	o->maps = (struct bpfrt_map *const *)maps;
	o->map_cnt = obj->map_cnt;
	o->func_starts = funcs;
	o->func_cnt = prog->func_cnt;
	o->line_fn = line_of;
	o->line_arg = prog;
	int err = bpfrt__verify(o);
	o->maps = NULL;
	o->func_starts = NULL;
	free(maps);
	free(funcs);
	return err;
}
