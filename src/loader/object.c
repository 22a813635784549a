/* SPDX-License-Identifier: MIT */
/* The public object API: open, load, inspect, close; and the messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "core/common.h"
#include "helpers/helpers.h"
#include "loader.h"
#include "vm/vm.h"

/* "file.c:42: source text" for a line record; false when BTF lacks it. */
static bool fmt_line(const struct btf *btf, const struct line_rec *l, char *buf, size_t size)
{
	if (!btf || !l)
		return false;
	const char *file = btf__name_by_offset(btf, l->file_off);
	const char *text = btf__name_by_offset(btf, l->line_off);
	if (!file || !*file)
		return false;
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	while (text && (*text == ' ' || *text == '\t'))
		text++;
	snprintf(buf, size, "%s:%u: %s", base, l->line_col >> 10, text ? text : "");
	return true;
}

static void vreport(struct bpfrt_object *obj, const char *where, const char *suffix,
		    const char *fmt, va_list ap)
{
	char msg[768];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	pr_warn("%s%s%s\n", where, msg, suffix);
	if (!obj->logged && obj->log_buf && obj->log_size) {
		snprintf(obj->log_buf, obj->log_size, "%s%s%s", where, msg, suffix);
		obj->logged = true;
	}
}

void lo_err(struct bpfrt_object *obj, uint32_t sec, size_t insn, const char *fmt, ...)
{
	char where[320], src[320], suffix[340] = "";
	const struct lsec *s = sec < obj->sec_cnt ? &obj->secs[sec] : NULL;
	if (!s) {
		snprintf(where, sizeof(where), "%s: ", obj->file);
	} else if (insn == SIZE_MAX) {
		snprintf(where, sizeof(where), "%s: section '%s': ", obj->file, s->name);
	} else {
		const struct line_rec *l = lo_line_for(s->lines, s->line_cnt, insn);
		snprintf(where, sizeof(where), "%s: section '%s' offset 0x%zx (insn %zu): ",
			 obj->file, s->name, insn * 8, insn);
		if (fmt_line(obj->btf, l, src, sizeof(src)))
			snprintf(suffix, sizeof(suffix), " [%s]", src);
	}
	va_list ap;
	va_start(ap, fmt);
	vreport(obj, where, suffix, fmt, ap);
	va_end(ap);
}

void lo_err_off(struct bpfrt_object *obj, uint32_t sec, uint64_t off, const char *fmt, ...)
{
	char where[320];
	const struct lsec *s = sec < obj->sec_cnt ? &obj->secs[sec] : NULL;
	if (s)
		snprintf(where, sizeof(where), "%s: section '%s' offset 0x%llx: ", obj->file,
			 s->name, (unsigned long long)off);
	else
		snprintf(where, sizeof(where), "%s: ", obj->file);
	va_list ap;
	va_start(ap, fmt);
	vreport(obj, where, "", fmt, ap);
	va_end(ap);
}

BPFRT_API void bpfrt_object__close(struct bpfrt_object *obj)
{
	if (!obj)
		return;
	for (size_t i = 0; i < obj->prog_cnt; i++) {
		struct bpfrt_program *p = obj->progs[i];
		bpfrt_prog__free(p->prog);
		free(p->name);
		free(p->insns);
		free(p->lines);
		free(p->funcs);
		free(p->src_buf);
		free(p);
	}
	free(obj->progs);
	for (size_t i = 0; i < obj->map_cnt; i++)
		lo_map_free(obj->maps[i]);
	free(obj->maps);
	for (size_t i = 0; i < obj->sec_cnt; i++) {
		struct lsec *s = &obj->secs[i];
		free(s->name);
		free(s->work);
		free(s->rels);
		free(s->rel_at);
		free(s->lines);
		free(s->funcs);
		free(s->cores);
	}
	free(obj->secs);
	free(obj->syms);
	free(obj->strtab);
	free(obj->funcs);
	btf__free(obj->btf);
	btf__free(obj->target_btf);
	free(obj->buf);
	free(obj->name);
	free(obj->file);
	free(obj->data_pfx);
	free(obj->btf_custom_path);
	free(obj);
}

