/* stations.c — see stations.h. */
#include "stations.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "leds.h"
#include "log.h"
#include "netconf.h"
#include "util.h"

#define STATIONS__POLL_MS 1000     /* the thread wakes at least this often */
#define STATIONS__RECOUNT_MS 5000  /* STATUS on every radio, rescan the dir */
#define STATIONS__REPLY_MS 1000    /* a command's reply must come within this */
#define STATIONS__MSG 4096         /* hostapd's replies and events fit */

struct stations__radio {
	char ifname[IF_NAMESIZE];
	char driver[32];
	int evfd, cmdfd;        /* -1 when closed */
	int up;                 /* answered the last STATUS with ENABLED */
	int phones, channel, capacity, isolates;
	int seen;               /* still in the directory at the last scan */
};

static struct {
	pthread_mutex_t mu;
	pthread_t thread;
	int running, stop_pipe[2], set_leds;
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path) - IF_NAMESIZE - 2];
	long max_stations;
	struct stations__radio r[STATIONS_MAX_RADIOS];
	int n;
	int last_total;         /* what leds_set_wifi was last told */
} S = { .mu = PTHREAD_MUTEX_INITIALIZER, .stop_pipe = { -1, -1 }, .last_total = -2 };

int
stations_parse_status(const char *reply, char *state, size_t statelen, int *phones,
    int *channel)
{
	const char *p = reply, *nl;
	int have_state = 0;

	*phones = 0;
	*channel = 0;
	if (statelen > 0)
		state[0] = '\0';
	for (; *p; p = nl + 1) {
		size_t len;
		int v;

		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > 6 && strncmp(p, "state=", 6) == 0) {
			snprintf(state, statelen, "%.*s", (int)(len - 6), p + 6);
			have_state = 1;
		} else if (len > 8 && strncmp(p, "num_sta[", 8) == 0 &&
		    sscanf(p, "num_sta[%*d]=%d", &v) == 1 && v >= 0 && v < 100000) {
			*phones += v;
		} else if (len > 8 && strncmp(p, "channel=", 8) == 0 &&
		    sscanf(p + 8, "%d", &v) == 1) {
			*channel = v;
		}
		if (nl == NULL)
			break;
	}
	return have_state ? 0 : -1;
}

int
stations_is_sta_event(const char *msg)
{
	if (msg[0] == '<') { /* "<3>" priority prefix */
		const char *gt = strchr(msg, '>');

		if (gt == NULL)
			return 0;
		msg = gt + 1;
	}
	return strncmp(msg, "AP-STA-CONNECTED ", 17) == 0 ||
	    strncmp(msg, "AP-STA-DISCONNECTED ", 20) == 0;
}

/* A datagram socket connected to DIR/ifname, autobound to an abstract
 * address (replies come back there, whatever /tmp the caller sees). */
static int
stations__open(const char *ifname)
{
	struct sockaddr_un sa;
	sa_family_t fam = AF_UNIX;
	int fd;

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&fam, sizeof(fam)) < 0)
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", S.dir, ifname);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* Send cmd and wait for its reply (events on an attached socket are
 * skipped). 0 with the reply in buf, -1 on failure or timeout. */
