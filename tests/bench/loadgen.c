/* loadgen.c — the load generator of `make bench` (tests/bench/run.sh).
 *
 * Plain sockets, HTTP/1.1 keep-alive, one thread per connection, so that the
 * latencies measured are pamongd's and not an interpreter's. Modes:
 *
 *   loadgen classroom PORT PHONES CONNS SECONDS THINK_MS|MIN-MAX PREFIX [PID [START]]
 *       PHONES phones each register a learner (distinct names) and share its
 *       cookie across CONNS keep-alive connections; every connection loops
 *       over the learner flow (app shell, course list, course, lesson open,
 *       lesson HTML, image, lesson complete, and every third round a quiz:
 *       attempt, answers, finish) for SECONDS, pausing a random 0..2*THINK_MS
 *       (or MIN..MAX ms) between requests. With PID (0: none), samples
 *       /proc/PID/status meanwhile. START "together" (the default): every
 *       connection sends its first request at the same instant; "spread":
 *       each first waits a think time too, so the phones join as they would
 *       in a class already at work.
 *   loadgen writes PORT CLIENTS SECONDS PREFIX
 *       CLIENTS learners on one connection each post "lesson complete" as
 *       fast as the box acknowledges them (each ack means durable).
 *   loadgen startup PORT TIMEOUT_S -- PROGRAM ARGS...
 *       execs PROGRAM, polls GET /api/v1/health until 200, prints the time
 *       from exec to that answer, then stops PROGRAM with SIGTERM.
 *
 * Results are printed as "key value" lines for run.sh. Built by run.sh:
 *   cc -O2 -pthread loadgen.c $(pkg-config --cflags --libs jansson zlib)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <arpa/inet.h>

#define LG_BUF 65536
#define LG_MAX_COURSES 16
#define LG_MAX_LESSONS 32
#define LG_MAX_MEDIA 32
#define LG_IO_TIMEOUT_S 15
#define LG_KINDS 5         /* kinds of request, see step__kind() */

/* ---- small helpers ---------------------------------------------------- */

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
real_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "loadgen: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void
uuid4(char out[37])
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		die("getrandom: %s", strerror(errno));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	    b[13], b[14], b[15]);
}

/* ---- latency samples ---------------------------------------------------- */

struct lat {
	uint32_t *us;
	size_t n, cap;
};

static void
lat_add(struct lat *l, int64_t us)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		uint32_t *p = realloc(l->us, cap * sizeof(*p));

		if (p == NULL)
			die("out of memory");
		l->us = p;
		l->cap = cap;
	}
	l->us[l->n++] = (uint32_t)(us > UINT32_MAX ? UINT32_MAX : us);
}

static void
lat_merge(struct lat *into, const struct lat *from)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		lat_add(into, from->us[i]);
}

static int
lat__cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Prints PREFIX_p50_ms ... PREFIX_max_ms (sorts l). */
static void
lat_print(struct lat *l, const char *prefix)
{
	static const struct { const char *name; double q; } qs[] = {
		{ "p50", 0.50 }, { "p90", 0.90 }, { "p99", 0.99 }, { "p999", 0.999 }, { "max", 1.0 },
	};
	size_t i;

	if (l->n == 0) {
		for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
			printf("%s_%s_ms nan\n", prefix, qs[i].name);
		return;
	}
	qsort(l->us, l->n, sizeof(l->us[0]), lat__cmp);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		size_t k = (size_t)(qs[i].q * (double)(l->n - 1) + 0.5);

		printf("%s_%s_ms %.2f\n", prefix, qs[i].name, l->us[k] / 1000.0);
	}
}

/* ---- one HTTP/1.1 keep-alive connection --------------------------------- */

struct conn {
	int port;
	int fd;                 /* -1 when not connected */
	size_t off, len;        /* unread bytes: buf[off..len) */
	long reconnects;        /* connections opened after the first */
	long opened;
	int plain;              /* 1: do not offer gzip */
	int want_stamp;         /* 1: note when the next bytes reached the kernel */
	int64_t stamp_us;       /* then: CLOCK_REALTIME of their arrival, 0 if none */
	char buf[LG_BUF];
};

struct resp {
	int status;
	char cookie[160];       /* pb_session value if set */
	char *body;             /* NUL-terminated when kept */
	size_t blen, bcap;
	size_t bytes;           /* body bytes received (kept or not) */
	int gzip;               /* Content-Encoding: gzip */
};

static void
conn_init(struct conn *c, int port)
{
	memset(c, 0, sizeof(*c));
	c->port = port;
	c->fd = -1;
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->off = c->len = 0;
}

static int
conn_open(struct conn *c)
{
	struct sockaddr_in sa;
	struct timeval tv = { LG_IO_TIMEOUT_S, 0 };
	int one = 1;

	conn_close(c);
	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)c->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		conn_close(c);
		return -1;
	}
	if (c->opened++ > 0)
		c->reconnects++;
	return 0;
}

/* Non-zero if the server closed c while it was idle (EOF or an error
 * waiting to be read), without blocking. */
