/* sync.c — see sync.h and docs/SYNC.md. */
#include "sync.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "clockset.h"
#include "fsutil.h"
#include "jsonin.h"
#include "log.h"
#include "store_clock.h"
#include "store_sync.h"
#include "uplink.h"
#include "util.h"

#define SYNC_ANSWER_MAX 65536       /* bytes of a hub answer we keep */
#define SYNC_MAX_CHUNKS 100000      /* per round, against a hub that never acks */

/* The copied options (strings live here). */
struct sync_cfg {
	char hub_url[512], ca_file[512], pinned_key[512], enroll_code[64];
	char box_name[128], data_dir[PATH_MAX], uplinks[256], hotspot_if[IF_NAMESIZE];
	char version[32];
	long chunk_rows, interval_s, backoff_min_s, backoff_max_s, connect_timeout_s;
	int watch_netlink;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int started;
	int stop;                 /* sync_stop asked */
	int now;                  /* sync_now asked */
	int link;                 /* uplink state as last reported */
	int link_gen;             /* bumps on every link-up event */
	struct sync_status st;    /* what sync_status copies */
	struct sync_cfg cfg;
	struct store *store;
	struct uplink *uplink;
	pthread_t thread;
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	int64_t seq;              /* last seq used; persisted in sync.seq */
	int64_t sent;             /* highest to_rev ever sent; persisted in sync.sent */
} S = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

/* ---- small helpers --------------------------------------------------- */

static void
sync__path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", S.cfg.data_dir, name);
}

static void
sync__set_state(const char *state)
{
	pthread_mutex_lock(&S.mu);
	snprintf(S.st.state, sizeof(S.st.state), "%s", state);
	pthread_mutex_unlock(&S.mu);
}

__attribute__((format(printf, 1, 2))) static void
sync__error(const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	static struct log_limit lim = LOG_LIMIT_INIT;

	pthread_mutex_lock(&S.mu);
	snprintf(S.st.last_error, sizeof(S.st.last_error), "%s", msg);
	pthread_mutex_unlock(&S.mu);
	log_warnx_limited(&lim, "sync: %s", msg);
}

/* Load the box key, or make one (0600, written atomically). On failure the
 * reason is in the status's last_error. */
static pb_err
sync__key(void)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	char path[PATH_MAX + 16];
	size_t len = 0;
	char *buf = NULL;
	pb_err rc;

	sync__path(path, sizeof(path), "sync.key");
	rc = fs_read_file(path, 1024, &buf, &len);
	if (rc == PB_OK) {
		if (len != sizeof(S.sk)) {
			sync__error("the box key %s is damaged (%zu bytes, not %zu): move it "
			    "away to make a new one, then enroll the box again", path, len,
			    sizeof(S.sk));
			if (buf != NULL)
				sodium_memzero(buf, len);
			free(buf);
			return PB_ERR_INVALID;
		}
		memcpy(S.sk, buf, sizeof(S.sk));
		sodium_memzero(buf, len);
		free(buf);
	} else if (errno == ENOENT) {
		crypto_sign_keypair(pk, S.sk);
		if ((rc = fs_write_atomic(path, S.sk, sizeof(S.sk), 0600)) != PB_OK) {
			sync__error("cannot make the box key %s: %s", path, strerror(errno));
			return rc;
		}
		log_info("sync: made the box key %s", path);
	} else {
		sync__error("cannot read the box key %s: %s", path, strerror(errno));
		return rc;
	}
	crypto_sign_ed25519_sk_to_pk(pk, S.sk);
	util_hex(S.st.public_key, pk, sizeof(pk));
	return PB_OK;
}

/* The database may have gone back in time since the last start (its -wal
 * lost after a crash, an older backup restored): compare it with the
 * highest rev ever sent (sync.sent) and re-baseline so that the hub, which
 * may hold revs the box lost, takes the box's rows again. */
