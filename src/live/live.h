/* SPDX-License-Identifier: MIT */
/*
 * Live XDP, internal side: the instance, its ports (attached interfaces),
 * workers (one thread and one logical CPU per RX queue served), the
 * installed program and the epoch scheme that lets the control thread swap
 * it.
 */
#ifndef BPFRT_LIVE_INTERNAL_H
#define BPFRT_LIVE_INTERNAL_H

#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "bpfrt/bpfrt.h"
#include "bpfrt/live.h"
#include "ctx/ctx.h"
#include "vm/vm.h"

#define LIVE_PAGE 4096u
#define LIVE_HEADROOM 256u	/* XDP_PACKET_HEADROOM */
#define LIVE_FRAME_SZ 40u	/* sizeof(struct xdp_frame) */
#define LIVE_SHINFO 320u	/* tailroom for skb_shared_info */
#define LIVE_MAX_DATA (LIVE_PAGE - LIVE_HEADROOM - LIVE_SHINFO)
#define LIVE_BATCH 32
#define LIVE_TXQ (LIVE_BATCH * 4)

/* One installed program version. */
struct live_prog {
	struct bpfrt_object *obj;
	struct bpfrt_prog *prog;	/* borrowed from obj */
	char prog_name[128];
	char path[PATH_MAX];
	uint64_t gen;
	bool verified;
};

/* Counters of one worker; only the worker writes them (relaxed atomics so
 * the control thread reads whole values). */
struct live_counters {
	_Atomic uint64_t rx, rx_bytes, verdict[BPFRT_LIVE_NR_VERDICTS];
	_Atomic uint64_t sent, send_err, redirect_err, faults, kernel_drops;
};

struct live_xsk;

/* More workers than this per interface would mostly be idle threads. */
#define LIVE_MAX_QUEUES 64

struct live_port {
	char name[IF_NAMESIZE];
	unsigned ifindex;
	unsigned rxq;		/* RX queues the interface has */
	unsigned nq;		/* queues served: one worker each */
	int fd;			/* AF_PACKET socket that sends (never receives) */
	uint64_t last_rx;	/* for pps */
	double pps;
};

struct live_worker {
	struct bpfrt_live *lv;
	struct live_port *port;
	unsigned queue;		/* xdp_md.rx_queue_index */
	unsigned cpu;		/* logical CPU: per-CPU map slot */
	int rx_fd;		/* afpacket: this queue's socket (fanout member) */
	struct live_xsk *xsk;	/* afxdp: the XSK bound to this queue */
	pthread_t th;
	bool started;
	/* The epoch scheme: in_batch is 1 while the worker may hold a program
	 * pointer, batches counts finished batches (quiescent points). */
	_Atomic int in_batch;
	_Atomic uint64_t batches;
	struct live_counters c __attribute__((aligned(64)));
	/* Run state for the program the worker last saw. */
	const struct live_prog *cur;
	struct bpfrt_hook hook;
	struct bpfrt_run_ctx rc;
	char err[256];
	uint64_t fault_logged;
	_Alignas(16) uint8_t stack[VM_STACK_BYTES];
	uint8_t *pages;		/* LIVE_BATCH frame buffers of LIVE_PAGE */
	/* Frames to send, flushed with one sendmmsg per port at the end of
	 * the batch (the frames live in pages until then). */
	struct live_txq {
		struct live_port *port;
		const uint8_t *data;
		uint32_t len;
	} txq[LIVE_TXQ];
	unsigned txn;
};

struct live_events;

struct bpfrt_live {
	enum bpfrt_live_mode mode;
	bool bridge;
	enum bpfrt_engine engine;
	enum bpfrt_check_mode check;
	size_t nports, nworkers;
	struct live_port *ports;
	struct live_worker *workers;	/* a port's workers are consecutive */
	struct live_prog *_Atomic prog;
	_Atomic uint64_t gen;
	atomic_bool stop;
	pthread_mutex_t swap_lock;	/* replace vs. ctl readers of maps */
	char dir[PATH_MAX];		/* "" when not pinned */
	int ctl_fd;
	uint64_t t_start, t_last;
	struct live_events *events;
	pthread_mutex_t events_lock;
};

uint64_t live_now_ns(void);

/* Set up w's run state (hook, context, engine) for program p; the swapper
 * calls it on a scratch worker first, so that a program an engine cannot
 * take is refused before it is installed (frame.c). */
int live_worker_prepare(struct live_worker *w, const struct live_prog *p);

/* Run the current program on one frame in page (data at LIVE_HEADROOM,
 * len bytes) and act on the verdict (send, forward, drop).  Called by
 * the backends for each received frame, between live_batch_begin/end. */
void live_frame(struct live_worker *w, uint8_t *page, uint32_t len);
void live_batch_begin(struct live_worker *w);
void live_batch_end(struct live_worker *w);
/* Queue a frame to go out of port p (through its packet socket) when the
 * batch ends; data must stay valid until then. */
void live_send(struct live_worker *w, struct live_port *p, const uint8_t *data, uint32_t len);

/* Backends.  Every port sends through a packet socket of its own (both
 * modes); each worker receives from its queue's socket or XSK. */
int live_afpacket_tx_open(struct live_port *p, char *err, size_t n);
/* The worker's receiving socket; the workers of a port with several
 * queues form one PACKET_FANOUT_QM group (frames of RX queue q go to the
 * socket of worker q % nq).  Frames queued before the group was complete
 * may be duplicates: live_afpacket_drain discards them before start. */
int live_afpacket_rx_open(struct live_worker *w, int *fanout_id, char *err, size_t n);
void live_afpacket_drain(struct live_worker *w);
void *live_afpacket_worker(void *arg);
int live_afxdp_open(struct live_worker *w, char *err, size_t n);
void live_afxdp_close(struct live_worker *w);
void *live_afxdp_worker(void *arg);

/* RX queues of an interface (driver channels, else sysfs; at least 1) and
 * the number of online CPUs (queues.c). */
unsigned live_rx_queues(const char *ifname);
unsigned live_online_cpus(void);

/* Control socket (ctl.c). */
int live_ctl_listen(struct bpfrt_live *lv, char *err, size_t n);
void live_ctl_handle(struct bpfrt_live *lv, int conn);
void live_events_stop_all(struct bpfrt_live *lv);
int live_write_info(struct bpfrt_live *lv);
void live_status(struct bpfrt_live *lv, int (*out)(void *, const char *), void *user);

/* Hex helpers (src/pin/pin.c). */
int bpfrt__unhex(const char *s, void *out, size_t n);
void bpfrt__hex(char *out, const void *p, size_t n);

#endif
