/* http_reply.c — see http_reply.h: answers in one write, gzip for large
 * bodies, the request body reader. */
#include "http_reply.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "http_int.h"
#include "util.h"

#define HTTP__GZIP_MIN 1024

static const char *
http__reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	}
	return status >= 500 ? "Server Error" : status >= 400 ? "Client Error" : "OK";
}

int
http__accepts_gzip(struct mg_connection *conn)
{
	const char *ae = mg_get_header(conn, "Accept-Encoding");

	return ae != NULL && strstr(ae, "gzip") != NULL;
}

/* gzip-compress in into a malloc'd buffer; NULL on failure. Deflate's
 * state is sized to the input: a window just larger than it (zlib's
 * default, 32 KB twice plus a 64 KB hash and its buffers, is 256 KB, which
 * malloc takes from a fresh mapping or from pages it gave back, so every
 * answer paid for faulting it in again; a JSON answer of 1-3 KB spent more
 * time there than compressing). The output is the same format and, for an
 * input that fits the window, nearly the same size. */
unsigned char *
http__gzip(const char *in, size_t len, size_t *outlen)
{
	z_stream zs;
	unsigned char *out;
	uLong cap;
	int wbits = 9, mem = 8;

	while (wbits < 15 && ((size_t)1 << wbits) < len)
		wbits++;
	/* the hash: 2^(mem + 7) entries, enough for an input this small */
	if (wbits <= 14)
		mem = wbits - 8 < 2 ? 2 : wbits - 8;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, wbits + 16, mem, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&zs, (uLong)len) + 32;
	if ((out = malloc(cap)) == NULL) {
		deflateEnd(&zs);
		return NULL;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		free(out);
		return NULL;
	}
	*outlen = zs.total_out;
	deflateEnd(&zs);
	return out;
}

/* Headers and body leave in one write: with TCP_NODELAY every write is a
 * packet, and a phone on Wi-Fi pays for each. */
static void
http__send(struct mg_connection *conn, int status, const char *ctype, const char *body,
    size_t len, const char *extra)
{
	unsigned char *gz = NULL;
	const char *out = body;
	size_t gzlen = 0, hlen;
	char head[1024], *buf;
	int n;

	if (len >= HTTP__GZIP_MIN && http__accepts_gzip(conn) &&
	    (gz = http__gzip(body, len, &gzlen)) != NULL) {
		out = (const char *)gz;
		len = gzlen;
	}
	n = snprintf(head, sizeof(head),
	    "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    HTTP__JSON_SECURITY
	    "%s%s%s\r\n",
	    status, http__reason(status), ctype, len,
	    gz ? "Content-Encoding: gzip\r\n" : "",
	    gz || len >= HTTP__GZIP_MIN ? "Vary: Accept-Encoding\r\n" : "", extra ? extra : "");
	hlen = n < 0 ? 0 : (size_t)n < sizeof(head) ? (size_t)n : sizeof(head) - 1;
	if ((buf = malloc(hlen + len)) != NULL) {
		memcpy(buf, head, hlen);
		memcpy(buf + hlen, out, len);
		mg_write(conn, buf, hlen + len);
		free(buf);
	} else {
		mg_write(conn, head, hlen);
		mg_write(conn, out, len);
	}
	free(gz);
}

void
http_send_json(struct mg_connection *conn, int status, json_t *obj, const char *extra)
{
	char *text = json_dumps(obj, JSON_COMPACT);

	json_decref(obj);
	if (text == NULL) {
		http__send(conn, 500, "application/json; charset=utf-8",
		    "{\"error\":\"internal\"}", 20, NULL);
		return;
	}
	http__send(conn, status, "application/json; charset=utf-8", text, strlen(text), extra);
	free(text);
}

void
http_send_body(struct mg_connection *conn, int status, const char *ctype, const char *body,
    size_t len, const char *extra)
{
	http__send(conn, status, ctype, body, len, extra);
}

void
http_send_error(struct mg_connection *conn, int status, const char *code,
    const char *message, const char *field)
{
	json_t *o = json_pack("{s:s, s:s}", "error", code, "message", message);

	if (o != NULL && field != NULL)
		json_object_set_new(o, "field", json_string(field));
	http_send_json(conn, status, o, NULL);
}

void
http_send_empty(struct mg_connection *conn, int status, const char *extra)
{
	http__send(conn, status, "text/plain; charset=utf-8", "", 0, extra);
}

