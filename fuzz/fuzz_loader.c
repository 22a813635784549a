/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the ELF loader: the input is an object file.
 * Whatever the bytes, bpfrt_object__open_mem() and bpfrt_object__load()
 * must return (an object or an error with a message), never crash, leak or
 * hang.  Seed it with the compiled objects in build/corpus.
 *
 * Half the inputs resolve CO-RE relocations against the running kernel's
 * BTF (when there is one), the others against a target BTF path that does
 * not exist, which must fail cleanly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "loader/loader.h"

static int quiet(enum bpfrt_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char btf_path[64];	/* never created */
	static char log[1024];
	if (!btf_path[0]) {
		bpfrt_set_print(quiet);
		snprintf(btf_path, sizeof(btf_path), "/tmp/bpfrt-fuzz-loader-%d.btf", (int)getpid());
	}
	bool vmlinux = size && (data[size - 1] & 1) && access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log),
		   .object_name = "fuzz.o",
		   .btf_custom_path = vmlinux ? NULL : btf_path,
		   .default_prog_type = (size & 2) ? BPFRT_PROG_TYPE_SOCKET_FILTER
						   : BPFRT_PROG_TYPE_UNSPEC);
	struct bpfrt_object *obj = bpfrt_object__open_mem(data, size, &oo);
	if (!obj) {
		if (!log[0])
			abort();	/* every failure must say why */
		return 0;
	}
	for (struct bpfrt_program *p = bpfrt_object__next_program(obj, NULL); p;
	     p = bpfrt_object__next_program(obj, p)) {
		(void)bpfrt_program__source_line(p, 0, NULL);
		(void)bpfrt_program__insn_cnt(p);
	}
	/* Creating a map of a fuzzed size is the maps' business (and may
	 * legitimately ask for gigabytes, as in the kernel): load only
	 * objects whose maps stay small. */
	bool small = true;
	for (size_t i = 0; i < obj->map_cnt; i++) {
		const struct lmap *m = obj->maps[i];
		const struct lmap *in = m->inner;
		uint64_t sz = (uint64_t)m->max_entries * ((uint64_t)m->key_size + m->value_size + 8);
		if (in)
			sz += (uint64_t)in->max_entries * ((uint64_t)in->key_size + in->value_size + 8);
		if (sz > (16u << 20) || m->max_entries > (1u << 20) || (in && in->max_entries > (1u << 20)))
			small = false;
	}
	if (small)
		bpfrt_object__load(obj);
	for (struct bpfrt_program *p = bpfrt_object__next_program(obj, NULL); p;
	     p = bpfrt_object__next_program(obj, p)) {
		size_t n = bpfrt_program__insn_cnt(p);
		if (n)
			(void)bpfrt_program__source_line(p, n - 1, NULL);
	}
	bpfrt_object__close(obj);
	return 0;
}
