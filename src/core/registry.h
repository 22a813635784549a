/* SPDX-License-Identifier: MIT */
/*
 * Process-wide ids for maps and programs, the user-space analogue of the
 * kernel's map and prog ids: prog arrays store program ids, map-in-map
 * outer maps store map ids, exactly where the kernel's syscall interface
 * takes file descriptors.
 */
#ifndef BPFRT_REGISTRY_H
#define BPFRT_REGISTRY_H

#include <stdint.h>

enum bpfrt_obj_kind { BPFRT_OBJ_MAP = 1, BPFRT_OBJ_PROG = 2 };

/* How the registry takes and drops references on an object it hands out. */
struct bpfrt_obj_ref_ops {
	void *(*get)(void *obj);
	void (*put)(void *obj);
};

/* Register obj; returns its id (> 0), or 0 when out of memory. The registry
 * does not hold a reference: call bpfrt__registry_remove before freeing. */
uint32_t bpfrt__registry_add(enum bpfrt_obj_kind kind, void *obj,
			     const struct bpfrt_obj_ref_ops *ops);
void bpfrt__registry_remove(uint32_t id);
/* The object with that id and kind with a new reference (ops->get), or
 * NULL.  The caller drops it with the object's own put (bpfrt_map__put...). */
void *bpfrt__registry_get(enum bpfrt_obj_kind kind, uint32_t id);

#endif
