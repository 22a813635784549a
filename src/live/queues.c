/* SPDX-License-Identifier: MIT */
/*
 * How many RX queues an interface has, and how many workers to give it.
 *
 * The count comes from the driver's channels (what `ethtool -l` prints:
 * rx + combined), because that works in any network namespace the process
 * is in; /sys/class/net/IF/queues/rx-* is the fallback for drivers without
 * get_channels, and it only describes the namespace sysfs was mounted in.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "live.h"

static unsigned sysfs_rx_queues(const char *ifname)
{
	char path[64 + IF_NAMESIZE];
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	unsigned n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (!strncmp(e->d_name, "rx-", 3))
			n++;
	closedir(d);
	return n;
}

unsigned live_rx_queues(const char *ifname)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (char *)&ch;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unsigned n = 0;
	if (fd >= 0) {
		if (!ioctl(fd, SIOCETHTOOL, &ifr))
			n = ch.rx_count + ch.combined_count;
		close(fd);
	}
	if (!n)
		n = sysfs_rx_queues(ifname);
	return n ? n : 1;
}

unsigned live_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}
