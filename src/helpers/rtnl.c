/* SPDX-License-Identifier: MIT */
/*
 * The rtnetlink round trip of rtnl.h.
 *
 * One NETLINK_ROUTE socket per thread, opened on first use and closed when
 * the thread exits; it is reopened when the thread has moved to another
 * network namespace since (setns), so answers always come from the
 * caller's namespace.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "rtnl.h"

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

#define NL_BUF (64u * 1024u)

struct nlsock {
	int fd;
	uint32_t seq;
	pid_t pid;			/* a forked child opens its own */
	dev_t ns_dev;
	ino_t ns_ino;
	uint8_t *buf;
};

static __thread struct nlsock tls_nl = { .fd = -1 };
static pthread_key_t nl_key;
static pthread_once_t nl_once = PTHREAD_ONCE_INIT;

static void nl_close(struct nlsock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static void nl_thread_exit(void *p)
{
	struct nlsock *s = p;
	nl_close(s);
	free(s->buf);
	s->buf = NULL;
}

static void nl_key_init(void)
{
	pthread_key_create(&nl_key, nl_thread_exit);
}

/* The thread's socket, (re)opened in the thread's current namespace (and
 * in a forked child, which must not share its parent's). */
static struct nlsock *nl_get(int *err)
{
	struct nlsock *s = &tls_nl;
	struct stat st;
	pid_t pid = getpid();
	if (stat("/proc/thread-self/ns/net", &st) != 0)
		st.st_dev = 0, st.st_ino = 0;
	if (s->fd >= 0 && (st.st_dev != s->ns_dev || st.st_ino != s->ns_ino || pid != s->pid))
		nl_close(s);
	if (s->fd >= 0)
		return s;
	pthread_once(&nl_once, nl_key_init);
	if (!s->buf) {
		s->buf = malloc(NL_BUF);
		if (!s->buf) {
			*err = -ENOMEM;
			return NULL;
		}
		pthread_setspecific(nl_key, s);
	}
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s->fd < 0) {
		*err = -errno;
		return NULL;
	}
	int one = 1;
	/* Strict checking lets route dumps be filtered by table. */
	setsockopt(s->fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	/* The kernel always answers; never hang a run if it does not. */
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	s->pid = pid;
	s->ns_dev = st.st_dev;
	s->ns_ino = st.st_ino;
	return s;
}

int bpfrt__rtnl_talk(struct nlreq *r, nl_cb cb, void *arg)
{
	int err = 0;
	struct nlsock *s = nl_get(&err);
	if (!s)
		return err;
	r->h.nlmsg_seq = ++s->seq;
	ssize_t n;
	do
		n = send(s->fd, &r->h, r->h.nlmsg_len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		err = -errno;
		nl_close(s);
		return err;
	}
	int cb_err = 0;
	for (;;) {
		do
			n = recv(s->fd, s->buf, NL_BUF, MSG_TRUNC);
		while (n < 0 && errno == EINTR);
		if (n < 0 || n > (ssize_t)NL_BUF) {
			err = n < 0 ? -errno : -EMSGSIZE;
			nl_close(s);	/* out of step: start over next time */
			return err;
		}
		size_t left = (size_t)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)s->buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != r->h.nlmsg_seq)
				continue;	/* a late answer to an earlier request */
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return cb_err ? cb_err : e->error;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				return cb_err;
			if (!cb_err && cb)
				cb_err = cb(h, arg);
			if (!(h->nlmsg_flags & NLM_F_MULTI))
				return cb_err;
		}
	}
}