static int
conn__closed(struct conn *c)
{
	struct pollfd pfd = { c->fd, POLLIN | POLLRDHUP, 0 };
	char b;

	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR))
		return 1;
	return recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
}

/* Reads more bytes into the buffer; 0 on EOF, -1 on error or timeout. */
static ssize_t
conn__fill(struct conn *c)
{
	ssize_t n;

	if (c->off == c->len)
		c->off = c->len = 0;
	if (c->len == sizeof(c->buf)) {
		if (c->off == 0)
			return -1;
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	/* with the time the bytes reached the kernel (SO_TIMESTAMPNS): the
	 * box's answer time, apart from how long this thread then waited for
	 * a core among the others */
	for (;;) {
		struct iovec iov = { c->buf + c->len, sizeof(c->buf) - c->len };
		char ctl[CMSG_SPACE(sizeof(struct timespec))];
		struct msghdr mh;
		struct cmsghdr *cm;

		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		n = recvmsg(c->fd, &mh, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0 && c->want_stamp) {
			for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
				if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
					struct timespec ts;

					memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
					c->stamp_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
				}
			c->want_stamp = 0;
		}
		break;
	}
	if (n > 0)
		c->len += (size_t)n;
	return n;
}

static int
conn__line(struct conn *c, char *out, size_t cap)
{
	for (;;) {
		char *nl = memchr(c->buf + c->off, '\n', c->len - c->off);

		if (nl != NULL) {
			size_t n = (size_t)(nl - (c->buf + c->off));

			if (n > 0 && nl[-1] == '\r')
				n--;
			if (n >= cap)
				return -1;
			memcpy(out, c->buf + c->off, n);
			out[n] = '\0';
			c->off = (size_t)(nl - c->buf) + 1;
			return 0;
		}
		if (conn__fill(c) <= 0)
			return -1;
	}
}

static void
resp__keep(struct resp *r, const char *p, size_t n)
{
	if (r->blen + n + 1 > r->bcap) {
		size_t cap = (r->blen + n + 1) * 2;
		char *b = realloc(r->body, cap);

		if (b == NULL)
			die("out of memory");
		r->body = b;
		r->bcap = cap;
	}
	memcpy(r->body + r->blen, p, n);
	r->blen += n;
	r->body[r->blen] = '\0';
}

/* Replaces a kept gzip body by its inflated text. */
static int
resp__gunzip(struct resp *r)
{
	z_stream zs;
	char out[16384];
	char *in = r->body;
	size_t inlen = r->blen;
	int zr;

	if (in == NULL)
		return 0;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return -1;
	r->body = NULL;
	r->blen = r->bcap = 0;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)inlen;
	do {
		zs.next_out = (Bytef *)out;
		zs.avail_out = sizeof(out);
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END)
			break;
		resp__keep(r, out, sizeof(out) - zs.avail_out);
	} while (zr != Z_STREAM_END);
	inflateEnd(&zs);
	free(in);
	return zr == Z_STREAM_END ? 0 : -1;
}

static int
conn__body(struct conn *c, size_t n, struct resp *r, int keep)
{
	while (n > 0) {
		size_t have;

		if (c->off == c->len && conn__fill(c) <= 0)
			return -1;
		have = c->len - c->off;
		if (have > n)
			have = n;
		if (keep)
			resp__keep(r, c->buf + c->off, have);
		r->bytes += have;
		c->off += have;
		n -= have;
	}
	return 0;
}

/* One request/response on c (connecting if needed). A request on a kept
 * connection that the server had closed is retried once on a new one.
 * Returns 0 with r filled, -1 on a connection error or timeout. */