pb_err
http_read_body(struct mg_connection *conn, size_t max, long deadline_ms, char **out,
    size_t *outlen)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	int64_t until = util_mono_ms() + deadline_ms;
	size_t cap, len = 0;
	char *buf;
	int n = 0;

	*out = NULL;
	if (ri->content_length > (long long)max) {
		mg_disable_connection_keep_alive(conn); /* never read what is left */
		return PB_ERR_LIMIT;
	}
	cap = ri->content_length >= 0 ? (size_t)ri->content_length : max;
	if ((buf = malloc(cap + 1)) == NULL)
		return PB_ERR_NOMEM;
	/* One byte per call: mg_read waits until it has all it was asked for,
	 * so a larger request lets a phone that sends a byte now and then hold
	 * the worker. Bytes that came with the headers are copied from
	 * CivetWeb's buffer without a system call. */
	while (len < cap && (n = mg_read(conn, buf + len, 1)) > 0) {
		len++;
		if (util_mono_ms() > until) {
			free(buf);
			mg_disable_connection_keep_alive(conn);
			return PB_ERR_TIMEOUT;
		}
	}
	if (len == cap && ri->content_length < 0) {
		char extra; /* a chunked body that reached the limit: is there more? */

		if (mg_read(conn, &extra, 1) > 0) {
			free(buf);
			mg_disable_connection_keep_alive(conn);
			return PB_ERR_LIMIT;
		}
	}
	if (ri->content_length >= 0 && len != cap) {
		/* mg_read gives 0 when nothing came for request_timeout_ms, -1
		 * when the phone went away */
		free(buf);
		mg_disable_connection_keep_alive(conn);
		return n == 0 || util_mono_ms() > until ? PB_ERR_TIMEOUT : PB_ERR_IO;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	mg_set_user_connection_data(conn, HTTP__BODY_READ);
	return PB_OK;
}

/* The socket of conn: CivetWeb does not hand it out, so it is the
 * descriptor whose two ends are the request's addresses. -1 if not found. */
static int
http__conn_socket(const struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	struct sockaddr_storage peer, self;
	char addr[INET6_ADDRSTRLEN];
	struct dirent *de;
	int fd, found = -1;
	DIR *d;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while (found < 0 && (de = readdir(d)) != NULL) {
		socklen_t pl = sizeof(peer), sl = sizeof(self);
		const void *a;
		int pport, sport;

		if ((fd = atoi(de->d_name)) <= 2 || fd == dirfd(d) ||
		    getpeername(fd, (struct sockaddr *)&peer, &pl) < 0 ||
		    getsockname(fd, (struct sockaddr *)&self, &sl) < 0)
			continue;
		if (peer.ss_family == AF_INET) {
			a = &((struct sockaddr_in *)&peer)->sin_addr;
			pport = ntohs(((struct sockaddr_in *)&peer)->sin_port);
			sport = ntohs(((struct sockaddr_in *)&self)->sin_port);
		} else if (peer.ss_family == AF_INET6) {
			a = &((struct sockaddr_in6 *)&peer)->sin6_addr;
			pport = ntohs(((struct sockaddr_in6 *)&peer)->sin6_port);
			sport = ntohs(((struct sockaddr_in6 *)&self)->sin6_port);
		} else {
			continue;
		}
		if (pport == ri->remote_port && sport == ri->server_port &&
		    inet_ntop(peer.ss_family, a, addr, sizeof(addr)) != NULL &&
		    strcmp(addr, ri->remote_addr) == 0)
			found = fd;
	}
	closedir(d);
	return found;
}

/* The watchdog of one streamed body: shuts the socket's reading side (the
 * blocked mg_read then returns) when a piece is late or the whole is. */
struct http__watch {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int sock, done, fired;
	int64_t until, piece_until;
	long stall_ms;
};