static int
stations__request(int fd, const char *cmd, char *buf, size_t len)
{
	int64_t deadline = util_mono_ms() + STATIONS__REPLY_MS;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	while (recv(fd, buf, len - 1, 0) > 0)
		; /* drop anything stale */
	if (send(fd, cmd, strlen(cmd), 0) < 0)
		return -1;
	for (;;) {
		int64_t left = deadline - util_mono_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -1;
		if ((n = recv(fd, buf, len - 1, 0)) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		buf[n] = '\0';
		if (buf[0] != '<')
			return 0;
	}
}

static void
stations__close(struct stations__radio *r)
{
	if (r->evfd >= 0) {
		(void)send(r->evfd, "DETACH", 6, 0);
		close(r->evfd);
	}
	if (r->cmdfd >= 0)
		close(r->cmdfd);
	r->evfd = r->cmdfd = -1;
	r->up = 0;
	r->phones = 0;
}

/* STATUS on the command socket; a radio that does not answer is closed. */
static void
stations__count(struct stations__radio *r)
{
	char buf[STATIONS__MSG], state[32];
	int phones, channel, was = r->phones, wasup = r->up;

	if (r->cmdfd < 0)
		return;
	if (stations__request(r->cmdfd, "STATUS", buf, sizeof(buf)) < 0 ||
	    stations_parse_status(buf, state, sizeof(state), &phones, &channel) < 0) {
		log_warnx("wifi: hostapd on %s does not answer; trying again", r->ifname);
		pthread_mutex_lock(&S.mu);
		stations__close(r);
		pthread_mutex_unlock(&S.mu);
		return;
	}
	pthread_mutex_lock(&S.mu);
	r->up = strcmp(state, "ENABLED") == 0;
	r->phones = r->up ? phones : 0;
	r->channel = channel;
	pthread_mutex_unlock(&S.mu);
	if (r->up != wasup)
		log_info("wifi: %s is %s (%s)", r->ifname, r->up ? "up" : "down", state);
	if (r->phones != was)
		log_info("wifi: %d phone(s) on %s (capacity %d)", r->phones, r->ifname,
		    r->capacity);
}

/* Open both sockets and ATTACH; the radio stays closed if hostapd is not
 * there (yet). */
static void
stations__attach(struct stations__radio *r)
{
	char buf[64];

	if ((r->cmdfd = stations__open(r->ifname)) < 0 ||
	    (r->evfd = stations__open(r->ifname)) < 0 ||
	    stations__request(r->evfd, "ATTACH", buf, sizeof(buf)) < 0 ||
	    strncmp(buf, "OK", 2) != 0) {
		pthread_mutex_lock(&S.mu);
		stations__close(r);
		pthread_mutex_unlock(&S.mu);
		return;
	}
	stations__count(r);
}

/* The directory's sockets become radios; radios whose socket went away
 * are closed and dropped. */
static void
stations__scan(void)
{
	DIR *d = opendir(S.dir);
	struct dirent *e;
	int i;

	for (i = 0; i < S.n; i++)
		S.r[i].seen = 0;
	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[sizeof(S.dir) + IF_NAMESIZE + 2];
		struct stat st;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= IF_NAMESIZE)
			continue;
		snprintf(path, sizeof(path), "%s/%s", S.dir, e->d_name);
		if (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
			continue;
		for (i = 0; i < S.n && strcmp(S.r[i].ifname, e->d_name) != 0; i++)
			;
		if (i == S.n) {
			struct stations__radio *r = &S.r[i];
			const struct netconf_radio *t;

			if (S.n == STATIONS_MAX_RADIOS)
				continue;
			pthread_mutex_lock(&S.mu);
			memset(r, 0, sizeof(*r));
			snprintf(r->ifname, sizeof(r->ifname), "%s", e->d_name);
			r->evfd = r->cmdfd = -1;
			if (netconf_radio_driver(NETCONF_SYSFS_NET, r->ifname, r->driver,
			    sizeof(r->driver)) < 0)
				snprintf(r->driver, sizeof(r->driver), "unknown");
			t = netconf_radio_lookup(r->driver);
			r->capacity = (int)netconf_radio_capacity(t, S.max_stations);
			r->isolates = t ? t->isolates : -1;
			S.n++;
			pthread_mutex_unlock(&S.mu);
			log_info("wifi: radio %s (driver %s, up to %d phones)", r->ifname,
			    r->driver, r->capacity);
		}
		S.r[i].seen = 1;
	}
	if (d != NULL)
		closedir(d);
	pthread_mutex_lock(&S.mu);
	for (i = 0; i < S.n; ) {
		if (!S.r[i].seen) {
			log_info("wifi: %s is gone", S.r[i].ifname);
			stations__close(&S.r[i]);
			S.r[i] = S.r[--S.n];
		} else {
			i++;
		}
	}
	pthread_mutex_unlock(&S.mu);
	for (i = 0; i < S.n; i++)
		if (S.r[i].evfd < 0)
			stations__attach(&S.r[i]);
}

/* Tell the wifi LED when the total changed. */
static void
stations__publish(void)
{
	int total = stations_phones();

	if (total != S.last_total) {
		S.last_total = total;
		if (S.set_leds)
			leds_set_wifi(total);
	}
}