static int
http_do(struct conn *c, const char *method, const char *path, const char *cookie,
    const char *json, struct resp *r, int keep_body)
{
	char req[2048], line[1024], clen_hdr[96] = "";
	int attempt, head = strcmp(method, "HEAD") == 0;

	r->status = 0;
	r->cookie[0] = '\0';
	r->blen = r->bytes = 0;
	r->gzip = 0;
	if (r->body)
		r->body[0] = '\0';
	if (json)
		snprintf(clen_hdr, sizeof(clen_hdr),
		    "Content-Type: application/json\r\nContent-Length: %zu\r\n", strlen(json));
	snprintf(req, sizeof(req),
	    "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%sUser-Agent: pamong-loadgen\r\n"
	    "%s%s%s%s\r\n%s",
	    method, path, c->port, c->plain ? "" : "Accept-Encoding: gzip\r\n",
	    cookie ? "Cookie: pb_session=" : "", cookie ? cookie : "", cookie ? "\r\n" : "",
	    clen_hdr, json ? json : "");
	for (attempt = 0; attempt < 2; attempt++) {
		int reused, chunked = 0, close_after = 0;
		long long clen = -1;
		size_t sent = 0, len = strlen(req);

		/* As a browser does: a kept connection the server has closed
		 * meanwhile (its FIN is there to read) is not used again. */
		if (attempt == 0 && c->fd >= 0 && c->off == c->len && conn__closed(c))
			conn_close(c);
		reused = c->fd >= 0;
		if (c->fd < 0 && conn_open(c) < 0)
			return -1;
		while (sent < len) {
			ssize_t n = write(c->fd, req + sent, len - sent);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			sent += (size_t)n;
		}
		/* bytes already buffered arrived before this request was sent */
		c->want_stamp = 1;
		c->stamp_us = 0;
		if (sent < len || conn__line(c, line, sizeof(line)) < 0) {
			conn_close(c);
			if (reused)
				continue;
			return -1;
		}
		if (sscanf(line, "HTTP/1.%*d %d", &r->status) != 1)
			goto bad;
		for (;;) {
			char *v;

			if (conn__line(c, line, sizeof(line)) < 0)
				goto bad;
			if (line[0] == '\0')
				break;
			if ((v = strchr(line, ':')) == NULL)
				continue;
			*v++ = '\0';
			while (*v == ' ')
				v++;
			if (strcasecmp(line, "Content-Length") == 0)
				clen = atoll(v);
			else if (strcasecmp(line, "Transfer-Encoding") == 0 && strcasestr(v, "chunked"))
				chunked = 1;
			else if (strcasecmp(line, "Content-Encoding") == 0 && strcasestr(v, "gzip"))
				r->gzip = 1;
			else if (strcasecmp(line, "Connection") == 0 && strcasestr(v, "close"))
				close_after = 1;
			else if (strcasecmp(line, "Set-Cookie") == 0 &&
			    strncmp(v, "pb_session=", 11) == 0)
				snprintf(r->cookie, sizeof(r->cookie), "%.*s",
				    (int)strcspn(v + 11, ";"), v + 11);
		}
		if (head || r->status == 204 || r->status == 304 || r->status < 200) {
			/* no body */
		} else if (chunked) {
			for (;;) {
				unsigned long sz;

				if (conn__line(c, line, sizeof(line)) < 0)
					goto bad;
				sz = strtoul(line, NULL, 16);
				if (sz == 0) {
					if (conn__line(c, line, sizeof(line)) < 0)
						goto bad;
					break;
				}
				if (conn__body(c, sz, r, keep_body) < 0 ||
				    conn__line(c, line, sizeof(line)) < 0)
					goto bad;
			}
		} else if (clen >= 0) {
			if (conn__body(c, (size_t)clen, r, keep_body) < 0)
				goto bad;
		} else {
			/* body until close */
			while (conn__fill(c) > 0) {
				if (keep_body)
					resp__keep(r, c->buf + c->off, c->len - c->off);
				r->bytes += c->len - c->off;
				c->off = c->len;
			}
			close_after = 1;
		}
		if (close_after)
			conn_close(c);
		if (keep_body && r->gzip && resp__gunzip(r) < 0)
			return -1;
		return 0;
	}
	return -1;
bad:
	conn_close(c);
	return -1;
}

/* ---- what the box serves: courses, lessons, media ------------------------- */

struct course {
	char id[64];
	int nlessons;
	char lesson[LG_MAX_LESSONS][64];
	char lesson_url[LG_MAX_LESSONS][256];
	int nimages;
	char image[LG_MAX_MEDIA][256];
};

static struct course courses[LG_MAX_COURSES];
static int ncourses;
static char position_id[64] = "kepala-desa";
static char village_code[32];

static json_t *
json_get(struct conn *c, const char *path, const char *cookie)
{
	struct resp r = { 0 };
	json_t *j = NULL;

	if (http_do(c, "GET", path, cookie, NULL, &r, 1) == 0 && r.status == 200 && r.body)
		j = json_loads(r.body, 0, NULL);
	free(r.body);
	return j;
}

/* Finds images referenced as ../media/NAME in a lesson's HTML. */
static void
discover__media(struct course *co, const char *lesson_url, const char *html)
{
	static const char *img[] = { ".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif" };
	const char *p = html, *base_end = strstr(lesson_url, "/lessons/");

	if (base_end == NULL)
		return;
	while ((p = strstr(p, "../media/")) != NULL) {
		size_t n = strcspn(p + 9, "\"' >");
		char name[128], url[256];
		size_t k, e;
		int dup = 0;

		snprintf(name, sizeof(name), "%.*s", (int)n, p + 9);
		p += 9 + n;
		for (k = 0, e = 0; k < sizeof(img) / sizeof(img[0]); k++) {
			size_t l = strlen(img[k]);

			if (strlen(name) > l && strcasecmp(name + strlen(name) - l, img[k]) == 0)
				e = 1;
		}
		if (!e)
			continue;
		snprintf(url, sizeof(url), "%.*s/media/%s", (int)(base_end - lesson_url),
		    lesson_url, name);
		for (k = 0; k < (size_t)co->nimages; k++)
			dup |= strcmp(co->image[k], url) == 0;
		if (!dup && co->nimages < LG_MAX_MEDIA)
			snprintf(co->image[co->nimages++], 256, "%s", url);
	}
}

