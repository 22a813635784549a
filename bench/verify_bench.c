/* SPDX-License-Identifier: MIT */
/*
 * Verifier benchmark: verify every program of the corpus objects N times
 * with bpfrt and load the same programs N times into the kernel (libbpf,
 * one program per load), printing both times and the ratio.
 *
 *     cc -O2 -Iinclude -Isrc bench/verify_bench.c build/libbpfrt.a \
 *        -lbpf -lelf -lz -lpthread -lm -o build/verify_bench
 *     build/verify_bench [CORPUS_DIR=build/corpus] [N=20]
 */
#include <bpf/libbpf.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpfrt/bpfrt.h"
#include "loader/loader.h"
#include "verifier/verifier.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int quiet(enum bpfrt_print_level l, const char *f, va_list a) { return 0; }
static int lquiet(enum libbpf_print_level l, const char *f, va_list a) { return 0; }

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "build/corpus";
	int n = argc > 2 ? atoi(argv[2]) : 20;
	bpfrt_set_print(quiet);
	libbpf_set_print(lquiet);
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return 2;
	}
	double t_ours = 0, t_kern = 0;
	unsigned progs = 0, kprogs = 0, insns = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strstr(e->d_name, ".bpf.o"))
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct bpfrt_object *obj = bpfrt_object__open_file(path, NULL);
		if (!obj || bpfrt__object_prepare(obj)) {
			bpfrt_object__close(obj);
			continue;
		}
		for (size_t i = 0; i < obj->prog_cnt; i++) {
			struct bpfrt_program *p = obj->progs[i];
			double best_ours = 1e9, best_kern = 1e9;
			int ok = 0;
			for (int r = 0; r < n; r++) {
				struct bpfrt_verifier_env_opts vo = { .sz = sizeof(vo) };
				double t0 = now();
				ok = bpfrt__verify_program(obj, p, &vo) == 0;
				double dt = now() - t0;
				if (dt < best_ours)
					best_ours = dt;
			}
			if (!ok)
				continue;	/* rejected programs are not compared */
			/* the kernel: open + load of this program alone */
			bool kok = true;
			for (int r = 0; r < n && kok; r++) {
				struct bpf_object *ko = bpf_object__open_file(path, NULL);
				if (!ko) {
					kok = false;
					break;
				}
				struct bpf_program *kp;
				bpf_object__for_each_program(kp, ko)
					bpf_program__set_autoload(kp, !strcmp(bpf_program__name(kp), p->name));
				double t0 = now();
				kok = bpf_object__load(ko) == 0;
				double dt = now() - t0;
				bpf_object__close(ko);
				if (dt < best_kern)
					best_kern = dt;
			}
			if (!kok)
				continue;
			progs++;
			kprogs++;
			insns += (unsigned)p->insn_cnt;
			t_ours += best_ours;
			t_kern += best_kern;
			printf("%-28s %-20s %5zu insns  bpfrt %8.1f us  kernel %8.1f us\n", e->d_name,
			       p->name, p->insn_cnt, best_ours * 1e6, best_kern * 1e6);
		}
		bpfrt_object__close(obj);
	}
	closedir(d);
	printf("total: %u programs, %u insns; bpfrt verify %.3f ms, kernel load %.3f ms "
	       "(best of %d each); ratio kernel/bpfrt %.2f\n",
	       progs, insns, t_ours * 1e3, t_kern * 1e3, n, t_ours > 0 ? t_kern / t_ours : 0.0);
	return kprogs ? 0 : 1;
}