static void *
stations__thread(void *arg)
{
	struct pollfd pfd[STATIONS_MAX_RADIOS + 1];
	int64_t next = 0;
	char buf[STATIONS__MSG];
	int i, n;

	(void)arg;
	for (;;) {
		if (util_mono_ms() >= next) {
			stations__scan();
			for (i = 0; i < S.n; i++)
				stations__count(&S.r[i]);
			next = util_mono_ms() + STATIONS__RECOUNT_MS;
		}
		stations__publish();
		pfd[0].fd = S.stop_pipe[0];
		pfd[0].events = POLLIN;
		for (i = 0; i < S.n; i++) {
			pfd[i + 1].fd = S.r[i].evfd;
			pfd[i + 1].events = POLLIN;
		}
		n = S.n;
		if (poll(pfd, (nfds_t)n + 1, STATIONS__POLL_MS) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		for (i = 0; i < n; i++) {
			struct stations__radio *r = &S.r[i];
			ssize_t got;
			int changed = 0;

			if (r->evfd < 0 || !(pfd[i + 1].revents & (POLLIN | POLLERR | POLLHUP)))
				continue;
			while ((got = recv(r->evfd, buf, sizeof(buf) - 1, 0)) > 0) {
				buf[got] = '\0';
				if (stations_is_sta_event(buf)) {
					log_debug("wifi: %s: %s", r->ifname, buf);
					changed = 1;
				}
			}
			if (got < 0 && errno != EAGAIN && errno != EINTR)
				next = 0; /* hostapd went away: rescan now */
			if (changed)
				stations__count(r);
		}
	}
	pthread_mutex_lock(&S.mu);
	for (i = 0; i < S.n; i++)
		stations__close(&S.r[i]);
	S.n = 0;
	pthread_mutex_unlock(&S.mu);
	return NULL;
}

pb_err
stations_start(const struct stations_opts *o)
{
	if (S.running)
		return PB_ERR_STATE;
	if (strlen(o->ctrl_dir) >= sizeof(S.dir))
		return PB_ERR_LIMIT;
	snprintf(S.dir, sizeof(S.dir), "%s", o->ctrl_dir);
	S.max_stations = o->max_stations;
	S.set_leds = o->set_leds;
	S.n = 0;
	S.last_total = -2;
	if (pipe2(S.stop_pipe, O_CLOEXEC) < 0)
		return PB_ERR_IO;
	if (pthread_create(&S.thread, NULL, stations__thread, NULL) != 0) {
		close(S.stop_pipe[0]);
		close(S.stop_pipe[1]);
		return PB_ERR_IO;
	}
	S.running = 1;
	return PB_OK;
}

void
stations_stop(void)
{
	if (!S.running)
		return;
	(void)write(S.stop_pipe[1], "x", 1);
	pthread_join(S.thread, NULL);
	close(S.stop_pipe[0]);
	close(S.stop_pipe[1]);
	S.running = 0;
}

int
stations_phones(void)
{
	int i, total = 0, up = 0;

	pthread_mutex_lock(&S.mu);
	for (i = 0; i < S.n; i++)
		if (S.r[i].up) {
			up++;
			total += S.r[i].phones;
		}
	pthread_mutex_unlock(&S.mu);
	return up ? total : -1;
}

void
stations_totals(int *radios_up, int *capacity)
{
	int i;

	*radios_up = *capacity = 0;
	pthread_mutex_lock(&S.mu);
	for (i = 0; i < S.n; i++)
		if (S.r[i].up) {
			(*radios_up)++;
			*capacity += S.r[i].capacity;
		}
	pthread_mutex_unlock(&S.mu);
}

int
stations_capacity(long max_stations)
{
	int radios, capacity;

	stations_totals(&radios, &capacity);
	if (radios == 0)
		capacity = (int)netconf_radio_capacity(NULL, max_stations);
	return capacity;
}

struct json_t *
stations_status_json(void)
{
	json_t *radios = json_array(), *o;
	int i, up = 0, phones = 0, cap = 0;
	char warn[160] = "";

	pthread_mutex_lock(&S.mu);
	for (i = 0; i < S.n; i++) {
		const struct stations__radio *r = &S.r[i];

		json_array_append_new(radios, json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:o}",
		    "interface", r->ifname, "driver", r->driver, "state", r->up ? "up" : "down",
		    "phones", r->phones, "capacity", r->capacity, "channel", r->channel,
		    "isolates", r->isolates < 0 ? json_null() : json_boolean(r->isolates)));
		if (r->up) {
			up++;
			phones += r->phones;
			cap += r->capacity;
			/* one place left on a radio: the next phones go to another
			 * radio or are refused */
			if (r->phones + 1 >= r->capacity && warn[0] == '\0')
				snprintf(warn, sizeof(warn), "%s is nearly full: %d of %d phones",
				    r->ifname, r->phones, r->capacity);
		}
	}
	pthread_mutex_unlock(&S.mu);
	o = json_pack("{s:s, s:i, s:i, s:o, s:o}",
	    "state", !S.running ? "off" : up ? "up" : "down", "phones", phones,
	    "capacity", cap, "warning", warn[0] ? json_string(warn) : json_null(),
	    "radios", radios);
	return o;
}