static struct bpfrt_object *open_common(uint8_t *buf, size_t size, const char *label,
					 const struct bpfrt_object_open_opts *opts)
{
	struct bpfrt_object *obj = calloc(1, sizeof(*obj));
	if (!obj) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	obj->buf = buf;
	obj->buf_size = size;
	obj->log_buf = OPTS_GET(opts, log_buf, NULL);
	obj->log_size = OPTS_GET(opts, log_size, 0);
	if (obj->log_buf && obj->log_size)
		obj->log_buf[0] = 0;
	obj->default_prog_type = OPTS_GET(opts, default_prog_type, BPFRT_PROG_TYPE_UNSPEC);
	obj->no_verify = OPTS_GET(opts, no_verify, false);
	const char *cp = OPTS_GET(opts, btf_custom_path, NULL);
	const char *oname = OPTS_GET(opts, object_name, NULL);

	/* label: the file's base name; the object name drops ".o". */
	const char *base = strrchr(label, '/');
	base = base ? base + 1 : label;
	obj->file = strdup(oname && !strcmp(label, "(memory)") ? oname : base);
	if (oname) {
		obj->name = strdup(oname);
	} else {
		size_t n = strlen(base);
		if (n > 2 && !strcmp(base + n - 2, ".o"))
			n -= 2;
		obj->name = strndup(base, n);
	}
	if (obj->name)
		obj->data_pfx = strndup(obj->name, strcspn(obj->name, "."));
	if (cp)
		obj->btf_custom_path = strdup(cp);
	if (!obj->file || !obj->name || !obj->data_pfx || (cp && !obj->btf_custom_path)) {
		bpfrt_object__close(obj);
		errno = ENOMEM;
		return NULL;
	}
	int err = lo_elf_parse(obj);
	if (!err)
		err = lo_btf_ext_parse(obj);
	if (!err)
		err = lo_maps_collect(obj);
	if (err) {
		bpfrt_object__close(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

BPFRT_API struct bpfrt_object *
bpfrt_object__open_mem(const void *data, size_t size, const struct bpfrt_object_open_opts *opts)
{
	if (!data && size) {
		errno = EINVAL;
		return NULL;
	}
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf) {
		errno = ENOMEM;
		return NULL;
	}
	if (size)
		memcpy(buf, data, size);
	return open_common(buf, size, "(memory)", opts);
}

BPFRT_API struct bpfrt_object *
bpfrt_object__open_file(const char *path, const struct bpfrt_object_open_opts *opts)
{
	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		char *lb = OPTS_GET(opts, log_buf, NULL);
		bpfrt_errf(lb, OPTS_GET(opts, log_size, 0), "%s: %s", path, strerror(e));
		pr_warn("%s: %s\n", path, strerror(e));
		errno = e;
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		uint8_t *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	bool ioerr = ferror(f);
	fclose(f);
	if (!buf || ioerr) {
		free(buf);
		errno = buf ? EIO : ENOMEM;
		return NULL;
	}
	return open_common(buf, n, path, opts);
}

int bpfrt__object_prepare(struct bpfrt_object *obj)
{
	if (!obj)
		return -EINVAL;
	if (obj->state == LOBJ_PREPARED)
		return 0;
	if (obj->state != LOBJ_OPENED) {
		lo_err(obj, UINT32_MAX, SIZE_MAX, "object already loaded (or failed to load)");
		return -EBUSY;
	}
	obj->state = LOBJ_FAILED;
	int err = lo_maps_create(obj);
	for (size_t i = 1; !err && i < obj->sec_cnt; i++) {
		struct lsec *s = &obj->secs[i];
		if (s->kind != LSEC_PROG && s->kind != LSEC_TEXT)
			continue;
		s->work = malloc((s->insn_cnt ? s->insn_cnt : 1) * sizeof(*s->work));
		if (!s->work)
			err = -ENOMEM;
		else if (s->insn_cnt)
			memcpy(s->work, s->data, s->insn_cnt * sizeof(*s->work));
	}
	if (!err)
		err = lo_core_apply(obj);
	for (size_t i = 0; !err && i < obj->prog_cnt; i++)
		if (obj->progs[i]->autoload)
			err = lo_link_program(obj, obj->progs[i]);
	if (err)
		return err;
	obj->state = LOBJ_PREPARED;
	return 0;
}

static const char *source_line_of(void *prog, size_t idx)
{
	return bpfrt_program__source_line(prog, idx, NULL);
}

int bpfrt__object_load_prog(struct bpfrt_object *obj, struct bpfrt_program *prog)
{
	size_t hcnt = 0;
	const struct bpfrt_helper_def *helpers = bpfrt__helpers_for_type(prog->type, &hcnt);
	struct bpfrt_map **maps = calloc(obj->map_cnt ? obj->map_cnt : 1, sizeof(*maps));
	char log[2048] = "";
	if (!maps)
		return -ENOMEM;
	for (size_t i = 0; i < obj->map_cnt; i++)
		maps[i] = obj->maps[i]->map;
	uint32_t *funcs = calloc(prog->func_cnt + 1, sizeof(*funcs));
	if (!funcs) {
		free(maps);
		return -ENOMEM;
	}
	for (size_t i = 0; i < prog->func_cnt; i++)
		funcs[i] = prog->funcs[i].insn;
	/* Object loads are verified: a rejected program refuses the object
	 * unless the user asked for no_verify, which records the verdict
	 * (the program then runs checked). */
	BPFRT_OPTS(bpfrt_prog_load_opts, lo, .name = prog->name, .helpers = helpers,
		   .helper_cnt = hcnt, .log_buf = log, .log_size = sizeof(log),
		   .maps = (struct bpfrt_map *const *)maps, .map_cnt = obj->map_cnt,
		   .prog_type = prog->type,
		   .verify = obj->no_verify ? BPFRT_VERIFY_RECORD : BPFRT_VERIFY_STRICT,
		   .func_starts = funcs, .func_cnt = prog->func_cnt,
		   .source_line = source_line_of, .source_line_arg = prog);
	prog->prog = bpfrt_prog__load_insns(prog->insns, prog->insn_cnt, &lo);
	int e = errno;
	free(maps);
	free(funcs);
	if (!prog->prog) {
		/* The VM names an instruction of the linked program; add the
		 * source line it came from when line info says (the verifier's
		 * messages, EACCES, have it already). */
		const char *at = e == EACCES ? NULL : strstr(log, "insn ");
		char src[320] = "";
		unsigned long idx;
		if (at && sscanf(at, "insn %lu", &idx) == 1 && idx < prog->insn_cnt &&
		    fmt_line(obj->btf, lo_line_for(prog->lines, prog->line_cnt, idx), src,
			     sizeof(src)))
			lo_err(obj, prog->sec, SIZE_MAX, "program '%s': %s [%s]", prog->name, log,
			       src);
		else
			lo_err(obj, prog->sec, SIZE_MAX, "program '%s': %s", prog->name,
			       log[0] ? log : strerror(e));
		return -(e ? e : EINVAL);
	}
	return 0;
}

/* __array(values, ...) initialisers of prog arrays name programs, which only
 * have ids (what a prog array stores, as the kernel stores prog fds) once
 * they are loaded.  A slot naming a program that was not loaded (autoload
 * off) stays empty, as libbpf leaves it. */
static int fill_prog_arrays(struct bpfrt_object *obj)
{
	for (size_t i = 0; i < obj->map_cnt; i++) {
		struct lmap *m = obj->maps[i];
		for (size_t k = 0; k < m->init_cnt; k++) {
			const struct lmap_init *in = &m->inits[k];
			if (!in->prog || !in->prog->prog)
				continue;
			uint32_t id = bpfrt__prog_id(in->prog->prog);
			int err = bpfrt_map__update_elem(m->map, &in->slot, &id, BPFRT_ANY);
			if (err) {
				lo_err_off(obj, m->sec, m->sec_off,
					   "map '%s': cannot set slot %u to program '%s': %s",
					   m->name, in->slot, in->target, strerror(-err));
				return err;
			}
		}
	}
	return 0;
}

BPFRT_API int bpfrt_object__load(struct bpfrt_object *obj)
{
	if (!obj)
		return -EINVAL;
	int err = bpfrt__object_prepare(obj);
	if (err)
		return err;
	obj->state = LOBJ_FAILED;
	for (size_t i = 0; i < obj->prog_cnt; i++) {
		struct bpfrt_program *p = obj->progs[i];
		if (!p->autoload)
			continue;
		err = bpfrt__object_load_prog(obj, p);
		if (err)
			return err;
	}
	err = fill_prog_arrays(obj);
	if (err)
		return err;
	obj->state = LOBJ_LOADED;
	return 0;
}

BPFRT_API const char *bpfrt_object__name(const struct bpfrt_object *obj)
{
	return obj ? obj->name : NULL;
}

BPFRT_API struct bpfrt_program *bpfrt_object__next_program(const struct bpfrt_object *obj,
							   const struct bpfrt_program *prev)
{
	if (!obj)
		return NULL;
	size_t i = 0;
	if (prev) {
		while (i < obj->prog_cnt && obj->progs[i] != prev)
			i++;
		i++;
	}
	return i < obj->prog_cnt ? obj->progs[i] : NULL;
}

/* Maps exist only once the object is loaded: before that, none. */
BPFRT_API struct bpfrt_map *bpfrt_object__next_map(const struct bpfrt_object *obj,
						   const struct bpfrt_map *prev)
{
	if (!obj)
		return NULL;
	bool seen = prev == NULL;
	for (size_t i = 0; i < obj->map_cnt; i++) {
		struct bpfrt_map *m = obj->maps[i]->map;
		if (!m)
			continue;
		if (seen)
			return m;
		if (m == prev)
			seen = true;
	}
	return NULL;
}

BPFRT_API struct bpfrt_program *
bpfrt_object__find_program_by_name(const struct bpfrt_object *obj, const char *name)
{
	for (size_t i = 0; obj && name && i < obj->prog_cnt; i++)
		if (!strcmp(obj->progs[i]->name, name))
			return obj->progs[i];
	return NULL;
}

const struct lmap *bpfrt__object_map_def(const struct bpfrt_object *obj, const char *name)
{
	for (size_t i = 0; obj && name && i < obj->map_cnt; i++) {
		const struct lmap *m = obj->maps[i];
		if (!strcmp(m->name, name) || (m->sec_name && !strcmp(m->sec_name, name)))
			return m;
	}
	return NULL;
}

BPFRT_API struct bpfrt_map *
bpfrt_object__find_map_by_name(const struct bpfrt_object *obj, const char *name)
{
	const struct lmap *m = bpfrt__object_map_def(obj, name);
	return m ? m->map : NULL;
}

BPFRT_API const char *bpfrt_program__name(const struct bpfrt_program *prog)
{
	return prog ? prog->name : NULL;
}

BPFRT_API const char *bpfrt_program__section_name(const struct bpfrt_program *prog)
{
	return prog ? prog->obj->secs[prog->sec].name : NULL;
}

BPFRT_API enum bpfrt_prog_type bpfrt_program__type(const struct bpfrt_program *prog)
{
	return prog ? prog->type : BPFRT_PROG_TYPE_UNSPEC;
}

BPFRT_API int bpfrt_program__set_type(struct bpfrt_program *prog, enum bpfrt_prog_type type)
{
	if (!prog)
		return -EINVAL;
	if (prog->obj->state != LOBJ_OPENED)
		return -EBUSY;
	prog->type = type;
	return 0;
}

BPFRT_API int bpfrt_program__set_autoload(struct bpfrt_program *prog, bool autoload)
{
	if (!prog)
		return -EINVAL;
	if (prog->obj->state != LOBJ_OPENED)
		return -EBUSY;
	prog->autoload = autoload;
	return 0;
}

BPFRT_API const struct bpfrt_insn *bpfrt_program__insns(const struct bpfrt_program *prog)
{
	return prog ? prog->insns : NULL;
}

BPFRT_API size_t bpfrt_program__insn_cnt(const struct bpfrt_program *prog)
{
	return prog ? prog->insn_cnt : 0;
}

BPFRT_API struct bpfrt_prog *bpfrt_program__prog(const struct bpfrt_program *prog)
{
	return prog ? prog->prog : NULL;
}

BPFRT_API const char *bpfrt_program__source_line(const struct bpfrt_program *cprog,
						  size_t insn_idx, uint32_t *line)
{
	struct bpfrt_program *prog = (struct bpfrt_program *)cprog;
	if (!prog || insn_idx >= prog->insn_cnt || !prog->obj->btf)
		return NULL;
	const struct line_rec *l;
	if (prog->linked) {
		l = lo_line_for(prog->lines, prog->line_cnt, insn_idx);
	} else {
		const struct lsec *s = &prog->obj->secs[prog->sec];
		l = lo_line_for(s->lines, s->line_cnt, prog->func->start + insn_idx);
		if (l && l->insn < prog->func->start)
			l = NULL;
	}
	if (!l)
		return NULL;
	if (!prog->src_buf && !(prog->src_buf = malloc(512)))
		return NULL;
	if (!fmt_line(prog->obj->btf, l, prog->src_buf, 512))
		return NULL;
	if (line)
		*line = l->line_col >> 10;
	return prog->src_buf;
}