static void
sync__rebaseline(const char *data_dir, struct store *st)
{
	char path[PATH_MAX + 16], *buf = NULL;
	int64_t resent;

	S.sent = 0;
	if (data_dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/sync.sent", data_dir);
	if (fs_read_file(path, 64, &buf, NULL) == PB_OK) {
		S.sent = strtoll(buf, NULL, 10);
		free(buf);
	}
	if (S.sent > (1LL << 53)) { /* the hub refuses revs this high: not ours */
		log_warnx("sync: ignoring %s (%lld is not a rev)", path, (long long)S.sent);
		S.sent = 0;
	}
	if (S.sent <= 0)
		return;
	if (store_sync_rebaseline(st, S.sent, &resent) != PB_OK) {
		log_warnx("sync: cannot re-baseline the revs above %lld", (long long)S.sent);
		return;
	}
	if (resent >= 0)
		log_warnx("sync: the database holds no rev as high as %lld, the highest "
		    "sent to the hub (it went back in time: a lost -wal or a restored "
		    "backup); its %lld learner and summary rows get new revs and are all "
		    "sent again", (long long)S.sent, (long long)resent);
}

static int64_t
sync__read_int(const char *name)
{
	char path[PATH_MAX + 16], *buf = NULL;
	int64_t v = 0;

	sync__path(path, sizeof(path), name);
	if (fs_read_file(path, 64, &buf, NULL) == PB_OK) {
		v = strtoll(buf, NULL, 10);
		free(buf);
	}
	return v;
}

/* The next chunk seq, saved before it is used so it never repeats. */
static pb_err
sync__next_seq(int64_t *seq)
{
	char path[PATH_MAX + 16], num[32];
	int n;

	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* thread and bundles */
	pb_err rc = PB_OK;

	sync__path(path, sizeof(path), "sync.seq");
	pthread_mutex_lock(&lock);
	n = snprintf(num, sizeof(num), "%lld\n", (long long)(S.seq + 1));
	if (fs_write_atomic(path, num, (size_t)n, 0600) != PB_OK) {
		log_warn("%s", path);
		rc = PB_ERR_IO;
	} else {
		*seq = ++S.seq;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

/* Record to_rev as sent before the chunk goes out (sync.sent, fsynced): the
 * hub can then never hold a rev above the one recorded, which is how a
 * database that went back in time is found at the next start. */
static pb_err
sync__note_sent(int64_t to_rev)
{
	char path[PATH_MAX + 16], num[32];
	int n;

	if (to_rev <= S.sent)
		return PB_OK;
	sync__path(path, sizeof(path), "sync.sent");
	n = snprintf(num, sizeof(num), "%lld\n", (long long)to_rev);
	if (fs_write_atomic(path, num, (size_t)n, 0600) != PB_OK) {
		log_warn("%s", path);
		return PB_ERR_IO;
	}
	S.sent = to_rev;
	return PB_OK;
}

/* gzip a buffer; *out is malloc'd. */
static pb_err
sync__gzip(const char *in, size_t len, unsigned char **out, size_t *outlen)
{
	size_t cap = compressBound((uLong)len) + 64;
	unsigned char *buf = malloc(cap);
	z_stream z;
	int r;

	if (buf == NULL)
		return PB_ERR_NOMEM;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(buf);
		return PB_ERR_NOMEM;
	}
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	r = deflate(&z, Z_FINISH);
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	if (r != Z_STREAM_END) {
		free(buf);
		return PB_ERR_NOMEM;
	}
	*out = buf;
	return PB_OK;
}

/* ---- HTTP ------------------------------------------------------------ */

struct sync_resp {
	long status;
	char *body;
	size_t len;
	time_t date;     /* the hub's Date header, -1 if none */
};

static size_t
sync__write(char *p, size_t sz, size_t n, void *arg)
{
	struct sync_resp *r = arg;
	size_t add = sz * n;
	char *nb;

	if (r->len + add > SYNC_ANSWER_MAX)
		return 0;
	if ((nb = realloc(r->body, r->len + add + 1)) == NULL)
		return 0;
	r->body = nb;
	memcpy(r->body + r->len, p, add);
	r->len += add;
	r->body[r->len] = '\0';
	return add;
}

static size_t
sync__header(char *p, size_t sz, size_t n, void *arg)
{
	struct sync_resp *r = arg;
	size_t len = sz * n;
	char line[128];

	if (len > 5 && len < sizeof(line) && strncasecmp(p, "Date:", 5) == 0) {
		memcpy(line, p + 5, len - 5);
		line[len - 5] = '\0';
		r->date = curl_getdate(line, NULL);
	}
	return len;
}

/* Abort a transfer as soon as the link goes or we are told to stop. */
static int
sync__progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	int gen = *(int *)arg, abort_it;

	(void)a;
	(void)b;
	(void)c;
	(void)d;
	pthread_mutex_lock(&S.mu);
	abort_it = S.stop || (S.cfg.watch_netlink && (!S.link || S.link_gen != gen));
	pthread_mutex_unlock(&S.mu);
	return abort_it;
}

/* One request to the hub. body may be NULL (GET). headers are extra. */
static pb_err
sync__http(CURL *curl, const char *path, const void *body, size_t len,
    struct curl_slist *headers, int *gen, struct sync_resp *r)
{
	char url[1024];
	CURLcode cr;

	free(r->body);
	memset(r, 0, sizeof(*r));
	r->date = -1;
	snprintf(url, sizeof(url), "%s%s", S.cfg.hub_url, path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	if (body != NULL) {
		curl_easy_setopt(curl, CURLOPT_POST, 1L);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	} else {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, gen);
	if ((cr = curl_easy_perform(curl)) != CURLE_OK) {
		if (cr == CURLE_ABORTED_BY_CALLBACK)
			sync__error("%s: interrupted (link lost or stopping)", path);
		else
			sync__error("%s: %s", path, curl_easy_strerror(cr));
		return PB_ERR_IO;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
	return PB_OK;
}

static CURL *
sync__curl(void)
{
	CURL *c = curl_easy_init();

	if (c == NULL)
		return NULL;
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (S.cfg.ca_file[0] != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, S.cfg.ca_file);
	if (S.cfg.pinned_key[0] != '\0')
		curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, S.cfg.pinned_key);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, S.cfg.connect_timeout_s);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);   /* a dead link: */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);   /* give up after 30 s */
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sync__write);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sync__header);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, sync__progress);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "pamongd/" PB_VERSION);
	return c;
}

/* The hub's error code from an error answer, for messages. */
static const char *
sync__errcode(const struct sync_resp *r, char *buf, size_t len)
{
	json_t *v = r->body ? jsonin_parse(r->body, r->len, 0, NULL) : NULL;
	const char *e = json_string_value(json_object_get(v, "error"));

	snprintf(buf, len, "%s", e ? e : "no error code");
	json_decref(v);
	return buf;
}

/* ---- clock ------------------------------------------------------------ */

