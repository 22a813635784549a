/* SPDX-License-Identifier: MIT */
#include <pthread.h>
#include <stdlib.h>

#include "registry.h"

struct slot {
	enum bpfrt_obj_kind kind;
	void *obj;
	const struct bpfrt_obj_ref_ops *ops;
};

/* Ids index a growing array; freed ids are not reused, as in the kernel,
 * so a stale id never names a different object. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot *slots;
static uint32_t nslots, next_id = 1;

uint32_t bpfrt__registry_add(enum bpfrt_obj_kind kind, void *obj,
			     const struct bpfrt_obj_ref_ops *ops)
{
	uint32_t id = 0;
	pthread_mutex_lock(&lock);
	if (next_id >= nslots) {
		uint32_t n = nslots ? nslots * 2 : 64;
		struct slot *s = realloc(slots, n * sizeof(*s));
		if (!s)
			goto out;
		for (uint32_t i = nslots; i < n; i++)
			s[i] = (struct slot){ 0 };
		slots = s;
		nslots = n;
	}
	id = next_id++;
	slots[id] = (struct slot){ kind, obj, ops };
out:
	pthread_mutex_unlock(&lock);
	return id;
}

void bpfrt__registry_remove(uint32_t id)
{
	pthread_mutex_lock(&lock);
	if (id && id < nslots)
		slots[id] = (struct slot){ 0 };
	pthread_mutex_unlock(&lock);
}

void *bpfrt__registry_get(enum bpfrt_obj_kind kind, uint32_t id)
{
	void *obj = NULL;
	pthread_mutex_lock(&lock);
	/* Taking the reference under the lock closes the race with a
	 * concurrent remove + free of the same object. */
	if (id && id < nslots && slots[id].kind == kind && slots[id].obj) {
		obj = slots[id].obj;
		if (slots[id].ops && slots[id].ops->get)
			obj = slots[id].ops->get(obj);
	}
	pthread_mutex_unlock(&lock);
	return obj;
}