static int
register_learner(struct conn *c, const char *name, char cookie[160], int64_t *us)
{
	char body[512];
	struct resp r = { 0 };
	int64_t t0 = now_us();
	int rc = -1;

	snprintf(body, sizeof(body),
	    "{\"name\":\"%s\",\"position\":\"%s\",\"village\":\"%s\",\"pin\":\"482913\"}",
	    name, position_id, village_code);
	if (http_do(c, "POST", "/api/v1/register", NULL, body, &r, 0) == 0 &&
	    r.status == 201 && r.cookie[0] != '\0') {
		snprintf(cookie, 160, "%s", r.cookie);
		rc = 0;
	} else {
		fprintf(stderr, "loadgen: register %s: status %d\n", name, r.status);
	}
	if (us)
		*us = now_us() - t0;
	free(r.body);
	return rc;
}

/* Learns positions, villages, courses, lessons and images from the box. */
static void
discover(int port, const char *prefix)
{
	struct conn *c = malloc(sizeof(*c));
	char cookie[160], name[96];
	json_t *j, *arr, *it;
	size_t i, k;

	if (c == NULL)
		die("out of memory");
	conn_init(c, port);
	c->plain = 1;
	if ((j = json_get(c, "/api/v1/positions", NULL)) != NULL) {
		it = json_array_get(json_object_get(j, "positions"), 0);
		if (json_is_string(json_object_get(it, "id")))
			snprintf(position_id, sizeof(position_id), "%s",
			    json_string_value(json_object_get(it, "id")));
		json_decref(j);
	}
	if ((j = json_get(c, "/api/v1/villages", NULL)) == NULL)
		die("GET /api/v1/villages failed");
	it = json_array_get(json_object_get(j, "villages"), 0);
	if (!json_is_string(json_object_get(it, "code")))
		die("the box offers no village");
	snprintf(village_code, sizeof(village_code), "%s",
	    json_string_value(json_object_get(it, "code")));
	json_decref(j);
	snprintf(name, sizeof(name), "Bench %s Penjelajah", prefix);
	if (register_learner(c, name, cookie, NULL) < 0)
		die("cannot register %s", name);
	if ((j = json_get(c, "/api/v1/courses", cookie)) == NULL)
		die("GET /api/v1/courses failed");
	arr = json_object_get(j, "courses");
	json_array_foreach(arr, i, it) {
		char path[256];
		struct course *co;
		json_t *d, *lessons, *l;

		if (ncourses == LG_MAX_COURSES)
			break;
		co = &courses[ncourses];
		snprintf(co->id, sizeof(co->id), "%s", json_string_value(json_object_get(it, "id")));
		snprintf(path, sizeof(path), "/api/v1/courses/%s", co->id);
		if ((d = json_get(c, path, cookie)) == NULL)
			die("GET %s failed", path);
		lessons = json_object_get(d, "lessons");
		json_array_foreach(lessons, k, l) {
			struct resp r = { 0 };

			if (co->nlessons == LG_MAX_LESSONS)
				break;
			snprintf(co->lesson[co->nlessons], 64, "%s",
			    json_string_value(json_object_get(l, "id")));
			snprintf(co->lesson_url[co->nlessons], 256, "%s",
			    json_string_value(json_object_get(l, "url")));
			if (http_do(c, "GET", co->lesson_url[co->nlessons], cookie, NULL, &r, 1) == 0 &&
			    r.status == 200 && r.body && memchr(r.body, '<', r.blen))
				discover__media(co, co->lesson_url[co->nlessons], r.body);
			free(r.body);
			co->nlessons++;
		}
		json_decref(d);
		if (co->nlessons > 0)
			ncourses++;
	}
	json_decref(j);
	conn_close(c);
	free(c);
	if (ncourses == 0)
		die("the box has no course with lessons (are the sample packs installed?)");
}

/* ---- /proc/PID/status sampling ------------------------------------------- */

static long
proc_status_kb(int pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			v = atol(line + klen + 1);
	fclose(f);
	return v;
}

/* CPU time (user + system) pid has used, in ms; -1 if unknown. */
static long
proc_cpu_ms(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* after "(comm)": state is field 3, utime 14, stime 15 */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)((ut + st) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK));
}

/* This process's own CPU time (user + system), in ms. */
static long
self_cpu_ms(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return -1;
	return ru.ru_utime.tv_sec * 1000L + ru.ru_utime.tv_usec / 1000 +
	    ru.ru_stime.tv_sec * 1000L + ru.ru_stime.tv_usec / 1000;
}

static atomic_int stop_flag;
static int sample_pid;
static long rss_peak_kb, anon_peak_kb;

static void *
sampler(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop_flag)) {
		long v = proc_status_kb(sample_pid, "VmRSS");
		long a = proc_status_kb(sample_pid, "RssAnon");

		if (v > rss_peak_kb)
			rss_peak_kb = v;
		if (a > anon_peak_kb)
			anon_peak_kb = a;
		sleep_ms(50);
	}
	return NULL;
}

/* ---- classroom ------------------------------------------------------------ */

struct phone {
	int index;
	char cookie[160];
	int ok;
};

struct worker {
	struct phone *ph;
	int k;                  /* connection index within the phone */
	pthread_t tid;
	struct conn *c;
	struct lat lat;
	struct lat cat[LG_KINDS]; /* the same by kind, see step__kind() */
	struct lat rx, rx_first;  /* to the answer's arrival in the kernel: all, first */
	long ok, errors, bytes;
	int64_t first_answer_us; /* from start to its first answer, -1 if none */
	char last_error[160];
};

