/* store_clock.c — per-boot clock offsets in the store (see store_clock.h):
 * the hub's, and the phones' as clockmath.c decides them from the events. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clockmath.h"
#include "log.h"
#include "store_clock.h"
#include "store_int.h"
#include "util.h"

const char *
store_clock_src_name(enum store_clock_src src)
{
	switch (src) {
	case STORE_CLOCK_HUB:
		return "hub";
	case STORE_CLOCK_PHONE:
		return "phone";
	case STORE_CLOCK_CONSOLE:
		return "console";
	default:
		return "none";
	}
}

static enum store_clock_src
store__clock_src(const unsigned char *name)
{
	if (name == NULL)
		return STORE_CLOCK_NONE;
	if (strcmp((const char *)name, "hub") == 0)
		return STORE_CLOCK_HUB;
	if (strcmp((const char *)name, "phone") == 0)
		return STORE_CLOCK_PHONE;
	if (strcmp((const char *)name, "console") == 0)
		return STORE_CLOCK_CONSOLE;
	return STORE_CLOCK_NONE;
}

/* One boot's offset to write: src NONE deletes a revisable phone offset. */
struct store__clock_row {
	char boot_id[37];
	int64_t offset_ms;
	enum store_clock_src src;
	int votes, settled;
};

struct store__clock_put {
	const struct store__clock_row *rows;
	size_t n;
	int64_t now_ms;
};

/* The hub's offset replaces any; the console's (a facilitator's phone)
 * any but the hub's. */
static const char sql_clock_firm[] =
    "INSERT INTO boot_clock (boot_id, offset_ms, source, votes, settled, learned_at) "
    "VALUES (?1, ?2, ?3, 1, 0, ?4) ON CONFLICT (boot_id) DO UPDATE SET "
    "offset_ms = excluded.offset_ms, source = excluded.source, votes = 1, settled = 0, "
    "learned_at = excluded.learned_at "
    "WHERE excluded.source = 'hub' OR boot_clock.source != 'hub'";
/* A phone offset never replaces a hub one nor a settled one. */
static const char sql_clock_phone[] =
    "INSERT INTO boot_clock (boot_id, offset_ms, source, votes, settled, learned_at) "
    "VALUES (?, ?, 'phone', ?, ?, ?) ON CONFLICT (boot_id) DO UPDATE SET "
    "offset_ms = excluded.offset_ms, votes = excluded.votes, "
    "settled = excluded.settled, learned_at = excluded.learned_at "
    "WHERE boot_clock.source = 'phone' AND NOT boot_clock.settled";
static const char sql_clock_forget[] =
    "DELETE FROM boot_clock WHERE boot_id = ? AND source = 'phone' AND NOT settled";

static const char sql_clock_wget[] =
    "SELECT offset_ms, source, votes FROM boot_clock WHERE boot_id = ?";

