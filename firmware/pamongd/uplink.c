/* uplink.c — see uplink.h. On every route, address or link event the main
 * routing table is dumped again and the answer recomputed: simpler and more
 * robust than tracking deltas (the kernel removes routes silently when an
 * interface goes down), and such events are rare. */
#include "uplink.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

struct uplink {
	char patterns[256];
	char hotspot[IF_NAMESIZE];
	uplink_cb cb;
	void *arg;
	struct mnl_socket *events;  /* subscribed to route/addr/link groups */
	int stop_pipe[2];           /* written by uplink_stop */
	pthread_t thread;
	pthread_mutex_t mu;
	int up;                     /* last computed state */
	char ifname[IF_NAMESIZE];
	unsigned seq;
};

int
uplink_matches(const char *patterns, const char *hotspot, const char *ifname)
{
	char buf[256], *save = NULL, *tok;

	if (hotspot != NULL && hotspot[0] != '\0' && strcmp(hotspot, ifname) == 0)
		return 0;
	if (strcmp(ifname, "lo") == 0)
		return 0;
	snprintf(buf, sizeof(buf), "%s", patterns);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
		if (fnmatch(tok, ifname, 0) == 0)
			return 1;
	return 0;
}

struct uplink_scan {
	struct uplink *u;
	int found;
	char ifname[IF_NAMESIZE];
};

static int
uplink__attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, RTA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int
uplink__route(const struct nlmsghdr *nlh, void *data)
{
	struct uplink_scan *sc = data;
	const struct rtmsg *rm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1];
	char name[IF_NAMESIZE];
	uint32_t table;

	memset(tb, 0, sizeof(tb));
	if (rm->rtm_dst_len != 0 || rm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK; /* not a default route */
	if (rm->rtm_flags & (RTNH_F_LINKDOWN | RTNH_F_DEAD))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rm), uplink__attr, tb);
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rm->rtm_table;
	if (table != RT_TABLE_MAIN || tb[RTA_OIF] == NULL)
		return MNL_CB_OK;
	if (if_indextoname(mnl_attr_get_u32(tb[RTA_OIF]), name) == NULL)
		return MNL_CB_OK;
	if (!sc->found && uplink_matches(sc->u->patterns, sc->u->hotspot, name)) {
		sc->found = 1;
		memcpy(sc->ifname, name, sizeof(name));
	}
	return MNL_CB_OK;
}

/* Dump the IPv4 and IPv6 routes on a fresh socket and look for a default. */
static pb_err
uplink__scan(struct uplink *u, struct uplink_scan *sc)
{
	static const int families[] = { AF_INET, AF_INET6 };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	pb_err rc = PB_ERR_IO;
	size_t i;

	memset(sc, 0, sizeof(*sc));
	sc->u = u;
	if ((nl = mnl_socket_open(NETLINK_ROUTE)) == NULL)
		return PB_ERR_IO;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	for (i = 0; i < PB_ARRAY_LEN(families); i++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct rtmsg *rm;
		unsigned portid = mnl_socket_get_portid(nl), seq = ++u->seq;
		ssize_t n;
		int r = MNL_CB_OK;

		nlh->nlmsg_type = RTM_GETROUTE;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = seq;
		rm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rm));
		rm->rtm_family = (unsigned char)families[i];
		if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
			goto out;
		while (r > MNL_CB_STOP) {
			if ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) <= 0)
				goto out;
			r = mnl_cb_run(buf, (size_t)n, seq, portid, uplink__route, sc);
		}
		if (r < 0)
			goto out;
	}
	rc = PB_OK;
out:
	if (rc != PB_OK)
		log_warn("uplink: route dump");
	mnl_socket_close(nl);
	return rc;
}

/* Recompute and call back if the answer changed. */
static void
uplink__update(struct uplink *u)
{
	struct uplink_scan sc;
	int changed;

	if (uplink__scan(u, &sc) != PB_OK)
		return;
	pthread_mutex_lock(&u->mu);
	changed = sc.found != u->up || (sc.found && strcmp(sc.ifname, u->ifname) != 0);
	u->up = sc.found;
	memcpy(u->ifname, sc.found ? sc.ifname : "", sc.found ? sizeof(sc.ifname) : 1);
	pthread_mutex_unlock(&u->mu);
	if (changed) {
		if (sc.found)
			log_info("uplink: default route via %s", sc.ifname);
		else
			log_info("uplink: no default route on an uplink interface");
		u->cb(u->arg, sc.found, sc.found ? sc.ifname : "");
	}
}

static void *
uplink__run(void *arg)
{
	struct uplink *u = arg;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct pollfd pf[2];

	uplink__update(u);
	pf[0].fd = mnl_socket_get_fd(u->events);
	pf[0].events = POLLIN;
	pf[1].fd = u->stop_pipe[0];
	pf[1].events = POLLIN;
	for (;;) {
		int dirty = 0;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_warn("uplink: poll");
			break;
		}
		if (pf[1].revents)
			break;
		/* drain everything queued, then look once */
		for (;;) {
			ssize_t n = recv(pf[0].fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (n > 0) {
				dirty = 1;
				continue;
			}
			if (n < 0 && errno == ENOBUFS) {
				dirty = 1; /* overflowed: state unknown, rescan */
				continue;
			}
			break;
		}
		if (dirty)
			uplink__update(u);
	}
	return NULL;
}

pb_err
uplink_start(const char *patterns, const char *hotspot, uplink_cb cb, void *arg,
    struct uplink **out)
{
	struct uplink *u;
	unsigned groups = RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | RTMGRP_LINK |
	    RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return PB_ERR_NOMEM;
	snprintf(u->patterns, sizeof(u->patterns), "%s", patterns);
	snprintf(u->hotspot, sizeof(u->hotspot), "%s", hotspot ? hotspot : "");
	u->cb = cb;
	u->arg = arg;
	u->stop_pipe[0] = u->stop_pipe[1] = -1;
	pthread_mutex_init(&u->mu, NULL);
	if ((u->events = mnl_socket_open(NETLINK_ROUTE)) == NULL ||
	    mnl_socket_bind(u->events, groups, MNL_SOCKET_AUTOPID) < 0) {
		log_warn("uplink: netlink socket");
		goto fail;
	}
	if (pipe2(u->stop_pipe, O_CLOEXEC) < 0) {
		log_warn("uplink: pipe");
		goto fail;
	}
	if (pthread_create(&u->thread, NULL, uplink__run, u) != 0) {
		log_warnx("uplink: cannot start thread");
		goto fail;
	}
	*out = u;
	return PB_OK;
fail:
	if (u->events)
		mnl_socket_close(u->events);
	if (u->stop_pipe[0] >= 0) {
		close(u->stop_pipe[0]);
		close(u->stop_pipe[1]);
	}
	pthread_mutex_destroy(&u->mu);
	free(u);
	return PB_ERR_IO;
}

void
uplink_stop(struct uplink *u)
{
	if (u == NULL)
		return;
	(void)!write(u->stop_pipe[1], "x", 1);
	pthread_join(u->thread, NULL);
	mnl_socket_close(u->events);
	close(u->stop_pipe[0]);
	close(u->stop_pipe[1]);
	pthread_mutex_destroy(&u->mu);
	free(u);
}

int
uplink_is_up(struct uplink *u, char ifname[IF_NAMESIZE])
{
	int up;

	pthread_mutex_lock(&u->mu);
	up = u->up;
	if (ifname != NULL)
		memcpy(ifname, u->ifname, IF_NAMESIZE);
	pthread_mutex_unlock(&u->mu);
	return up;
}