static int port, think_ms, think_min_ms, seconds;
static int spread;           /* the first request waits a think time too */
static int slow_ms;          /* LG_SLOW_MS: print answers slower than this */
static int64_t start_us, end_us;
static pthread_barrier_t barrier;

static const char *const kind_name[LG_KINDS] = { "static", "read", "progress", "quiz", "first" };

/* static files, API reads, progress writes, quiz writes; a connection's
 * first request (connect and first answer) apart */
static int
step__kind(const struct worker *w, const char *method, const char *path)
{
	if (w->ok == 0 && w->errors == 0)
		return 4;
	if (strncmp(path, "/api/", 5) != 0)
		return 0;
	if (strcmp(method, "GET") == 0)
		return 1;
	return strstr(path, "/attempts") ? 3 : 2;
}

/* One timed request; returns the status (0 on a connection error). */
static int
step(struct worker *w, unsigned *seed, const char *method, const char *path,
    const char *json, struct resp *r, int keep)
{
	int64_t t0, rt0;
	int rc;

	if (think_ms > 0 && (spread || w->ok > 0 || w->errors > 0))
		sleep_ms(think_min_ms > 0 ? think_min_ms + (int)(rand_r(seed) %
		    (unsigned)(think_ms - think_min_ms + 1)) : (int)(rand_r(seed) %
		    (unsigned)(2 * think_ms + 1)));
	if (now_us() >= end_us)
		return -1;
	t0 = now_us();
	rt0 = real_us();
	rc = http_do(w->c, method, path, w->ph->cookie, json, r, keep);
	if (rc == 0) {
		if (w->c->stamp_us > rt0) {
			lat_add(&w->rx, w->c->stamp_us - rt0);
			if (step__kind(w, method, path) == 4)
				lat_add(&w->rx_first, w->c->stamp_us - rt0);
		}
		lat_add(&w->lat, now_us() - t0);
		/* LG_SLOW_MS: print each slower answer (when it started, how
		 * long, what), to see whether the slow ones come together */
		if (slow_ms > 0 && now_us() - t0 >= (int64_t)slow_ms * 1000)
			fprintf(stderr, "slow %.3f s %.1f ms (arrived after %.1f ms) %s %s\n",
			    (double)(t0 - start_us) / 1e6, (double)(now_us() - t0) / 1000.0,
			    w->c->stamp_us > rt0 ? (double)(w->c->stamp_us - rt0) / 1000.0 : -1.0,
			    method, path);
		lat_add(&w->cat[step__kind(w, method, path)], now_us() - t0);
		if (w->first_answer_us < 0)
			w->first_answer_us = now_us() - start_us;
		w->bytes += (long)r->bytes;
	}
	if (rc < 0 || r->status < 200 || r->status >= 300) {
		w->errors++;
		snprintf(w->last_error, sizeof(w->last_error), "%s %s -> %s %d", method, path,
		    rc < 0 ? "connection error" : "status", rc < 0 ? errno : r->status);
		return rc < 0 ? 0 : r->status;
	}
	w->ok++;
	return r->status;
}

/* The quiz of course co: start an attempt, answer every question with its
 * first choice, finish. Returns -1 once the run is over. */
static int
quiz(struct worker *w, unsigned *seed, const struct course *co, struct resp *r)
{
	char path[256], body[160], att[37];
	json_t *j, *qs, *q;
	size_t i;
	int st;

	uuid4(att);
	snprintf(path, sizeof(path), "/api/v1/courses/%s/attempts", co->id);
	snprintf(body, sizeof(body), "{\"attempt\":\"%s\"}", att);
	if ((st = step(w, seed, "POST", path, body, r, 1)) < 0)
		return -1;
	if (st != 201 && st != 200)
		return 0;
	if ((j = json_loads(r->body ? r->body : "", 0, NULL)) == NULL) {
		w->errors++;
		snprintf(w->last_error, sizeof(w->last_error), "attempt: unparsable JSON");
		return 0;
	}
	qs = json_object_get(j, "questions");
	json_array_foreach(qs, i, q) {
		const char *qid = json_string_value(json_object_get(q, "id"));
		const char *cid = json_string_value(json_object_get(
		    json_array_get(json_object_get(q, "choices"), 0), "id"));

		if (qid == NULL || cid == NULL)
			continue;
		snprintf(path, sizeof(path), "/api/v1/attempts/%s/answers/%s", att, qid);
		snprintf(body, sizeof(body), "{\"choices\":[\"%s\"]}", cid);
		if (step(w, seed, "PUT", path, body, r, 0) < 0) {
			json_decref(j);
			return -1;
		}
	}
	json_decref(j);
	snprintf(path, sizeof(path), "/api/v1/attempts/%s/finish", att);
	return step(w, seed, "POST", path, "{}", r, 0) < 0 ? -1 : 0;
}

