/* SPDX-License-Identifier: MIT */
/*
 * elfcode.h - take the code of a simple eBPF ELF object.
 *
 * Used by the conformance plugin (--elf: its objects are single functions
 * without relocations) and by the CLI for objects the library's loader
 * cannot type (code sections without a libbpf SEC() name, no --type given):
 * it finds one executable section (or one function in it) and hands back
 * its instruction slots as raw code.  Objects that need the loader
 * (relocations: maps, global data, calls across sections) are refused with a
 * message saying so, rather than run with unresolved instructions.
 */
#ifndef BPFRT_TOOLS_ELFCODE_H
#define BPFRT_TOOLS_ELFCODE_H

#include <stdbool.h>
#include <stddef.h>

#include "bpfrt/bpfrt.h"

/* Does the buffer start with the ELF magic? */
bool elfcode_is_elf(const void *buf, size_t len);

/*
 * Find the code in the ELF image buf[0..len).  With prog == NULL the object
 * must have exactly one non-empty executable section; otherwise prog names a
 * section or a function symbol.  On success returns 0, *insns is a malloc()ed
 * copy (caller frees) of *cnt slots and, when name is given, the chosen
 * section or symbol name is copied there.  On failure returns a negative
 * errno with a one-line reason in err.
 */
int elfcode_extract(const void *buf, size_t len, const char *prog,
		    struct bpfrt_insn **insns, size_t *cnt,
		    char *name, size_t name_size, char *err, size_t err_size);

#endif /* BPFRT_TOOLS_ELFCODE_H */