/* Refresh the status's clock from the store: the current boot's source. */
static void
sync__clock_status(void)
{
	struct store_clock c;
	char epoch[37];

	store_clock_epoch_now(S.store, epoch);
	if (store_clock_get(S.store, epoch, &c) != PB_OK)
		c.src = STORE_CLOCK_NONE;
	pthread_mutex_lock(&S.mu);
	snprintf(S.st.clock, sizeof(S.st.clock), "%s", c.src == STORE_CLOCK_NONE ?
	    "unknown" : store_clock_src_name(c.src));
	S.st.clock_offset_ms = c.src == STORE_CLOCK_NONE ? 0 : c.offset_ms;
	pthread_mutex_unlock(&S.mu);
}

/* The hub's Date gives this boot's offset (it replaces one from phones;
 * the clock's earlier epochs in this boot get theirs through its jumps);
 * then phones' clocks give the offsets of the boots the hub never saw. A
 * clearly wrong clock is set (clockset.h). */
static void
sync__learn_clock(time_t date)
{
	struct store_clock c;
	char epoch[37];
	int64_t off, wall;

	store_clock_epoch_now(S.store, epoch);
	if (date >= 0) {
		wall = util_wall_ms();
		off = (int64_t)date * 1000 + 500 - wall; /* Date: whole s */
		if (store_clock_set_hub(S.store, epoch, off) != PB_OK)
			log_warnx("sync: cannot save the clock offset");
		else if (off > STORE_CLOCK_TOLERANCE_MS || off < -STORE_CLOCK_TOLERANCE_MS)
			log_info("sync: the box clock is off by %lld s; correcting times of "
			    "this boot", (long long)(off / 1000));
	}
	store_clock_learn(S.store, epoch, 0);
	if (store_clock_get(S.store, epoch, &c) == PB_OK)
		clockset_consider(&c);
	sync__clock_status();
}

/* A corrected time into o as key, and its source into src (a time of 0 is
 * none: no source). */
static int
sync__put_time(json_t *o, json_t *src, const char *key, const struct store_time *t,
    int *corrected)
{
	if (json_object_set_new(o, key, json_integer(t->ms)) != 0)
		return -1;
	if (t->moved)
		*corrected = 1;
	if (t->ms == 0)
		return 0;
	return json_object_set_new(src, key, json_string(store_clock_src_name(t->src)));
}

/* ---- chunks ------------------------------------------------------------ */

struct sync_rows {
	json_t *arr;
	int64_t last_rev;
	long n;
	int oom;
};

/* Finish a row (which times were corrected, and by what) and add it to the
 * chunk; takes both references. Non-zero stops the store's walk. */
static int
sync__append(struct sync_rows *r, json_t *o, json_t *src, int corrected, int64_t rev)
{
	int fail = json_object_set_new(o, "times_corrected", json_boolean(corrected)) != 0 ||
	    json_object_set(o, "time_source", src) != 0 ||
	    json_array_append(r->arr, o) != 0;

	json_decref(o);
	json_decref(src);
	if (fail) {
		r->oom = 1;
		return 1;
	}
	r->last_rev = rev;
	r->n++;
	return 0;
}

static int
sync__learner_cb(void *arg, const struct store_learner *l, int64_t rev,
    const struct store_time *reg)
{
	struct sync_rows *r = arg;
	json_t *src = json_object();
	int corrected = 0;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "id", l->id, "name", l->name,
	    "position", l->position, "village", l->village, "rev", (json_int_t)rev);

	if (o == NULL || src == NULL ||
	    sync__put_time(o, src, "registered_at", reg, &corrected) != 0) {
		json_decref(o);
		json_decref(src);
		r->oom = 1;
		return 1;
	}
	return sync__append(r, o, src, corrected, rev);
}

static int
sync__summary_cb(void *arg, const struct store_summary *s,
    const struct store_summary_times *t)
{
	struct sync_rows *r = arg;
	json_t *src = json_object();
	int corrected = 0;
	json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:i, s:o, s:b, s:i, s:I, s:I}",
	    "learner", s->learner, "course", s->course, "status", s->status,
	    "lessons_done", s->lessons_done, "lessons_total", s->lessons_total,
	    "best_score", s->best_score >= 0 ? json_integer(s->best_score) : json_null(),
	    "passed", s->passed, "attempts", s->attempts,
	    "seconds_spent", (json_int_t)s->seconds_spent, "rev", (json_int_t)s->rev);

	/* pre- and post-test scores (docs/SYNC.md): the post-test is the final
	 * quiz, so post_score is best_score; null when not taken */
	if (o != NULL && (json_object_set_new(o, "pre_score", s->pre_score >= 0 ?
	    json_integer(s->pre_score) : json_null()) != 0 ||
	    json_object_set_new(o, "post_score", s->best_score >= 0 ?
	    json_integer(s->best_score) : json_null()) != 0)) {
		json_decref(o);
		o = NULL;
	}
	if (o == NULL || src == NULL ||
	    sync__put_time(o, src, "first_activity", &t->first_activity, &corrected) != 0 ||
	    sync__put_time(o, src, "last_activity", &t->last_activity, &corrected) != 0 ||
	    sync__put_time(o, src, "completed_at", &t->completed_at, &corrected) != 0) {
		json_decref(o);
		json_decref(src);
		r->oom = 1;
		return 1;
	}
	return sync__append(r, o, src, corrected, s->rev);
}

/* Drop rows whose rev is above to_rev (they come in a later chunk). */
static void
sync__trim(json_t *arr, int64_t to_rev)
{
	while (json_array_size(arr) > 0) {
		json_t *last = json_array_get(arr, json_array_size(arr) - 1);

		if (json_integer_value(json_object_get(last, "rev")) <= to_rev)
			break;
		json_array_remove(arr, json_array_size(arr) - 1);
	}
}