static void *
classroom_worker(void *arg)
{
	struct worker *w = arg;
	unsigned seed = (unsigned)(w->ph->index * 131 + w->k * 7 + 1);
	struct resp r = { 0 };
	char path[320];
	int round;

	pthread_barrier_wait(&barrier);
	for (round = 0; now_us() < end_us; round++) {
		const struct course *co = &courses[(w->ph->index + w->k + round) % ncourses];
		int li = (w->k + round) % co->nlessons;

		if (step(w, &seed, "GET", "/", NULL, &r, 0) < 0 ||
		    step(w, &seed, "GET", "/js/main.js", NULL, &r, 0) < 0 ||
		    step(w, &seed, "GET", "/app.css", NULL, &r, 0) < 0 ||
		    step(w, &seed, "GET", "/api/v1/courses", NULL, &r, 0) < 0)
			break;
		snprintf(path, sizeof(path), "/api/v1/courses/%s", co->id);
		if (step(w, &seed, "GET", path, NULL, &r, 0) < 0)
			break;
		snprintf(path, sizeof(path), "/api/v1/courses/%s/lessons/%s/open", co->id,
		    co->lesson[li]);
		if (step(w, &seed, "POST", path, "{}", &r, 0) < 0 ||
		    step(w, &seed, "GET", co->lesson_url[li], NULL, &r, 0) < 0)
			break;
		if (co->nimages > 0 &&
		    step(w, &seed, "GET", co->image[(w->k + round) % co->nimages], NULL, &r, 0) < 0)
			break;
		snprintf(path, sizeof(path), "/api/v1/courses/%s/lessons/%s/complete", co->id,
		    co->lesson[li]);
		if (step(w, &seed, "POST", path, "{\"seconds\":30}", &r, 0) < 0)
			break;
		if ((round + w->k) % 3 == 0 && quiz(w, &seed, co, &r) < 0)
			break;
	}
	free(r.body);
	return NULL;
}

struct reg_arg {
	struct phone *ph;
	const char *prefix;
	pthread_t tid;
	int64_t us;
};

static void *
register_worker(void *arg)
{
	struct reg_arg *a = arg;
	struct conn *c = malloc(sizeof(*c));
	char name[96];

	if (c == NULL)
		die("out of memory");
	conn_init(c, port);
	snprintf(name, sizeof(name), "Bench %s Peserta %03d", a->prefix, a->ph->index + 1);
	a->ph->ok = register_learner(c, name, a->ph->cookie, &a->us) == 0;
	conn_close(c);
	free(c);
	return NULL;
}