/* Writer thread: a boot's offset now (src NONE if none). */
static pb_err
store__clock_wget(struct store *st, const char *boot, struct store_clock *out)
{
	sqlite3_stmt *stmt;
	pb_err err;

	memset(out, 0, sizeof(*out));
	if ((stmt = store__prep(st->w, sql_clock_wget)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "t", boot);
	if (err == PB_OK && (err = sqlu_step_row(stmt)) == PB_OK) {
		out->offset_ms = sqlite3_column_int64(stmt, 0);
		out->src = store__clock_src(sqlite3_column_text(stmt, 1));
		out->votes = sqlite3_column_int(stmt, 2);
	}
	sqlu_done(stmt);
	return err == PB_ERR_NOTFOUND ? PB_OK : err;
}

/* Non-zero if the uploaded times of a boot move when its offset goes
 * from a to b: by STORE_CLOCK_RESEND_MS or more (the hub's Date has whole
 * seconds, so its offset moves by ~1 s each round). A source that only
 * vouches for times it does not move (within the tolerance) resends
 * nothing. */
static int
store__clock_differs(const struct store_clock *a, const struct store_clock *b)
{
	int64_t x = a->src != STORE_CLOCK_NONE && clockmath_moves(a->offset_ms) ? a->offset_ms : 0;
	int64_t y = b->src != STORE_CLOCK_NONE && clockmath_moves(b->offset_ms) ? b->offset_ms : 0;

	return llabs(x - y) >= STORE_CLOCK_RESEND_MS;
}

/* New revs (above every rev given out, in their old order) for the
 * learners and summaries with a time in boot: sent again, corrected. */
static const char sql_resend_learners[] =
    "UPDATE learners SET rev = ?1 + r.n FROM (SELECT id AS lid, "
    "row_number() OVER (ORDER BY rev) AS n FROM learners WHERE boot_id = ?2) AS r "
    "WHERE learners.id = r.lid";
static const char sql_resend_summaries[] =
    "UPDATE course_summary SET rev = ?1 + r.n FROM (SELECT learner AS sl, "
    "course AS sc, row_number() OVER (ORDER BY rev) AS n FROM course_summary "
    "WHERE ?2 IN (first_boot, last_boot, completed_boot)) AS r "
    "WHERE course_summary.learner = r.sl AND course_summary.course = r.sc";

static pb_err
store__clock_resend(struct store *st, const char *boot, int64_t *rows)
{
	const char *sql[2] = { sql_resend_learners, sql_resend_summaries };
	sqlite3_stmt *stmt;
	pb_err err = PB_OK;
	int i, n;

	*rows = 0;
	for (i = 0; i < 2 && err == PB_OK; i++) {
		if ((stmt = store__prep(st->w, sql[i])) == NULL)
			return PB_ERR_DB;
		if ((err = sqlu_bind(stmt, "it", st->rev, boot)) == PB_OK &&
		    (err = sqlu_step_done(stmt)) == PB_OK) {
			n = sqlite3_changes(st->w->db);
			st->rev += n; /* the engine records it at commit */
			*rows += n;
		}
		sqlu_done(stmt);
	}
	return err;
}

/* Writer thread: write one boot's offset; if what its uploaded times say
 * changes, its rows are sent again. */
static pb_err
store__clock_put1(struct store *st, const struct store__clock_row *r, int64_t now)
{
	struct store_clock before, after;
	sqlite3_stmt *stmt;
	int64_t rows;
	pb_err err;

	if ((err = store__clock_wget(st, r->boot_id, &before)) != PB_OK)
		return err;
	if (r->src == STORE_CLOCK_HUB || r->src == STORE_CLOCK_CONSOLE) {
		if ((stmt = store__prep(st->w, sql_clock_firm)) == NULL)
			return PB_ERR_DB;
		err = sqlu_bind(stmt, "titi", r->boot_id, r->offset_ms,
		    store_clock_src_name(r->src), now);
	} else if (r->src == STORE_CLOCK_PHONE) {
		if ((stmt = store__prep(st->w, sql_clock_phone)) == NULL)
			return PB_ERR_DB;
		err = sqlu_bind(stmt, "tiddi", r->boot_id, r->offset_ms, r->votes,
		    r->settled, now);
	} else {
		if ((stmt = store__prep(st->w, sql_clock_forget)) == NULL)
			return PB_ERR_DB;
		err = sqlu_bind(stmt, "t", r->boot_id);
	}
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err != PB_OK || (err = store__clock_wget(st, r->boot_id, &after)) != PB_OK ||
	    !store__clock_differs(&before, &after))
		return err;
	if ((err = store__clock_resend(st, r->boot_id, &rows)) == PB_OK && rows > 0)
		log_info("store: boot %.8s now %s %+lld s: %lld rows to send again with "
		    "corrected times", r->boot_id, after.src == STORE_CLOCK_NONE ? "unknown" :
		    store_clock_src_name(after.src),
		    (long long)(after.src == STORE_CLOCK_NONE ? 0 : after.offset_ms / 1000),
		    (long long)rows);
	return err;
}