/* Rows the hub has not acknowledged. */
static int
sync__count_l(void *arg, const struct store_learner *l, int64_t rev)
{
	(void)l;
	(void)rev;
	(*(int64_t *)arg)++;
	return 0;
}

static int
sync__count_s(void *arg, const struct store_summary *s)
{
	(void)s;
	(*(int64_t *)arg)++;
	return 0;
}

/* A merge of two learners (store_learner.h) to tell the hub. */
static int
sync__merge_cb(void *arg, const char *from, const char *into, int64_t at, int64_t rev)
{
	(void)at;
	if (json_array_append_new(arg, json_pack("{s:s, s:s, s:I}", "from", from, "into", into,
	    "rev", (json_int_t)rev)) != 0)
		return 1;
	return 0;
}

static int
sync__count_m(void *arg, const char *from, const char *into, int64_t at, int64_t rev)
{
	(void)from;
	(void)into;
	(void)at;
	(void)rev;
	(*(int64_t *)arg)++;
	return 0;
}

static int64_t
sync__pending(int64_t cursor)
{
	int64_t n = 0;

	if (store_changed_learners(S.store, cursor, 0, sync__count_l, &n) != PB_OK ||
	    store_changed_summaries(S.store, cursor, 0, sync__count_s, &n) != PB_OK ||
	    store_changed_merges(S.store, cursor, 0, sync__count_m, &n) != PB_OK)
		return -1;
	return n;
}

/* Build the next chunk after cursor: JSON text, its to_rev, whether it
 * holds everything committed so far, and how many rows it has. */