static int
cmd_classroom(int argc, char **argv)
{
	int phones, per, pid = 0, i, k, n, served = 0, registered = 0, shown = 0;
	const char *prefix;
	struct phone *ph;
	struct worker *w;
	struct reg_arg *ra;
	struct lat rx = { 0 }, rx_first = { 0 };
	struct lat all = { 0 }, reg = { 0 }, cat[LG_KINDS] = { { 0 } };
	long ok = 0, errors = 0, reconnects = 0, bytes = 0, min_ok = -1, cpu_before = -1, cpu_after;
	long self_before = -1;
	int64_t first_max = 0, t_end;
	pthread_t st;
	pthread_attr_t attr;

	if (argc < 7)
		die("usage: loadgen classroom PORT PHONES CONNS SECONDS THINK_MS|MIN-MAX PREFIX "
		    "[PID [together|spread]]");
	port = atoi(argv[1]);
	phones = atoi(argv[2]);
	per = atoi(argv[3]);
	seconds = atoi(argv[4]);
	/* THINK_MS: 0..2*THINK_MS between requests; MIN-MAX: MIN..MAX ms */
	if (strchr(argv[5], '-') != NULL) {
		think_min_ms = atoi(argv[5]);
		think_ms = atoi(strchr(argv[5], '-') + 1);
		if (think_min_ms <= 0 || think_ms < think_min_ms)
			die("think time MIN-MAX needs 0 < MIN <= MAX");
	} else {
		think_ms = atoi(argv[5]);
	}
	prefix = argv[6];
	if (argc > 7)
		pid = atoi(argv[7]);
	if (argc > 8) {
		if (strcmp(argv[8], "spread") == 0)
			spread = 1;
		else if (strcmp(argv[8], "together") != 0)
			die("START is together or spread, not %s", argv[8]);
	}
	n = phones * per;
	if (getenv("LG_SLOW_MS") != NULL)
		slow_ms = atoi(getenv("LG_SLOW_MS"));
	discover(port, prefix);

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	ph = calloc((size_t)phones, sizeof(*ph));
	ra = calloc((size_t)phones, sizeof(*ra));
	w = calloc((size_t)n, sizeof(*w));
	if (ph == NULL || ra == NULL || w == NULL)
		die("out of memory");
	/* every phone registers its learner at once, as a class would */
	for (i = 0; i < phones; i++) {
		ph[i].index = i;
		ra[i].ph = &ph[i];
		ra[i].prefix = prefix;
		if (pthread_create(&ra[i].tid, &attr, register_worker, &ra[i]) != 0)
			die("pthread_create failed");
	}
	for (i = 0; i < phones; i++) {
		pthread_join(ra[i].tid, NULL);
		registered += ph[i].ok;
		lat_add(&reg, ra[i].us);
	}
	if (registered != phones)
		die("only %d of %d phones could register", registered, phones);

	if (pid > 0) {
		sample_pid = pid;
		rss_peak_kb = proc_status_kb(pid, "VmRSS");
		anon_peak_kb = proc_status_kb(pid, "RssAnon");
		printf("hwm_before_kb %ld\n", proc_status_kb(pid, "VmHWM"));
		printf("rss_before_kb %ld\n", proc_status_kb(pid, "VmRSS"));
		cpu_before = proc_cpu_ms(pid);
		self_before = self_cpu_ms();
		if (pthread_create(&st, NULL, sampler, NULL) != 0)
			die("pthread_create failed");
	}
	if (pthread_barrier_init(&barrier, NULL, (unsigned)n + 1) != 0)
		die("pthread_barrier_init failed");
	for (i = 0; i < n; i++) {
		w[i].ph = &ph[i / per];
		w[i].k = i % per;
		w[i].first_answer_us = -1;
		if ((w[i].c = malloc(sizeof(*w[i].c))) == NULL)
			die("out of memory");
		conn_init(w[i].c, port);
		if (pthread_create(&w[i].tid, &attr, classroom_worker, &w[i]) != 0)
			die("pthread_create failed (connection %d)", i);
	}
	start_us = now_us();
	end_us = start_us + (int64_t)seconds * 1000000;
	pthread_barrier_wait(&barrier);
	for (i = 0; i < n; i++)
		pthread_join(w[i].tid, NULL);
	t_end = now_us();
	if (pid > 0) {
		atomic_store(&stop_flag, 1);
		pthread_join(st, NULL);
	}

	for (i = 0; i < n; i++) {
		ok += w[i].ok;
		errors += w[i].errors;
		bytes += w[i].bytes;
		reconnects += w[i].c->reconnects;
		if (w[i].ok > 0)
			served++;
		if (min_ok < 0 || w[i].ok < min_ok)
			min_ok = w[i].ok;
		if (w[i].first_answer_us > first_max)
			first_max = w[i].first_answer_us;
		if (w[i].errors > 0 && shown++ < 10)
			fprintf(stderr, "loadgen: phone %d conn %d: %ld errors, last: %s\n",
			    w[i].ph->index, w[i].k, w[i].errors, w[i].last_error);
		lat_merge(&all, &w[i].lat);
		lat_merge(&rx, &w[i].rx);
		lat_merge(&rx_first, &w[i].rx_first);
		for (k = 0; k < LG_KINDS; k++)
			lat_merge(&cat[k], &w[i].cat[k]);
		conn_close(w[i].c);
	}
	printf("courses %d\n", ncourses);
	printf("connections %d\n", n);
	printf("served %d\n", served);
	printf("min_answers_per_conn %ld\n", min_ok);
	printf("first_answer_max_ms %.1f\n", (double)first_max / 1000.0);
	printf("requests %ld\n", ok + errors);
	printf("errors %ld\n", errors);
	printf("reconnects %ld\n", reconnects);
	printf("rps %.0f\n", (double)(ok + errors) * 1e6 / (double)(t_end - start_us));
	printf("mbytes %.1f\n", (double)bytes / 1e6);
	lat_print(&all, "lat");
	for (k = 0; k < LG_KINDS; k++) {
		char pre[32];

		snprintf(pre, sizeof(pre), "lat_%s", kind_name[k]);
		printf("%s_count %zu\n", pre, cat[k].n);
		lat_print(&cat[k], pre);
	}
	/* the same latencies to the answer's arrival in the kernel, without
	 * this process's threads waiting for a core */
	lat_print(&rx, "rx");
	lat_print(&rx_first, "rx_first");
	lat_print(&reg, "register");
	if (pid > 0) {
		printf("rss_peak_kb %ld\n", rss_peak_kb);
		printf("anon_peak_kb %ld\n", anon_peak_kb);
		printf("file_kb %ld\n", proc_status_kb(pid, "RssFile"));
		printf("hwm_kb %ld\n", proc_status_kb(pid, "VmHWM"));
		/* pamongd's CPU per request: what the box spends, whatever else
		 * runs on the machine */
		if (cpu_before >= 0 && (cpu_after = proc_cpu_ms(pid)) >= 0) {
			printf("cpu_ms %ld\n", cpu_after - cpu_before);
			printf("cpu_us_per_req %.0f\n", ok + errors > 0 ?
			    (double)(cpu_after - cpu_before) * 1000.0 / (double)(ok + errors) : 0.0);
		}
		/* the simulated phones' share of the same cores */
		if (self_before >= 0)
			printf("client_cpu_us_per_req %.0f\n", ok + errors > 0 ?
			    (double)(self_cpu_ms() - self_before) * 1000.0 / (double)(ok + errors) : 0.0);
	}
	return 0;
}

/* ---- durable writes --------------------------------------------------------- */

