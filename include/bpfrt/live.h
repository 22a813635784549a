/* SPDX-License-Identifier: MIT */
/*
 * bpfrt/live.h - live XDP in user space: attach a program to real
 * interfaces (AF_PACKET or AF_XDP), act on its verdicts, control the running
 * instance from other processes (status, hot swap, maps, events).
 * Included by bpfrt/bpfrt.h.  docs/live.md describes the design.
 *
 * A running instance with a pin directory DIR publishes:
 *   DIR/instance.json   what runs where (pid, mode, interfaces, program)
 *   DIR/ctl.sock        the control socket (line protocol, docs/live.md)
 *   DIR/<map name>      one file per map: a struct bpfrt_pin_hdr, and for
 *                       array-like maps the values themselves (MAP_SHARED)
 */
#ifndef BPFRT_LIVE_H
#define BPFRT_LIVE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfrt/map.h"
#include "bpfrt/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef BPFRT_API
#define BPFRT_API __attribute__((visibility("default")))
#endif

enum bpfrt_live_mode {
	BPFRT_LIVE_AFPACKET = 0,	/* packet sockets (a fanout group per interface) */
	BPFRT_LIVE_AFXDP = 1,		/* an XSK per RX queue (libxdp) */
};

/* XDP verdicts as counted (the kernel's enum xdp_action values). */
enum bpfrt_live_verdict {
	BPFRT_LIVE_ABORTED = 0,
	BPFRT_LIVE_DROP = 1,
	BPFRT_LIVE_PASS = 2,
	BPFRT_LIVE_TX = 3,
	BPFRT_LIVE_REDIRECT = 4,
	BPFRT_LIVE_NR_VERDICTS = 5,
};

struct bpfrt_live_opts {
	size_t sz;
	const char *const *ifaces;	/* interface names */
	size_t iface_cnt;
	const char *obj_path;		/* the ELF object */
	const char *prog_name;		/* program (function) or section name */
	enum bpfrt_live_mode mode;
	/* Bump in the wire: PASS forwards to the other interface(s). */
	bool bridge;
	/* Pin directory (created; must not exist); NULL: none. */
	const char *pin_dir;
	enum bpfrt_engine engine;
	enum bpfrt_check_mode check;
	/* Why starting failed; caller-owned. */
	char *err_buf;
	size_t err_size;
	/* Load the program even when the verifier rejects it (it then runs
	 * checked: every access and an instruction budget).  Without it a
	 * rejected program is refused with the verifier's message. */
	bool no_verify;
	/* RX queues served per interface, a worker thread (and a logical CPU
	 * for per-CPU maps) each; at most the interface's RX queue count.
	 * 0: all of them, in afpacket mode at most one per online CPU. */
	unsigned queues;
};

struct bpfrt_live;

/* Load the program, open the interfaces, publish DIR, start the workers.
 * NULL with errno (ENODEV missing interface, EPERM no privilege, EINVAL
 * program type, EEXIST pin directory) and the reason in err_buf. */
BPFRT_API struct bpfrt_live *bpfrt_live__start(const struct bpfrt_live_opts *opts);
/* Serve the control socket until *stop becomes non-zero. */
BPFRT_API int bpfrt_live__serve(struct bpfrt_live *lv, volatile sig_atomic_t *stop);
struct bpfrt_live_replace_opts {
	size_t sz;
	/* As bpfrt_live_opts.no_verify. */
	bool no_verify;
};
/* Replace the running program (maps shared by name, type and sizes); 0 or
 * -errno with the reason in err, and then the old program keeps running.
 * opts may be NULL. */
BPFRT_API int bpfrt_live__replace(struct bpfrt_live *lv, const char *obj_path,
				  const char *prog_name,
				  const struct bpfrt_live_replace_opts *opts, char *err,
				  size_t err_size);
/* Stop the workers, close the interfaces, remove DIR, free everything. */
BPFRT_API void bpfrt_live__stop(struct bpfrt_live *lv);

/* ---- clients (other processes) --------------------------------------- */

/* Send one request line to the instance pinned at dir; each reply line
 * (without its newline) goes to fn, until the final "ok" / "err ..." line.
 * Returns 0 for "ok", -EREMOTEIO for "err" (message in err), -errno for a
 * connection failure.  fn returning non-zero stops reading (-ECANCELED). */
typedef int (*bpfrt_live_line_fn)(void *user, const char *line);
BPFRT_API int bpfrt_live_ctl(const char *dir, const char *request, bpfrt_live_line_fn fn,
			     void *user, char *err, size_t err_size);

/* Header of every pinned map file.  Array-like maps (array, percpu_array,
 * global data) carry their values at values_off, mapped MAP_SHARED by the
 * instance: readers see programs' writes at once and vice versa.  Other maps
 * have storage BPFRT_PIN_SOCKET: their elements are served over ctl.sock. */
#define BPFRT_PIN_MAGIC		"BPFRTMAP"
#define BPFRT_PIN_VERSION	1
enum bpfrt_pin_storage { BPFRT_PIN_SHARED = 1, BPFRT_PIN_SOCKET = 2 };

struct bpfrt_pin_hdr {
	char magic[8];
	uint32_t version;
	uint32_t hdr_size;	/* sizeof(struct bpfrt_pin_hdr) */
	uint32_t type;		/* enum bpfrt_map_type */
	uint32_t key_size, value_size, max_entries, map_flags;
	uint32_t ncpus;		/* per-CPU slots per value */
	uint32_t elem_size;	/* round_up(value_size, 8) */
	uint32_t storage;	/* enum bpfrt_pin_storage */
	uint32_t frozen;	/* user space may not write */
	uint32_t owner_pid;
	uint64_t values_off;	/* page aligned */
	uint64_t values_size;
	char name[16];
};

struct bpfrt_pinned_map;
/* Open DIR/NAME.  NULL + errno. */
BPFRT_API struct bpfrt_pinned_map *bpfrt_pinned_map__open(const char *path);
BPFRT_API void bpfrt_pinned_map__close(struct bpfrt_pinned_map *pm);
BPFRT_API const struct bpfrt_pin_hdr *bpfrt_pinned_map__hdr(const struct bpfrt_pinned_map *pm);
/* Value buffers: ncpus * elem_size bytes for per-CPU maps, else value_size.
 * Semantics and errors of the kernel's syscall. */
BPFRT_API size_t bpfrt_pinned_map__user_value_size(const struct bpfrt_pinned_map *pm);
BPFRT_API int bpfrt_pinned_map__lookup(struct bpfrt_pinned_map *pm, const void *key,
				       void *value);
BPFRT_API int bpfrt_pinned_map__update(struct bpfrt_pinned_map *pm, const void *key,
				       const void *value, uint64_t flags);
BPFRT_API int bpfrt_pinned_map__delete(struct bpfrt_pinned_map *pm, const void *key);
/* key NULL: the first key; -ENOENT after the last. */
BPFRT_API int bpfrt_pinned_map__next_key(struct bpfrt_pinned_map *pm, const void *key,
					 void *next);

#ifdef __cplusplus
}
#endif
#endif /* BPFRT_LIVE_H */