static pb_err
sync__chunk(int64_t cursor, int64_t pending, char **json, int64_t *to_rev, int *complete,
    long *rows)
{
	struct sync_rows l = { json_array(), 0, 0, 0 }, s = { json_array(), 0, 0, 0 };
	json_t *merges = NULL;
	struct store_stats stats;
	struct statvfs vfs;
	json_t *root = NULL;
	pb_err rc = PB_ERR_NOMEM;
	int64_t seq;
	int limit = (int)S.cfg.chunk_rows;

	*json = NULL;
	if (l.arr == NULL || s.arr == NULL)
		goto out;
	/* the committed rev first: every row at or below it is visible below */
	if ((rc = store_stats(S.store, &stats)) != PB_OK ||
	    (rc = store_sync_learners(S.store, cursor, limit, sync__learner_cb, &l)) !=
	    PB_OK ||
	    (rc = store_sync_summaries(S.store, cursor, limit, sync__summary_cb, &s)) !=
	    PB_OK)
		goto out;
	rc = PB_ERR_NOMEM;
	if (l.oom || s.oom)
		goto out;
	*to_rev = stats.rev;
	*complete = 1;
	if (l.n == limit && l.last_rev < *to_rev) {
		*to_rev = l.last_rev;
		*complete = 0;
	}
	if (s.n == limit && s.last_rev < *to_rev) {
		*to_rev = s.last_rev;
		*complete = 0;
	}
	if (*to_rev < cursor)
		*to_rev = cursor;
	sync__trim(l.arr, *to_rev);
	sync__trim(s.arr, *to_rev);
	/* the merges up to to_rev: few, never a chunk's limit */
	if ((merges = json_array()) == NULL ||
	    (rc = store_changed_merges(S.store, cursor, 0, sync__merge_cb, merges)) != PB_OK)
		goto out;
	rc = PB_ERR_NOMEM;
	sync__trim(merges, *to_rev);
	*rows = (long)(json_array_size(l.arr) + json_array_size(s.arr) +
	    json_array_size(merges));
	if ((rc = sync__next_seq(&seq)) != PB_OK)
		goto out;
	if (statvfs(S.cfg.data_dir, &vfs) != 0)
		memset(&vfs, 0, sizeof(vfs));
	/* the box's storage state travels with every upload (degraded: why) */
	if (stats.healthy)
		snprintf(stats.reason, sizeof(stats.reason), "ok");
	else if (strlen(stats.reason) > 300)
		memcpy(stats.reason + 297, "...", 4);
	root = json_pack("{s:s, s:{s:I, s:I, s:I}, s:O, s:O,"
	    " s:{s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:o}}",
	    "box", store_box_id(S.store),
	    "chunk", "from_rev", (json_int_t)cursor, "to_rev", (json_int_t)*to_rev,
	    "seq", (json_int_t)seq,
	    "learners", l.arr, "summaries", s.arr,
	    "health", "version", S.cfg.version,
	    "uptime_s", (json_int_t)(util_mono_ms() / 1000),
	    "disk_free", (json_int_t)((int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize),
	    "disk_total", (json_int_t)((int64_t)vfs.f_blocks * (int64_t)vfs.f_frsize),
	    "db_bytes", (json_int_t)stats.db_bytes, "pending", (json_int_t)pending,
	    "clock", S.st.clock[0] ? S.st.clock : "unknown",
	    "db", stats.healthy ? "ok" : "degraded", "db_reason", stats.reason,
	    "db_lost_writes", stats.lost_writes >= 0 ?
	    json_integer((json_int_t)stats.lost_writes) : json_null());
	rc = PB_ERR_NOMEM;
	if (root == NULL || (json_array_size(merges) > 0 &&
	    json_object_set(root, "merges", merges) != 0) ||
	    (*json = json_dumps(root, JSON_COMPACT)) == NULL)
		goto out;
	rc = PB_OK;
out:
	json_decref(root);
	json_decref(l.arr);
	json_decref(s.arr);
	json_decref(merges);
	return rc;
}

/* The signed enrollment request (its JSON text, malloc'd; its signature's
 * hex into sighex), or NULL without memory. */
static char *
sync__enroll_body(char sighex[2 * crypto_sign_BYTES + 1])
{
	unsigned char sig[crypto_sign_BYTES];
	json_t *req = json_pack("{s:s, s:s, s:s, s:s}", "code", S.cfg.enroll_code,
	    "public_key", S.st.public_key, "box_id", store_box_id(S.store), "name",
	    S.cfg.box_name);
	char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;

	json_decref(req);
	if (body == NULL)
		return NULL;
	crypto_sign_detached(sig, NULL, (unsigned char *)body, strlen(body), S.sk);
	util_hex(sighex, sig, sizeof(sig));
	return body;
}

/* ---- one round ----------------------------------------------------- */

enum sync_outcome { SYNC_DONE, SYNC_RETRY, SYNC_NEEDS_HUMAN };

static enum sync_outcome
sync__enroll(CURL *curl, int *gen, struct sync_resp *r)
{
	char sighex[2 * crypto_sign_BYTES + 1], hdr[160], path[PATH_MAX + 16], code[40];
	struct curl_slist *h = NULL;
	enum sync_outcome out = SYNC_RETRY;
	json_t *req;
	char *body = NULL;

	if (S.cfg.enroll_code[0] == '\0') {
		sync__set_state("not_enrolled");
		sync__error("not enrolled: set sync.enroll_code to a code from the hub");
		return SYNC_NEEDS_HUMAN;
	}
	req = NULL;
	if ((body = sync__enroll_body(sighex)) == NULL)
		goto out;
	snprintf(hdr, sizeof(hdr), "X-Pamong-Signature: %s", sighex);
	if ((h = curl_slist_append(h, "Content-Type: application/json")) == NULL ||
	    (h = curl_slist_append(h, hdr)) == NULL)
		goto out;
	if (sync__http(curl, "/api/v1/enroll", body, strlen(body), h, gen, r) != PB_OK)
		goto out;
	if (r->status == 200 || r->status == 201) {
		sync__path(path, sizeof(path), "sync.enrolled");
		if (fs_write_atomic(path, S.cfg.hub_url, strlen(S.cfg.hub_url), 0600) != PB_OK) {
			sync__error("cannot save %s: %s", path, strerror(errno));
			goto out;
		}
		pthread_mutex_lock(&S.mu);
		S.st.enrolled = 1;
		pthread_mutex_unlock(&S.mu);
		log_info("sync: enrolled with %s", S.cfg.hub_url);
		out = SYNC_DONE;
	} else {
		sync__error("enrollment refused: HTTP %ld %s", r->status,
		    sync__errcode(r, code, sizeof(code)));
		out = r->status >= 500 || r->status == 429 ? SYNC_RETRY : SYNC_NEEDS_HUMAN;
	}
out:
	curl_slist_free_all(h);
	free(body);
	json_decref(req);
	return out;
}

/* Send chunks until the hub holds everything committed. */
static enum sync_outcome
sync__upload(CURL *curl, int *gen, struct sync_resp *r)
{
	char hdr_key[160], hdr_sig[200], code[40];
	int64_t cursor, to_rev = 0, acked, pending;
	unsigned char sig[crypto_sign_BYTES], *gz = NULL;
	char sighex[2 * crypto_sign_BYTES + 1];
	struct curl_slist *h = NULL;
	enum sync_outcome out = SYNC_RETRY;
	char *json = NULL;
	int complete = 0, n;
	size_t gzlen;
	long rows = 0;
	json_t *ans;

	if (store_sync_cursor(S.store, &cursor) != PB_OK) {
		sync__error("cannot read the sync cursor");
		return SYNC_RETRY;
	}
	pending = sync__pending(cursor);
	snprintf(hdr_key, sizeof(hdr_key), "X-Pamong-Box: %s", S.st.public_key);
	for (n = 0; n < SYNC_MAX_CHUNKS; n++) {
		free(json);
		free(gz);
		json = NULL;
		gz = NULL;
		curl_slist_free_all(h);
		h = NULL;
		sync__set_state("uploading");
		if (sync__chunk(cursor, pending, &json, &to_rev, &complete, &rows) != PB_OK ||
		    sync__gzip(json, strlen(json), &gz, &gzlen) != PB_OK) {
			sync__error("cannot build a chunk");
			goto out;
		}
		if (sync__note_sent(to_rev) != PB_OK) {
			sync__error("cannot record the rev sent in sync.sent: %s",
			    strerror(errno));
			goto out;
		}
		crypto_sign_detached(sig, NULL, gz, gzlen, S.sk);
		util_hex(sighex, sig, sizeof(sig));
		snprintf(hdr_sig, sizeof(hdr_sig), "X-Pamong-Signature: %s", sighex);
		if ((h = curl_slist_append(h, "Content-Type: application/json")) == NULL ||
		    (h = curl_slist_append(h, "Content-Encoding: gzip")) == NULL ||
		    (h = curl_slist_append(h, hdr_key)) == NULL ||
		    (h = curl_slist_append(h, hdr_sig)) == NULL)
			goto out;
		if (sync__http(curl, "/api/v1/upload", gz, gzlen, h, gen, r) != PB_OK)
			goto out;
		if (r->status != 200) {
			sync__error("upload refused: HTTP %ld %s", r->status,
			    sync__errcode(r, code, sizeof(code)));
			if (r->status == 403 && strcmp(code, "unknown_box") == 0) {
				/* the hub forgot us: enroll again next round */
				pthread_mutex_lock(&S.mu);
				S.st.enrolled = 0;
				pthread_mutex_unlock(&S.mu);
			}
			out = r->status >= 500 || r->status == 429 ? SYNC_RETRY :
			    SYNC_NEEDS_HUMAN;
			goto out;
		}
		ans = jsonin_parse(r->body ? r->body : "", r->len, 0, NULL);
		if (!json_is_integer(json_object_get(ans, "acked_rev"))) {
			json_decref(ans);
			sync__error("the hub's answer has no acked_rev");
			goto out;
		}
		acked = json_integer_value(json_object_get(ans, "acked_rev"));
		json_decref(ans);
		if (acked != cursor && store_sync_set_cursor(S.store, acked) != PB_OK) {
			sync__error("cannot save the sync cursor");
			goto out;
		}
		log_debug("sync: chunk %lld..%lld (%ld rows) acked %lld", (long long)cursor,
		    (long long)to_rev, rows, (long long)acked);
		if (acked < cursor) {
			/* the hub holds less than we thought (restored?): resend */
			log_warnx("sync: the hub acknowledged rev %lld, below our %lld",
			    (long long)acked, (long long)cursor);
			cursor = acked;
			pending = sync__pending(cursor);
			continue;
		}
		if (acked == cursor && to_rev > cursor) {
			sync__error("the hub acknowledged rev %lld, not %lld", (long long)acked,
			    (long long)to_rev);
			goto out;
		}
		pending = pending > rows ? pending - rows : 0;
		cursor = acked;
		pthread_mutex_lock(&S.mu);
		S.st.acked_rev = acked;
		S.st.pending = pending;
		pthread_mutex_unlock(&S.mu);
		if (complete && acked >= to_rev)
			break;
	}
	out = SYNC_DONE;
out:
	curl_slist_free_all(h);
	free(json);
	free(gz);
	return out;
}

static enum sync_outcome
sync__round(int gen)
{
	struct sync_resp r = { 0, NULL, 0, -1 };
	enum sync_outcome out = SYNC_RETRY;
	CURL *curl;
	json_t *v;
	int g = gen;

	pthread_mutex_lock(&S.mu);
	S.st.last_attempt = util_wall_ms();
	pthread_mutex_unlock(&S.mu);
	sync__set_state("uploading");
	if ((curl = sync__curl()) == NULL) {
		sync__error("libcurl failed to initialise");
		return SYNC_RETRY;
	}
	if (sync__http(curl, "/api/v1/health", NULL, 0, NULL, &g, &r) != PB_OK)
		goto out;
	v = r.body ? jsonin_parse(r.body, r.len, 0, NULL) : NULL;
	if (r.status != 200 || !json_is_string(json_object_get(v, "program")) ||
	    strcmp(json_string_value(json_object_get(v, "program")), "pamong-hub") != 0) {
		json_decref(v);
		sync__error("%s does not answer as pamong-hub (HTTP %ld)", S.cfg.hub_url,
		    r.status);
		goto out;
	}
	json_decref(v);
	sync__learn_clock(r.date);
	if (!S.st.enrolled && (out = sync__enroll(curl, &g, &r)) != SYNC_DONE)
		goto out;
	out = sync__upload(curl, &g, &r);
out:
	free(r.body);
	curl_easy_cleanup(curl);
	return out;
}

/* ---- the thread ------------------------------------------------------ */

static void
sync__on_link(void *arg, int up, const char *ifname)
{
	(void)arg;
	pthread_mutex_lock(&S.mu);
	S.link = up;
	S.st.link = up;
	snprintf(S.st.uplink_if, sizeof(S.st.uplink_if), "%s", ifname);
	if (up)
		S.link_gen++;
	if (!up)
		snprintf(S.st.state, sizeof(S.st.state), "no_link");
	pthread_cond_signal(&S.cv);
	pthread_mutex_unlock(&S.mu);
}

static void *
sync__run(void *arg)
{
	struct timespec until;
	long backoff = S.cfg.backoff_min_s;
	int64_t due = 0;  /* mono ms of the next round; 0 = at once */
	int64_t wait_ms;
	int seen_gen = -1;

	(void)arg;
	for (;;) {
		enum sync_outcome o;
		int gen;

		pthread_mutex_lock(&S.mu);
		for (;;) {
			if (S.stop)
				break;
			if (S.link) {
				if (S.link_gen != seen_gen) { /* a new link: start afresh */
					seen_gen = S.link_gen;
					backoff = S.cfg.backoff_min_s;
					due = 0;
				}
				if (S.now || util_mono_ms() >= due)
					break;
				/* CLOCK_MONOTONIC for the wait, due is in BOOTTIME ms:
				 * the difference only matters across suspend */
				wait_ms = due - util_mono_ms();
				clock_gettime(CLOCK_MONOTONIC, &until);
				until.tv_sec += (time_t)(wait_ms / 1000);
				until.tv_nsec += (long)(wait_ms % 1000) * 1000000L + 1000000L;
				if (until.tv_nsec >= 1000000000L) {
					until.tv_sec++;
					until.tv_nsec -= 1000000000L;
				}
				pthread_cond_timedwait(&S.cv, &S.mu, &until);
			} else {
				pthread_cond_wait(&S.cv, &S.mu); /* no link: no work at all */
			}
		}
		if (S.stop) {
			pthread_mutex_unlock(&S.mu);
			break;
		}
		S.now = 0;
		gen = S.link_gen;
		pthread_mutex_unlock(&S.mu);

		o = sync__round(gen);
		pthread_mutex_lock(&S.mu);
		if (o == SYNC_DONE) {
			S.st.last_success = util_wall_ms();
			S.st.last_error[0] = '\0';
			snprintf(S.st.state, sizeof(S.st.state), "%s", S.link ? "idle" : "no_link");
			backoff = S.cfg.backoff_min_s;
			due = util_mono_ms() + S.cfg.interval_s * 1000;
		} else {
			if (strcmp(S.st.state, "not_enrolled") != 0)
				snprintf(S.st.state, sizeof(S.st.state), "%s",
				    S.link ? "failing" : "no_link");
			if (o == SYNC_NEEDS_HUMAN)
				backoff = S.cfg.backoff_max_s;
			due = util_mono_ms() + backoff * 1000;
			log_info("sync: next try in %ld s", backoff);
			backoff = backoff * 2 > S.cfg.backoff_max_s ? S.cfg.backoff_max_s :
			    backoff * 2;
		}
		pthread_mutex_unlock(&S.mu);
	}
	return NULL;
}

/* The thread's timed waits are on CLOCK_MONOTONIC: a condition variable
 * left on the default CLOCK_REALTIME would take those deadlines (seconds
 * since boot) as long past and the thread would spin until the next round. */
static pb_err
sync__init_cv(void)
{
	pthread_condattr_t a;
	int r;

	if (pthread_condattr_init(&a) != 0)
		return PB_ERR_NOMEM;
	r = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (r == 0) {
		pthread_cond_destroy(&S.cv);
		r = pthread_cond_init(&S.cv, &a);
	}
	pthread_condattr_destroy(&a);
	return r == 0 ? PB_OK : PB_ERR_NOMEM;
}

pb_err
sync_start(const struct sync_opts *o, struct store *st)
{
	struct sync_cfg *c = &S.cfg;
	char path[PATH_MAX + 16];
	int64_t cursor = 0;
	pb_err rc;

	memset(&S.st, 0, sizeof(S.st));
	snprintf(S.st.clock, sizeof(S.st.clock), "unknown");
	sync__rebaseline(o->data_dir, st);
	memset(c, 0, sizeof(*c));
	snprintf(c->hub_url, sizeof(c->hub_url), "%s", o->hub_url ? o->hub_url : "");
	while (c->hub_url[0] && c->hub_url[strlen(c->hub_url) - 1] == '/')
		c->hub_url[strlen(c->hub_url) - 1] = '\0';
	snprintf(c->ca_file, sizeof(c->ca_file), "%s", o->ca_file ? o->ca_file : "");
	snprintf(c->pinned_key, sizeof(c->pinned_key), "%s", o->pinned_key ? o->pinned_key : "");
	snprintf(c->enroll_code, sizeof(c->enroll_code), "%s",
	    o->enroll_code ? o->enroll_code : "");
	snprintf(c->box_name, sizeof(c->box_name), "%s",
	    o->box_name && o->box_name[0] ? o->box_name : store_box_id(st));
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", o->data_dir);
	snprintf(c->uplinks, sizeof(c->uplinks), "%s", o->uplinks ? o->uplinks : "");
	snprintf(c->hotspot_if, sizeof(c->hotspot_if), "%s", o->hotspot_if ? o->hotspot_if : "");
	snprintf(c->version, sizeof(c->version), "%s", o->version ? o->version : PB_VERSION);
	c->chunk_rows = o->chunk_rows > 0 ? o->chunk_rows : 500;
	c->interval_s = o->interval_s > 0 ? o->interval_s : 300;
	c->backoff_min_s = o->backoff_min_s > 0 ? o->backoff_min_s : 5;
	c->backoff_max_s = o->backoff_max_s >= c->backoff_min_s ? o->backoff_max_s : 600;
	c->connect_timeout_s = o->connect_timeout_s > 0 ? o->connect_timeout_s : 15;
	c->watch_netlink = o->watch_netlink;
	S.store = st;
	S.stop = S.now = S.link = 0;
	S.link_gen = 0;
	sync__clock_status();
	/* the key and the seq also without a hub: a bundle carried home is
	 * signed and numbered like an upload (sync_bundle) */
	if ((rc = sync__key()) != PB_OK) {
		snprintf(S.st.state, sizeof(S.st.state), "disabled");
		return rc;
	}
	S.seq = sync__read_int("sync.seq");
	if (c->hub_url[0] == '\0') {
		snprintf(S.st.state, sizeof(S.st.state), "off");
		return PB_OK;
	}
	sync__path(path, sizeof(path), "sync.enrolled");
	S.st.enrolled = access(path, F_OK) == 0;
	if (store_sync_cursor(st, &cursor) == PB_OK) {
		S.st.acked_rev = cursor;
		S.st.pending = sync__pending(cursor);
	}
	snprintf(S.st.state, sizeof(S.st.state), "no_link");
	if ((rc = sync__init_cv()) != PB_OK) {
		sync__error("cannot start: out of memory");
		snprintf(S.st.state, sizeof(S.st.state), "disabled");
		return rc;
	}
	if (c->watch_netlink) {
		if ((rc = uplink_start(c->uplinks, c->hotspot_if, sync__on_link, NULL,
		    &S.uplink)) != PB_OK) {
			sync__error("cannot watch the uplinks (netlink): %s", pb_strerror(rc));
			snprintf(S.st.state, sizeof(S.st.state), "disabled");
			return rc;
		}
	} else {
		S.link = S.st.link = 1;
		S.link_gen = 1;
	}
	if (pthread_create(&S.thread, NULL, sync__run, NULL) != 0) {
		uplink_stop(S.uplink);
		S.uplink = NULL;
		sync__error("cannot start the upload thread");
		snprintf(S.st.state, sizeof(S.st.state), "disabled");
		return PB_ERR_NOMEM;
	}
	S.started = 1;
	log_info("sync: to %s, uplinks %s, key %.16s…", c->hub_url,
	    c->watch_netlink ? c->uplinks : "(assumed)", S.st.public_key);
	return PB_OK;
}

void
sync_stop(void)
{
	if (!S.started)
		return;
	uplink_stop(S.uplink);  /* no more callbacks after this */
	S.uplink = NULL;
	pthread_mutex_lock(&S.mu);
	S.stop = 1;
	pthread_cond_signal(&S.cv);
	pthread_mutex_unlock(&S.mu);
	pthread_join(S.thread, NULL);
	S.started = 0;
	sodium_memzero(S.sk, sizeof(S.sk));
}

void
sync_status(struct sync_status *out)
{
	pthread_mutex_lock(&S.mu);
	*out = S.st;
	pthread_mutex_unlock(&S.mu);
}

void
sync_now(void)
{
	pthread_mutex_lock(&S.mu);
	S.now = 1;
	pthread_cond_signal(&S.cv);
	pthread_mutex_unlock(&S.mu);
}

json_t *
sync_status_json(void)
{
	struct sync_status s;

	sync_status(&s);
	return json_pack("{s:s, s:o, s:o, s:I, s:s?, s:I, s:b, s:s?, s:b, s:s, s:s?}",
	    "state", s.state[0] ? s.state : "off",
	    "last_attempt", s.last_attempt ? json_integer(s.last_attempt) : json_null(),
	    "last_success", s.last_success ? json_integer(s.last_success) : json_null(),
	    "pending", (json_int_t)s.pending,
	    "last_error", s.last_error[0] ? s.last_error : NULL,
	    "acked_rev", (json_int_t)s.acked_rev, "link", s.link,
	    "uplink", s.uplink_if[0] ? s.uplink_if : NULL, "enrolled", s.enrolled,
	    "clock", s.clock[0] ? s.clock : "unknown",
	    "public_key", s.public_key[0] ? s.public_key : NULL);
}

json_t *
sync_bundle(int64_t from_rev)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* one bundle at a time */
	char sighex[2 * crypto_sign_BYTES + 1], *json = NULL, *b64 = NULL, *enroll;
	unsigned char sig[crypto_sign_BYTES], *gz = NULL;
	json_t *root = NULL, *chunks = json_array();
	int64_t cursor = from_rev, to_rev = 0, pending;
	int complete = 0, n;
	size_t gzlen;
	long rows;

	if (S.store == NULL || chunks == NULL) {
		json_decref(chunks);
		return NULL;
	}
	pthread_mutex_lock(&lock);
	sync__clock_status(); /* the health it carries: the clock as it is now */
	pending = sync__pending(cursor);
	for (n = 0; n < SYNC_MAX_CHUNKS && !complete; n++) {
		size_t b64len;

		if (sync__chunk(cursor, pending, &json, &to_rev, &complete, &rows) != PB_OK ||
		    sync__gzip(json, strlen(json), &gz, &gzlen) != PB_OK)
			goto fail;
		crypto_sign_detached(sig, NULL, gz, gzlen, S.sk);
		util_hex(sighex, sig, sizeof(sig));
		b64len = sodium_base64_ENCODED_LEN(gzlen, sodium_base64_VARIANT_ORIGINAL);
		if ((b64 = malloc(b64len)) == NULL)
			goto fail;
		sodium_bin2base64(b64, b64len, gz, gzlen, sodium_base64_VARIANT_ORIGINAL);
		if (json_array_append_new(chunks, json_pack("{s:s, s:s, s:I, s:I}", "signature",
		    sighex, "gzip_base64", b64, "from_rev", (json_int_t)cursor, "to_rev",
		    (json_int_t)to_rev)) != 0)
			goto fail;
		free(json);
		free(gz);
		free(b64);
		json = NULL;
		gz = NULL;
		b64 = NULL;
		if (!complete && to_rev <= cursor)
			goto fail; /* no progress: never loop */
		pending = pending > rows ? pending - rows : 0;
		cursor = to_rev;
	}
	root = json_pack("{s:s, s:i, s:s, s:s, s:I, s:O}", "format", "pamong-sync-bundle",
	    "version", 1, "box", store_box_id(S.store), "public_key", S.st.public_key,
	    "made_at", (json_int_t)util_wall_ms(), "chunks", chunks);
	if (root != NULL && S.cfg.enroll_code[0] != '\0' &&
	    (enroll = sync__enroll_body(sighex)) != NULL) {
		json_object_set_new(root, "enroll", json_pack("{s:s, s:s}", "body", enroll,
		    "signature", sighex));
		free(enroll);
	}
	pthread_mutex_unlock(&lock);
	json_decref(chunks);
	return root;
fail:
	pthread_mutex_unlock(&lock);
	free(json);
	free(gz);
	free(b64);
	json_decref(chunks);
	return NULL;
}

pb_err
sync_sign(const void *msg, size_t len, unsigned char sig[64])
{
	static const unsigned char zero[crypto_sign_SECRETKEYBYTES];

	if (S.store == NULL || sodium_memcmp(S.sk, zero, sizeof(zero)) == 0)
		return PB_ERR_STATE;
	crypto_sign_detached(sig, NULL, msg, len, S.sk);
	return PB_OK;
}