static void *
writes_worker(void *arg)
{
	struct worker *w = arg;
	unsigned seed = (unsigned)w->k + 1;
	struct resp r = { 0 };
	char path[320];
	int i;

	pthread_barrier_wait(&barrier);
	for (i = 0; now_us() < end_us; i++) {
		const struct course *co = &courses[w->k % ncourses];

		snprintf(path, sizeof(path), "/api/v1/courses/%s/lessons/%s/complete", co->id,
		    co->lesson[i % co->nlessons]);
		if (step(w, &seed, "POST", path, "{\"seconds\":1}", &r, 0) < 0)
			break;
	}
	free(r.body);
	return NULL;
}

static int
cmd_writes(int argc, char **argv)
{
	int clients, i, shown = 0;
	const char *prefix;
	struct phone *ph;
	struct reg_arg *ra;
	struct worker *w;
	struct lat all = { 0 };
	long ok = 0, errors = 0;
	int64_t t_end;
	pthread_attr_t attr;

	if (argc < 5)
		die("usage: loadgen writes PORT CLIENTS SECONDS PREFIX");
	port = atoi(argv[1]);
	clients = atoi(argv[2]);
	seconds = atoi(argv[3]);
	prefix = argv[4];
	think_ms = 0;
	discover(port, prefix);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	ph = calloc((size_t)clients, sizeof(*ph));
	ra = calloc((size_t)clients, sizeof(*ra));
	w = calloc((size_t)clients, sizeof(*w));
	if (ph == NULL || ra == NULL || w == NULL)
		die("out of memory");
	for (i = 0; i < clients; i++) {
		ph[i].index = i;
		ra[i].ph = &ph[i];
		ra[i].prefix = prefix;
		if (pthread_create(&ra[i].tid, &attr, register_worker, &ra[i]) != 0)
			die("pthread_create failed");
	}
	for (i = 0; i < clients; i++) {
		pthread_join(ra[i].tid, NULL);
		if (!ph[i].ok)
			die("client %d could not register", i);
	}
	if (pthread_barrier_init(&barrier, NULL, (unsigned)clients + 1) != 0)
		die("pthread_barrier_init failed");
	for (i = 0; i < clients; i++) {
		w[i].ph = &ph[i];
		w[i].k = i;
		w[i].first_answer_us = -1;
		if ((w[i].c = malloc(sizeof(*w[i].c))) == NULL)
			die("out of memory");
		conn_init(w[i].c, port);
		if (pthread_create(&w[i].tid, &attr, writes_worker, &w[i]) != 0)
			die("pthread_create failed");
	}
	start_us = now_us();
	end_us = start_us + (int64_t)seconds * 1000000;
	pthread_barrier_wait(&barrier);
	for (i = 0; i < clients; i++)
		pthread_join(w[i].tid, NULL);
	t_end = now_us();
	for (i = 0; i < clients; i++) {
		ok += w[i].ok;
		errors += w[i].errors;
		if (w[i].errors > 0 && shown++ < 10)
			fprintf(stderr, "loadgen: client %d: %ld errors, last: %s\n", i,
			    w[i].errors, w[i].last_error);
		lat_merge(&all, &w[i].lat);
		conn_close(w[i].c);
	}
	printf("writes %ld\n", ok);
	printf("errors %ld\n", errors);
	printf("rate %.0f\n", (double)ok * 1e6 / (double)(t_end - start_us));
	lat_print(&all, "lat");
	return 0;
}

/* ---- start-up --------------------------------------------------------------- */

static int
cmd_startup(int argc, char **argv)
{
	struct conn *c = malloc(sizeof(*c));
	int timeout_s, status = -1, i;
	int64_t t0, deadline;
	pid_t pid;

	if (argc < 5 || strcmp(argv[3], "--") != 0 || c == NULL)
		die("usage: loadgen startup PORT TIMEOUT_S -- PROGRAM ARGS...");
	port = atoi(argv[1]);
	timeout_s = atoi(argv[2]);
	conn_init(c, port);
	t0 = now_us();
	deadline = t0 + (int64_t)timeout_s * 1000000;
	if ((pid = fork()) < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		execv(argv[4], argv + 4);
		_exit(127);
	}
	for (i = 0; now_us() < deadline; i++) {
		struct resp r = { 0 };

		if (waitpid(pid, &status, WNOHANG) == pid)
			die("%s exited (status %d) before answering", argv[4], status);
		if (http_do(c, "GET", "/api/v1/health", NULL, NULL, &r, 0) == 0 &&
		    r.status == 200) {
			printf("ms %.1f\n", (double)(now_us() - t0) / 1000.0);
			printf("polls %d\n", i + 1);
			break;
		}
		free(r.body);
		conn_close(c);
		sleep_ms(1);
	}
	if (now_us() >= deadline)
		printf("ms nan\n");
	conn_close(c);
	free(c);
	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid: %s", strerror(errno));
	printf("exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	json_object_seed(1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "classroom") == 0)
		return cmd_classroom(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "writes") == 0)
		return cmd_writes(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "startup") == 0)
		return cmd_startup(argc - 1, argv + 1);
	die("usage: loadgen classroom|writes|startup ...");
	return 2;
}