static void
http__abstime(struct timespec *ts, int64_t mono_ms)
{
	int64_t left = mono_ms - util_mono_ms();

	clock_gettime(CLOCK_MONOTONIC, ts);
	if (left < 0)
		left = 0;
	ts->tv_sec += left / 1000;
	ts->tv_nsec += (left % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *
http__watch_run(void *arg)
{
	struct http__watch *w = arg;
	struct timespec ts;

	pthread_mutex_lock(&w->mu);
	while (!w->done) {
		int64_t due = w->piece_until < w->until ? w->piece_until : w->until;

		if (util_mono_ms() >= due) {
			shutdown(w->sock, SHUT_RD);
			w->fired = 1;
			break;
		}
		http__abstime(&ts, due);
		pthread_cond_timedwait(&w->cv, &w->mu, &ts);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static int
http__watch_start(struct http__watch *w, int sock, int64_t until, long stall_ms)
{
	pthread_condattr_t ca;

	memset(w, 0, sizeof(*w));
	w->sock = sock;
	w->until = until;
	w->stall_ms = stall_ms;
	w->piece_until = util_mono_ms() + stall_ms;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->thread, NULL, http__watch_run, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		return -1;
	}
	return 0;
}

/* A piece arrived: the next one has stall_ms again. */
static void
http__watch_piece(struct http__watch *w)
{
	pthread_mutex_lock(&w->mu);
	w->piece_until = util_mono_ms() + w->stall_ms;
	pthread_mutex_unlock(&w->mu);
}

/* Stop the watchdog; non-zero if it shut the socket. */
static int
http__watch_stop(struct http__watch *w)
{
	int fired;

	pthread_mutex_lock(&w->mu);
	w->done = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	fired = w->fired;
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	return fired;
}

/* An upload is read and written in pieces this large (on the heap: a
 * worker's stack is small). */
#define HTTP__PIECE 16384

static pb_err
http__read_body_fd(struct mg_connection *conn, int fd, unsigned long long max,
    int64_t until, struct http__watch *watch, unsigned long long *outlen)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	unsigned long long len = 0;
	size_t piece = 0;
	char *buf;
	int n;
	pb_err rc;

	if ((buf = malloc(HTTP__PIECE)) == NULL) {
		mg_disable_connection_keep_alive(conn);
		errno = ENOMEM;
		return PB_ERR_IO;
	}
	/* mg_read returns what came within request_timeout_ms, however
	 * little: the watchdog is fed per whole piece, not per read, so a
	 * byte every few seconds does not keep the upload alive */
	while ((n = mg_read(conn, buf, HTTP__PIECE)) > 0) {
		const char *p = buf;
		size_t left = (size_t)n;

		len += (unsigned long long)n;
		piece += (size_t)n;
		if (watch != NULL && (piece >= HTTP__PIECE ||
		    (ri->content_length >= 0 && len >= (unsigned long long)ri->content_length))) {
			http__watch_piece(watch);
			piece %= HTTP__PIECE;
		}
		if (len > max || util_mono_ms() > until) {
			mg_disable_connection_keep_alive(conn);
			rc = len > max ? PB_ERR_LIMIT : PB_ERR_TIMEOUT;
			goto out;
		}
		while (left > 0) {
			ssize_t w = write(fd, p, left);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				mg_disable_connection_keep_alive(conn);
				rc = PB_ERR_IO;
				goto out;
			}
			p += w;
			left -= (size_t)w;
		}
	}
	if (n < 0 || (ri->content_length >= 0 && len != (unsigned long long)ri->content_length)) {
		mg_disable_connection_keep_alive(conn);
		rc = n == 0 || util_mono_ms() > until ? PB_ERR_TIMEOUT : PB_ERR_IO;
		goto out;
	}
	*outlen = len;
	mg_set_user_connection_data(conn, HTTP__BODY_READ);
	rc = PB_OK;
out:
	free(buf);
	return rc;
}

pb_err
http_read_body_fd(struct mg_connection *conn, int fd, unsigned long long max,
    long deadline_ms, long stall_ms, unsigned long long *outlen)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	int64_t until = util_mono_ms() + deadline_ms;
	struct http__watch w;
	int sock, watched;
	pb_err rc;

	*outlen = 0;
	if (ri->content_length > (long long)max) {
		mg_disable_connection_keep_alive(conn);
		return PB_ERR_LIMIT;
	}
	/* without its socket (or a thread) the upload still has CivetWeb's
	 * idle timeout and the whole deadline, checked between pieces */
	watched = (sock = http__conn_socket(conn)) >= 0 &&
	    http__watch_start(&w, sock, until, stall_ms) == 0;
	rc = http__read_body_fd(conn, fd, max, until, watched ? &w : NULL, outlen);
	if (watched && http__watch_stop(&w)) {
		mg_disable_connection_keep_alive(conn);
		if (rc != PB_ERR_LIMIT)
			rc = PB_ERR_TIMEOUT;
	}
	return rc;
}
