/* SPDX-License-Identifier: MIT */
/*
 * Pinning maps into a directory for other processes (the instance side):
 * every map gets a file starting with a struct bpfrt_pin_hdr; an array's or
 * percpu_array's value storage is moved into that file, at the same
 * address, so that the file and the running programs share the pages.
 */
#ifndef BPFRT_PIN_H
#define BPFRT_PIN_H

#include <stddef.h>

#include "bpfrt/bpfrt.h"
#include "bpfrt/live.h"

#define BPFRT_PIN_PAGE 4096u

/* Publish map m as dir/<name>.  Array-like maps become shared memory: the
 * values are copied into the file and the file is mapped over them
 * (MAP_FIXED), so call it before any program writes to the map
 * concurrently.  0 or -errno (message in err). */
int bpfrt__pin_map(const char *dir, struct bpfrt_map *m, char *err, size_t err_size);
/* Is the map's storage shared through its file (array-like)? */
bool bpfrt__pin_is_shared(const struct bpfrt_map *m);

#endif