static pb_err
store__clock_put(struct store *st, void *arg)
{
	const struct store__clock_put *a = arg;
	pb_err err = PB_OK;
	size_t i;

	for (i = 0; i < a->n && err == PB_OK; i++)
		err = store__clock_put1(st, &a->rows[i], a->now_ms);
	return err;
}

#define STORE__EPOCHS_MAX 64 /* other epochs of one boot given a hub offset */

/* The other epochs of an epoch's kernel boot, each with base(epoch) -
 * base(it): its offset is the epoch's plus that. */
static const char sql_epoch_siblings[] =
    "SELECT s.id, e.base_ms - s.base_ms FROM clock_epochs e "
    "JOIN clock_epochs s ON s.boot = e.boot AND s.id != e.id WHERE e.id = ? "
    "ORDER BY s.mono_ms DESC LIMIT 64";

struct store__clock_hub {
	const char *boot_id;
	int64_t offset_ms, now_ms;
	enum store_clock_src src;
};

/* Writer thread: the hub's offset for an epoch, and through the recorded
 * jumps for every other epoch of its boot. */
static pb_err
store__clock_hub(struct store *st, void *arg)
{
	const struct store__clock_hub *a = arg;
	struct store__clock_row rows[STORE__EPOCHS_MAX + 1];
	sqlite3_stmt *stmt;
	size_t i, n = 0;
	pb_err err;

	memset(rows, 0, sizeof(rows));
	snprintf(rows[n].boot_id, sizeof(rows[n].boot_id), "%s", a->boot_id);
	rows[n].offset_ms = a->offset_ms;
	rows[n++].src = a->src;
	if ((stmt = store__prep(st->w, sql_epoch_siblings)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "t", a->boot_id);
	while (err == PB_OK && n < PB_ARRAY_LEN(rows) &&
	    (err = sqlu_step_row(stmt)) == PB_OK) {
		sqlu_col_text(stmt, 0, rows[n].boot_id, sizeof(rows[n].boot_id));
		rows[n].offset_ms = a->offset_ms + sqlite3_column_int64(stmt, 1);
		rows[n++].src = a->src;
	}
	sqlu_done(stmt);
	if (err != PB_OK && err != PB_ERR_NOTFOUND)
		return err;
	for (i = 0, err = PB_OK; i < n && err == PB_OK; i++)
		err = store__clock_put1(st, &rows[i], a->now_ms);
	return err;
}

pb_err
store_clock_set(struct store *st, const char *boot_id, int64_t offset_ms,
    enum store_clock_src src)
{
	struct store__clock_hub a = { boot_id, offset_ms, util_wall_ms(), src };

	if (src != STORE_CLOCK_HUB && src != STORE_CLOCK_CONSOLE)
		return PB_ERR_INVALID;
	if (boot_id == NULL || boot_id[0] == '\0' || strlen(boot_id) >= 37)
		return PB_ERR_INVALID;
	return store__submit(st, store__clock_hub, &a);
}

/* ---- epochs: the clock's jumps within a boot ---- */

/* An epoch to record; prev set: it began with a jump from prev. */
struct store__epoch_rec {
	char id[37], boot[37], prev[37];
	int64_t base, mono, jump, at;
	char source[12];
};

static const char sql_epoch_put[] =
    "INSERT OR IGNORE INTO clock_epochs (id, boot, base_ms, mono_ms, jump_ms, source, "
    "at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char sql_epoch_settle[] =
    "UPDATE boot_clock SET settled = 1 WHERE boot_id = ? AND source = 'phone'";

/* Writer thread: record an epoch. After a jump the new epoch starts with
 * the previous one's offset moved by the jump (the same source; a phone
 * offset stays revisable by the new epoch's own phones), and the previous
 * epoch's phone offset is final. */
static pb_err
store__epoch_put(struct store *st, void *arg)
{
	const struct store__epoch_rec *e = arg;
	struct store__clock_row r;
	struct store_clock prev;
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(st->w, sql_epoch_put)) == NULL)
		return PB_ERR_DB;
	err = sqlu_bind(stmt, "ttiiiti", e->id, e->boot, e->base, e->mono, e->jump,
	    e->source, e->at);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	if (err != PB_OK || e->prev[0] == '\0')
		return err;
	if ((err = store__clock_wget(st, e->prev, &prev)) != PB_OK)
		return err;
	if (prev.src != STORE_CLOCK_NONE) {
		memset(&r, 0, sizeof(r));
		snprintf(r.boot_id, sizeof(r.boot_id), "%s", e->id);
		r.offset_ms = prev.offset_ms - e->jump;
		r.src = prev.src;
		r.votes = prev.votes;
		if ((err = store__clock_put1(st, &r, e->at)) != PB_OK)
			return err;
	}
	if ((stmt = store__prep(st->w, sql_epoch_settle)) == NULL)
		return PB_ERR_DB;
	if ((err = sqlu_bind(stmt, "t", e->prev)) == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}

/* Under st->mu: the NTP client's marker was touched, in the clock whose
 * base is `base`, between `since` and `until` (CLOCK_BOOTTIME ms), give or
 * take a jump's threshold: it set the clock in that time. */
static int
store__ntp_touched(const struct store__epoch_memo *m, int64_t base, int64_t since,
    int64_t until)
{
	struct stat sb;
	int64_t at;

	if (m->ntp_file[0] == '\0' || stat(m->ntp_file, &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0;
	at = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000 - base;
	return at >= since - STORE_CLOCK_JUMP_MS && at <= until + STORE_CLOCK_JUMP_MS;
}

struct store__epoch_read {
	char id[37];
	int64_t base;
};

static int
store__epoch_read(void *arg, sqlite3_stmt *stmt)
{
	struct store__epoch_read *r = arg;

	sqlu_col_text(stmt, 0, r->id, sizeof(r->id));
	r->base = sqlite3_column_int64(stmt, 1);
	return 0;
}

void
store_clock_epoch(struct store *st, const char *boot, int64_t mono_ms,
    int64_t wall_ms, char out[37])
{
	struct store__epoch_memo *m = &st->epoch;
	struct store__epoch_read rd;
	struct store__epoch_rec first, jump;
	int64_t base = wall_ms - mono_ms;
	int fresh = 0, jumped = 0;
	pb_err err;

	snprintf(out, 37, "%s", boot);
	pthread_mutex_lock(&st->mu);
	if (!m->loaded || strcmp(m->boot, boot) != 0) {
		pthread_mutex_unlock(&st->mu);
		memset(&rd, 0, sizeof(rd));
		err = store__row(st, "SELECT id, base_ms FROM clock_epochs WHERE boot = ? "
		    "ORDER BY mono_ms DESC LIMIT 1", store__epoch_read, &rd, "t", boot);
		if (err != PB_OK && err != PB_ERR_NOTFOUND)
			return; /* the kernel's boot id meanwhile */
		pthread_mutex_lock(&st->mu);
		if (!m->loaded || strcmp(m->boot, boot) != 0) {
			char ntp[sizeof(m->ntp_file)];

			memcpy(ntp, m->ntp_file, sizeof(ntp));
			memset(m, 0, sizeof(*m));
			memcpy(m->ntp_file, ntp, sizeof(ntp));
			snprintf(m->boot, sizeof(m->boot), "%s", boot);
			if (err == PB_OK && rd.id[0] != '\0') {
				snprintf(m->id, sizeof(m->id), "%s", rd.id);
				m->base = rd.base;
			} else {
				snprintf(m->id, sizeof(m->id), "%s", boot);
				m->base = base;
				fresh = 1;
				memset(&first, 0, sizeof(first));
				snprintf(first.id, sizeof(first.id), "%s", boot);
				snprintf(first.boot, sizeof(first.boot), "%s", boot);
				snprintf(first.source, sizeof(first.source), "boot");
				first.base = base;
				first.mono = mono_ms;
				first.at = wall_ms;
			}
			m->loaded = 1;
		}
	}
	if (llabs(base - m->base) <= STORE_CLOCK_JUMP_MS) {
		m->base = base; /* follow a slow drift (adjtime) */
		m->seen_mono = mono_ms;
		snprintf(out, 37, "%s", m->id);
	} else if (m->prev[0] != '\0' && llabs(base - m->prev_base) <= STORE_CLOCK_JUMP_MS) {
		snprintf(out, 37, "%s", m->prev); /* read just before the jump */
	} else {
		memset(&jump, 0, sizeof(jump));
		util_uuid4(jump.id);
		snprintf(jump.boot, sizeof(jump.boot), "%s", boot);
		snprintf(jump.prev, sizeof(jump.prev), "%s", m->id);
		jump.base = base;
		jump.mono = mono_ms;
		jump.jump = base - m->base;
		jump.at = wall_ms;
		if (m->want_src[0] != '\0' && mono_ms - m->want_mono < STORE_CLOCK_EXPECT_AGE_MS &&
		    llabs(jump.jump - m->want_delta) <= STORE_CLOCK_EXPECT_MS) {
			snprintf(jump.source, sizeof(jump.source), "%s", m->want_src);
			m->want_src[0] = '\0';
		} else if (store__ntp_touched(m, base, m->seen_mono, mono_ms))
			snprintf(jump.source, sizeof(jump.source), "ntp");
		else
			snprintf(jump.source, sizeof(jump.source), "other");
		snprintf(m->prev, sizeof(m->prev), "%s", m->id);
		m->prev_base = m->base;
		snprintf(m->id, sizeof(m->id), "%s", jump.id);
		m->base = base;
		m->seen_mono = mono_ms;
		snprintf(out, 37, "%s", jump.id);
		jumped = 1;
	}
	pthread_mutex_unlock(&st->mu);
	if (fresh && store__submit(st, store__epoch_put, &first) != PB_OK)
		log_warnx("store: cannot record this boot's clock");
	if (jumped) {
		log_info("clock: the box clock jumped by %+lld s (set by %s); times before "
		    "and after it are corrected apart", (long long)(jump.jump / 1000),
		    jump.source);
		if (store__submit(st, store__epoch_put, &jump) != PB_OK)
			log_warnx("store: cannot record the clock's jump");
	}
}

void
store_clock_epoch_now(struct store *st, char out[37])
{
	char boot[37];

	util_boot_id(boot);
	store_clock_epoch(st, boot, util_mono_ms(), util_wall_ms(), out);
}

void
store_clock_ntp_file(struct store *st, const char *path)
{
	pthread_mutex_lock(&st->mu);
	snprintf(st->epoch.ntp_file, sizeof(st->epoch.ntp_file), "%s", path ? path : "");
	pthread_mutex_unlock(&st->mu);
}

void
store_clock_expect(struct store *st, int64_t delta_ms, const char *source,
    int64_t mono_ms)
{
	pthread_mutex_lock(&st->mu);
	st->epoch.want_delta = delta_ms;
	st->epoch.want_mono = mono_ms;
	snprintf(st->epoch.want_src, sizeof(st->epoch.want_src), "%s", source);
	pthread_mutex_unlock(&st->mu);
}

static int
store__jump_read(void *arg, sqlite3_stmt *stmt)
{
	struct store_clock_jump *j = arg;

	j->jump_ms = sqlite3_column_int64(stmt, 0);
	j->at_ms = sqlite3_column_int64(stmt, 1);
	sqlu_col_text(stmt, 2, j->source, sizeof(j->source));
	j->count = sqlite3_column_int(stmt, 3);
	return 0;
}

pb_err
store_clock_last_jump(struct store *st, const char *boot, struct store_clock_jump *out)
{
	memset(out, 0, sizeof(*out));
	return store__row(st, "SELECT jump_ms, at_ms, source, (SELECT count(*) FROM "
	    "clock_epochs WHERE boot = ?1 AND source != 'boot') FROM clock_epochs "
	    "WHERE boot = ?1 AND source != 'boot' ORDER BY mono_ms DESC LIMIT 1",
	    store__jump_read, out, "t", boot);
}

static int
store__clock_read(void *arg, sqlite3_stmt *stmt)
{
	struct store_clock *out = arg;

	memset(out, 0, sizeof(*out));
	out->offset_ms = sqlite3_column_int64(stmt, 0);
	out->src = store__clock_src(sqlite3_column_text(stmt, 1));
	out->votes = sqlite3_column_int(stmt, 2);
	out->learned_at = sqlite3_column_int64(stmt, 3);
	return 0;
}

pb_err
store_clock_get(struct store *st, const char *boot_id, struct store_clock *out)
{
	memset(out, 0, sizeof(*out));
	return store__row(st, "SELECT offset_ms, source, votes, learned_at "
	    "FROM boot_clock WHERE boot_id = ?", store__clock_read, out, "t", boot_id);
}

/* ---- learning from the phones ---- */

static const char sql_clock_events_all[] =
    "SELECT boot_id, coalesce(learner, ''), client_ms - wall_ms FROM events "
    "WHERE client_ms >= ? AND client_ms < ? AND boot_id NOT IN "
    "(SELECT boot_id FROM boot_clock WHERE source != 'phone' OR settled) "
    "ORDER BY 1, 2, 3";
static const char sql_clock_events_one[] =
    "SELECT boot_id, coalesce(learner, ''), client_ms - wall_ms FROM events "
    "WHERE client_ms >= ? AND client_ms < ? AND boot_id = ? AND boot_id NOT IN "
    "(SELECT boot_id FROM boot_clock WHERE source != 'phone' OR settled) "
    "ORDER BY 2, 3";

/* The phone offsets of every boot (or only the current one) that has no
 * hub or settled offset and events with a plausible client time, into
 * *rows (malloc'd). A revisable boot whose phones no longer agree gets src
 * NONE (forget it). */
static pb_err
store__clock_compute(struct store *st, const char *current, int only_current,
    struct store__clock_row **rows, size_t *nrows)
{
	struct store__conn *c = NULL;
	struct clockmath_boot phones;
	struct store__clock_row *out = NULL, *nr, *r;
	sqlite3_stmt *stmt = NULL;
	char boot[37] = "";
	const char *b, *l;
	size_t n = 0, cap = 0;
	int64_t off = 0;
	int more, nv;
	pb_err err;

	*rows = NULL;
	*nrows = 0;
	memset(&phones, 0, sizeof(phones));
	err = store__get(st, &c);
	if (err != PB_OK)
		return err;
	if ((stmt = store__prep(c, only_current ? sql_clock_events_one :
	    sql_clock_events_all)) == NULL) {
		err = PB_ERR_DB;
		goto out;
	}
	err = sqlu_bind(stmt, only_current ? "iit" : "ii",
	    (int64_t)CLOCKMATH_MIN_PHONE_MS, (int64_t)CLOCKMATH_MAX_PHONE_MS, current);
	for (more = err == PB_OK; more;) {
		err = sqlu_step_row(stmt);
		if (err != PB_OK && err != PB_ERR_NOTFOUND)
			goto out;
		more = err == PB_OK;
		b = more ? (const char *)sqlite3_column_text(stmt, 0) : "";
		l = more ? (const char *)sqlite3_column_text(stmt, 1) : "";
		b = b ? b : "";
		l = l ? l : "";
		if (!more || strcmp(b, boot) != 0) {
			if ((err = clockmath_boot_decide(&phones, &off, &nv)) != PB_OK)
				goto out;
			if (boot[0] != '\0') {
				if (n == cap) {
					cap = cap ? cap * 2 : 8;
					if ((nr = realloc(out, cap * sizeof(*out))) == NULL) {
						err = PB_ERR_NOMEM;
						goto out;
					}
					out = nr;
				}
				r = &out[n++];
				memset(r, 0, sizeof(*r));
				snprintf(r->boot_id, sizeof(r->boot_id), "%s", boot);
				r->src = nv > 0 ? STORE_CLOCK_PHONE : STORE_CLOCK_NONE;
				r->offset_ms = off;
				r->votes = nv;
				r->settled = strcmp(boot, current) != 0;
			}
			snprintf(boot, sizeof(boot), "%s", b);
		}
		if (more && (err = clockmath_boot_add(&phones, l,
		    sqlite3_column_int64(stmt, 2))) != PB_OK)
			goto out;
	}
	err = PB_OK;
	*rows = out;
	*nrows = n;
	out = NULL;
out:
	sqlu_done(stmt);
	store__put(st, c);
	free(out);
	clockmath_boot_free(&phones);
	return err;
}

pb_err
store_clock_learn(struct store *st, const char *current_boot, int64_t max_age_ms)
{
	struct store__clock_put a = { NULL, 0, 0 };
	struct store__clock_row *rows = NULL;
	struct store_clock old;
	int64_t now = util_mono_ms();
	size_t i, n = 0, keep = 0;
	pb_err err;

	if (current_boot == NULL)
		return PB_ERR_INVALID;
	/* With max_age: skip when nothing was written since, or when this boot
	 * already has an offset and the last learning is younger than max_age. */
	pthread_mutex_lock(&st->mu);
	if (max_age_ms > 0 && st->clock.mono != 0 &&
	    strcmp(st->clock.boot, current_boot) == 0 &&
	    (st->clock.rev == st->committed_rev ||
	    (st->clock.known && now - st->clock.mono < max_age_ms))) {
		pthread_mutex_unlock(&st->mu);
		return PB_OK;
	}
	st->clock.mono = now; /* claimed: concurrent callers skip */
	st->clock.known = 0;
	st->clock.rev = st->committed_rev;
	snprintf(st->clock.boot, sizeof(st->clock.boot), "%s", current_boot);
	pthread_mutex_unlock(&st->mu);

	err = store__clock_compute(st, current_boot, max_age_ms > 0, &rows, &n);
	if (err != PB_OK)
		goto out;
	/* write only what changes: a busy boot's median moves by milliseconds */
	for (i = 0; i < n; i++) {
		err = store_clock_get(st, rows[i].boot_id, &old);
		if (err != PB_OK && err != PB_ERR_NOTFOUND)
			goto out;
		if (err == PB_ERR_NOTFOUND ? rows[i].src == STORE_CLOCK_NONE :
		    old.src == STORE_CLOCK_PHONE && rows[i].src == STORE_CLOCK_PHONE &&
		    !rows[i].settled && clockmath_phone_same(old.offset_ms, old.votes,
		    rows[i].offset_ms, rows[i].votes))
			continue;
		rows[keep++] = rows[i];
	}
	err = PB_OK;
	if (keep == 0)
		goto out;
	a.rows = rows;
	a.n = keep;
	a.now_ms = util_wall_ms();
	err = store__submit(st, store__clock_put, &a);
out:
	if (err != PB_OK)
		log_warnx("store: learning the clock from phones: %s", pb_strerror(err));
	else if (store_clock_get(st, current_boot, &old) == PB_OK &&
	    (old.src == STORE_CLOCK_HUB || old.src == STORE_CLOCK_CONSOLE ||
	    old.votes >= STORE_CLOCK_FIRM_VOTES)) {
		/* a firm offset: learned again at most once per max_age; fewer
		 * phones are heard again after each write (more may come to
		 * agree, and enough of them set the clock: clockset.h) */
		pthread_mutex_lock(&st->mu);
		st->clock.known = 1;
		pthread_mutex_unlock(&st->mu);
	}
	free(rows);
	return err;
}

/* ---- uploaded times ---- */

/* Move t by the offset in columns col (offset_ms) and col + 1 (source). */
void
store__fix_time(sqlite3_stmt *stmt, int col, int64_t t, struct store_time *out)
{
	int64_t off;

	memset(out, 0, sizeof(*out));
	out->ms = t;
	if (t == 0 || sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return;
	out->src = store__clock_src(sqlite3_column_text(stmt, col + 1));
	if (out->src == STORE_CLOCK_NONE)
		return;
	off = sqlite3_column_int64(stmt, col);
	if (clockmath_moves(off)) {
		out->ms = t + off;
		out->moved = 1;
	}
}
