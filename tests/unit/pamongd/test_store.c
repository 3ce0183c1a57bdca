/* test_store.c — the SQLite store: schema and migrations, learners,
 * sessions, progress, quiz attempts, revs for sync, group commit. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fsutil.h"
#include "store.h"
#include "tap.h"
#include "util.h"

#define DAY_MS (24LL * 3600 * 1000)

static char dir[64];

static void
db_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

/* One integer from a query run directly on the file (-1 on error). */
static long long
sql_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	long long v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

static int
sql_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static struct store_when
when(int64_t wall)
{
	struct store_when w;

	memset(&w, 0, sizeof(w));
	util_boot_id(w.boot_id);
	w.mono_ms = util_mono_ms();
	w.wall_ms = wall;
	w.client_ms = wall + 5;
	return w;
}

static pb_err
mk_learner(struct store *st, const char *name, char id[37])
{
	struct store_learner l;
	struct store_when w = when(1000);
	char key[128];
	size_t i;

	memset(&l, 0, sizeof(l));
	util_uuid4(l.id);
	snprintf(l.name, sizeof(l.name), "%s", name);
	snprintf(l.position, sizeof(l.position), "kepala-desa");
	snprintf(l.village, sizeof(l.village), "33.02.01.2001");
	l.registered_at = 1000;
	for (i = 0; name[i] != '\0' && i + 1 < sizeof(key); i++)
		key[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	key[i] = '\0';
	if (id != NULL)
		memcpy(id, l.id, 37);
	return store_learner_create(st, &l, key, "$argon2id$hash", &w);
}

/* ---- schema ---- */

static void
test_open_fresh_and_reopen(void)
{
	struct store *st = NULL;
	char path[128], box[37], id[37];
	struct store_learner l;

	db_path(path, sizeof(path), "fresh.db");
	CHECK_EQ_INT(store_open(path, &st), PB_OK, "a fresh database opens");
	if (st == NULL)
		return;
	CHECK(util_is_uuid(store_box_id(st)), "the box gets a UUID on first open");
	snprintf(box, sizeof(box), "%s", store_box_id(st));
	CHECK_EQ_INT(mk_learner(st, "Siti Aminah", id), PB_OK, "a learner is created");
	store_close(st);

	CHECK_EQ_INT(sql_int(path, "PRAGMA user_version"), 1,
	    "migrations bring a fresh database to schema version 1");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN "
	    "('meta','learners','sessions','lesson_progress','attempts',"
	    "'attempt_answers','course_summary','events')"), 8,
	    "the initial schema has all eight tables");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN "
	    "('learners_rev','course_summary_rev')"), 2,
	    "learners and summaries are indexed by rev");

	st = NULL;
	CHECK_EQ_INT(store_open(path, &st), PB_OK, "the database opens again");
	if (st == NULL)
		return;
	CHECK_EQ_STR(store_box_id(st), box, "the box id survives a reopen");
	CHECK_EQ_INT(store_learner_get(st, id, &l), PB_OK, "a learner survives a reopen");
	CHECK_EQ_STR(l.name, "Siti Aminah", "with its name");
	store_close(st);
}

static void
test_refuses_future_schema(void)
{
	struct store *st = NULL;
	char path[128];

	db_path(path, sizeof(path), "future.db");
	CHECK_EQ_INT(store_open(path, &st), PB_OK, "a database is created");
	store_close(st);
	st = NULL;
	CHECK_EQ_INT(sql_exec(path, "PRAGMA user_version = 99"), SQLITE_OK,
	    "its user_version is set to 99");
	CHECK_EQ_INT(store_open(path, &st), PB_ERR_STATE,
	    "a database from a newer program is refused");
	CHECK(st == NULL, "and no store is returned");
	CHECK_EQ_INT(sql_int(path, "PRAGMA user_version"), 99,
	    "the refused database is left untouched");
	if (st != NULL)
		store_close(st);
}

/* ---- learners and sessions ---- */

static int
collect_name(void *arg, const char *name)
{
	char *buf = arg;

	strcat(buf, name);
	strcat(buf, "|");
	return 0;
}

static void
test_learners(struct store *st)
{
	struct store_learner l, got;
	struct store_when w = when(2000);
	char id[37], pin[128], names[512] = "";

	CHECK_EQ_INT(mk_learner(st, "Budi Santoso", id), PB_OK, "learner Budi is created");
	CHECK_EQ_INT(mk_learner(st, "ani", NULL), PB_OK, "learner ani is created");
	CHECK_EQ_INT(mk_learner(st, "BUDI SANTOSO", NULL), PB_ERR_EXISTS,
	    "a second learner with the same name_key is refused with PB_ERR_EXISTS");

	memset(&l, 0, sizeof(l));
	memcpy(l.id, id, 37);
	snprintf(l.name, sizeof(l.name), "Other");
	CHECK_EQ_INT(store_learner_create(st, &l, "other", "h", &w), PB_ERR_EXISTS,
	    "a learner with an existing id is refused with PB_ERR_EXISTS");

	CHECK_EQ_INT(store_learner_by_name(st, "budi santoso", &got, pin, sizeof(pin)),
	    PB_OK, "a learner is found by name_key");
	CHECK_EQ_STR(got.id, id, "by_name returns the learner's id");
	CHECK_EQ_STR(pin, "$argon2id$hash", "by_name returns the PIN hash");
	CHECK_EQ_STR(got.village, "33.02.01.2001", "by_name returns the village");
	CHECK_EQ_INT(store_learner_by_name(st, "nobody", &got, NULL, 0), PB_ERR_NOTFOUND,
	    "an unknown name is PB_ERR_NOTFOUND");
	CHECK_EQ_INT(store_learner_get(st, "00000000-0000-4000-8000-000000000000", &got),
	    PB_ERR_NOTFOUND, "an unknown id is PB_ERR_NOTFOUND");

	CHECK_EQ_INT(store_learner_names(st, collect_name, names), PB_OK,
	    "learner names are listed");
	CHECK_EQ_STR(names, "ani|Budi Santoso|", "names are sorted without case");
}

static void
test_sessions(struct store *st)
{
	char id[37], who[37];
	const int64_t t0 = 1764400000000LL, max_age = 180 * DAY_MS;

	CHECK_EQ_INT(mk_learner(st, "Sesi Satu", id), PB_OK, "a learner for sessions");
	CHECK_EQ_INT(store_session_create(st, "hash-1", id, t0), PB_OK,
	    "a session is created");
	CHECK_EQ_INT(store_session_create(st, "hash-x",
	    "00000000-0000-4000-8000-000000000000", t0), PB_ERR_NOTFOUND,
	    "a session for an unknown learner is refused");
	CHECK_EQ_INT(store_session_lookup(st, "hash-1", t0 + 1000, max_age, who), PB_OK,
	    "a fresh session is found");
	CHECK_EQ_STR(who, id, "lookup returns the session's learner");
	CHECK_EQ_INT(store_session_lookup(st, "hash-nope", t0, max_age, who),
	    PB_ERR_NOTFOUND, "an unknown token is PB_ERR_NOTFOUND");

	/* Seen 2 days later: renewed, so it lives max_age past that day. */
	CHECK_EQ_INT(store_session_lookup(st, "hash-1", t0 + 2 * DAY_MS, max_age, who),
	    PB_OK, "a session used after two days is found");
	CHECK_EQ_INT(store_session_lookup(st, "hash-1", t0 + max_age + DAY_MS, max_age,
	    who), PB_OK, "using a session renews it past its original expiry");
	CHECK_EQ_INT(store_session_lookup(st, "hash-1", t0 + 2 * max_age + 5 * DAY_MS,
	    max_age, who), PB_ERR_NOTFOUND,
	    "a session unused for longer than max_age is refused");
	CHECK_EQ_INT(store_session_lookup(st, "hash-1", t0 + max_age + DAY_MS, max_age,
	    who), PB_ERR_NOTFOUND, "an expired session is deleted");

	CHECK_EQ_INT(store_session_create(st, "hash-2", id, t0), PB_OK,
	    "a second session is created");
	CHECK_EQ_INT(store_session_delete(st, "hash-2"), PB_OK, "a session is deleted");
	CHECK_EQ_INT(store_session_lookup(st, "hash-2", t0, max_age, who),
	    PB_ERR_NOTFOUND, "a deleted session is not found");
	CHECK_EQ_INT(store_session_delete(st, "hash-2"), PB_OK,
	    "deleting a missing session is not an error (logout is idempotent)");
}

/* ---- progress and quiz ---- */

struct lesson_list {
	char buf[256];
	int64_t seconds;
};

static int
collect_lesson(void *arg, const struct store_lesson *l)
{
	struct lesson_list *ll = arg;

	strcat(ll->buf, l->lesson);
	strcat(ll->buf, l->done ? "=done|" : "=open|");
	ll->seconds += l->seconds_spent;
	return 0;
}

static void
test_progress_and_quiz(struct store *st)
{
	struct store_summary s;
	struct store_attempt at;
	struct store_answer ans;
	struct store_when w = when(10000);
	struct lesson_list ll;
	char id[37], other[37];
	const char *a1 = "11111111-1111-4111-8111-111111111111";
	const char *a2 = "22222222-2222-4222-8222-222222222222";
	const char *a3 = "33333333-3333-4333-8333-333333333333";
	int done = -1;

	CHECK_EQ_INT(mk_learner(st, "Progress One", id), PB_OK, "a learner for progress");
	CHECK_EQ_INT(mk_learner(st, "Progress Two", other), PB_OK, "another learner");
	CHECK_EQ_INT(store_summary_get(st, id, "c1", &s), PB_ERR_NOTFOUND,
	    "an untouched course has no summary");

	CHECK_EQ_INT(store_lesson_open(st, id, "c1", "l1", 3, &w), PB_OK, "lesson l1 opens");
	CHECK_EQ_INT(store_summary_get(st, id, "c1", &s), PB_OK, "the course has a summary");
	CHECK_EQ_STR(s.status, "in_progress", "opening a lesson makes the course in_progress");
	CHECK_EQ_INT(s.lessons_done, 0, "an opened lesson is not done");
	CHECK_EQ_INT(s.lessons_total, 3, "lessons_total comes from the caller");
	CHECK_EQ_INT(s.best_score, -1, "no finished attempt: best_score is -1");
	CHECK_EQ_INT(s.first_activity, 10000, "first_activity is the wall time");

	w.wall_ms = 11000;
	CHECK_EQ_INT(store_lesson_complete(st, id, "c1", "l1", 240, 3, &w, &done), PB_OK,
	    "lesson l1 completes");
	CHECK_EQ_INT(done, 1, "completing l1 reports 1 lesson done");
	w.wall_ms = 12000;
	CHECK_EQ_INT(store_lesson_complete(st, id, "c1", "l1", 60, 3, &w, &done), PB_OK,
	    "lesson l1 completes again");
	CHECK_EQ_INT(done, 1, "completing a done lesson again does not count it twice");
	CHECK_EQ_INT(store_summary_get(st, id, "c1", &s), PB_OK, "summary after l1");
	CHECK_EQ_INT(s.seconds_spent, 300, "completing again adds the seconds");
	CHECK_EQ_INT(s.first_activity, 10000, "first_activity stays");
	CHECK_EQ_INT(s.last_activity, 12000, "last_activity moves");
	CHECK_EQ_INT(store_lesson_complete(st, other, "c1", "l1", 10, 3, &w, &done), PB_OK,
	    "another learner completes l1");
	CHECK_EQ_INT(done, 1, "each learner has their own count");
	CHECK_EQ_INT(store_lesson_open(st, "00000000-0000-4000-8000-000000000000", "c1",
	    "l1", 3, &w), PB_ERR_NOTFOUND, "progress for an unknown learner is refused");

	/* Attempts. */
	CHECK_EQ_INT(store_attempt_create(st, a1, id, "c1", &w), PB_OK, "attempt a1 starts");
	CHECK_EQ_INT(store_attempt_create(st, a1, id, "c1", &w), PB_ERR_EXISTS,
	    "starting a1 again is PB_ERR_EXISTS (idempotent retry)");
	CHECK_EQ_INT(store_attempt_create(st, a1, other, "c1", &w), PB_ERR_DENIED,
	    "another learner's attempt id is PB_ERR_DENIED");
	CHECK_EQ_INT(store_attempt_create(st, a1, id, "c2", &w), PB_ERR_DENIED,
	    "an attempt id of another course is PB_ERR_DENIED");
	CHECK_EQ_INT(store_attempt_get(st, a1, &at), PB_OK, "attempt a1 is read");
	CHECK_EQ_STR(at.learner, id, "a1 belongs to its learner");
	CHECK_EQ_INT(at.finished, 0, "a1 is not finished");

	CHECK_EQ_INT(store_answer_put(st, a1, "q1", "a", 1, &w, &ans), PB_OK,
	    "answer q1 is recorded");
	CHECK_EQ_INT(store_answer_put(st, a1, "q1", "b", 0, &w, &ans), PB_ERR_EXISTS,
	    "answering q1 again is PB_ERR_EXISTS");
	CHECK_EQ_STR(ans.choices, "a", "the first answer stands (choices)");
	CHECK_EQ_INT(ans.correct, 1, "the first answer stands (correct)");
	CHECK_EQ_INT(store_answer_put(st, a1, "q2", "b,c", 0, &w, &ans), PB_OK,
	    "answer q2 is recorded");
	CHECK_EQ_INT(store_answer_put(st, a3, "q1", "a", 1, &w, &ans), PB_ERR_NOTFOUND,
	    "answering an unknown attempt is PB_ERR_NOTFOUND");

	w.wall_ms = 13000;
	CHECK_EQ_INT(store_attempt_finish(st, a1, 50, 1, 2, 70, 3, &w, &at), PB_OK,
	    "a1 finishes with 50%");
	CHECK_EQ_INT(at.passed, 0, "50% under 70% does not pass");
	CHECK_EQ_INT(store_attempt_finish(st, a1, 100, 2, 2, 70, 3, &w, &at), PB_ERR_EXISTS,
	    "finishing a1 again is PB_ERR_EXISTS");
	CHECK_EQ_INT(at.score, 50, "finishing again returns the stored score");
	CHECK_EQ_INT(store_answer_put(st, a1, "q3", "a", 1, &w, &ans), PB_ERR_STATE,
	    "a new answer to a finished attempt is PB_ERR_STATE");
	CHECK_EQ_INT(store_answer_put(st, a1, "q1", "c", 0, &w, &ans), PB_ERR_EXISTS,
	    "resending an answer after finishing returns the stored answer");
	CHECK_EQ_INT(store_summary_get(st, id, "c1", &s), PB_OK, "summary after a1");
	CHECK_EQ_INT(s.attempts, 1, "one finished attempt");
	CHECK_EQ_INT(s.best_score, 50, "best score 50");
	CHECK_EQ_INT(s.passed, 0, "not passed");

	CHECK_EQ_INT(store_attempt_create(st, a2, id, "c1", &w), PB_OK, "attempt a2 starts");
	CHECK_EQ_INT(store_attempt_finish(st, a2, 80, 4, 5, 70, 3, &w, &at), PB_OK,
	    "a2 finishes with 80%");
	CHECK_EQ_INT(at.passed, 1, "80% passes");
	CHECK_EQ_INT(store_summary_get(st, id, "c1", &s), PB_OK, "summary after a2");
	CHECK_EQ_INT(s.best_score, 80, "best score becomes 80");
	CHECK_EQ_INT(s.passed, 1, "the course quiz is passed");
	CHECK_EQ_STR(s.status, "in_progress", "passed but lessons left: still in_progress");
	CHECK_EQ_INT(s.completed_at, 0, "not completed yet");

	CHECK_EQ_INT(store_attempt_create(st, a3, id, "c1", &w), PB_OK, "attempt a3 starts");
	CHECK_EQ_INT(store_attempt_finish(st, a3, 40, 2, 5, 70, 3, &w, &at), PB_OK,
	    "a3 finishes with 40%");
	CHECK_EQ_INT(store_summary_get(st, id, "c1", &s), PB_OK, "summary after a3");
	CHECK_EQ_INT(s.best_score, 80, "a worse attempt keeps the best score");
	CHECK_EQ_INT(s.passed, 1, "passed is sticky");
	CHECK_EQ_INT(s.attempts, 3, "three finished attempts");

	w.wall_ms = 20000;
	CHECK_EQ_INT(store_lesson_complete(st, id, "c1", "l2", 30, 3, &w, &done), PB_OK,
	    "lesson l2 completes");
	CHECK_EQ_INT(store_lesson_complete(st, id, "c1", "l3", 30, 3, &w, &done), PB_OK,
	    "lesson l3 completes");
	CHECK_EQ_INT(done, 3, "all three lessons done");
	CHECK_EQ_INT(store_summary_get(st, id, "c1", &s), PB_OK, "summary after l3");
	CHECK_EQ_STR(s.status, "completed", "all lessons done and passed: completed");
	CHECK_EQ_INT(s.completed_at, 20000, "completed_at is when it became completed");
	w.wall_ms = 30000;
	CHECK_EQ_INT(store_lesson_complete(st, id, "c1", "l3", 30, 3, &w, &done), PB_OK,
	    "a completed course's lesson is visited again");
	CHECK_EQ_INT(store_summary_get(st, id, "c1", &s), PB_OK, "summary after revisit");
	CHECK_EQ_INT(s.completed_at, 20000, "completed_at does not move");

	memset(&ll, 0, sizeof(ll));
	CHECK_EQ_INT(store_lessons(st, id, "c1", collect_lesson, &ll), PB_OK,
	    "lessons are listed");
	CHECK_EQ_STR(ll.buf, "l1=done|l2=done|l3=done|", "each lesson with its state");
	CHECK_EQ_INT(ll.seconds, 390, "lesson seconds add up");
}

/* ---- revs and sync ---- */

struct rev_list {
	int n;
	int64_t revs[64];
	char keys[64][128];
};

static int
collect_learner_rev(void *arg, const struct store_learner *l, int64_t rev)
{
	struct rev_list *r = arg;

	if (r->n < 64) {
		r->revs[r->n] = rev;
		snprintf(r->keys[r->n], sizeof(r->keys[0]), "%s", l->name);
		r->n++;
	}
	return 0;
}

static int
collect_summary_rev(void *arg, const struct store_summary *s)
{
	struct rev_list *r = arg;

	if (r->n < 64) {
		r->revs[r->n] = s->rev;
		snprintf(r->keys[r->n], sizeof(r->keys[0]), "%s", s->course);
		r->n++;
	}
	return 0;
}

static int
strictly_increasing(const struct rev_list *r, int64_t after)
{
	int i;

	for (i = 0; i < r->n; i++) {
		if (r->revs[i] <= after)
			return 0;
		after = r->revs[i];
	}
	return 1;
}

static void
test_revs_and_sync(void)
{
	struct store *st = NULL;
	struct store_stats ss;
	struct store_when w = when(5000);
	struct rev_list r;
	char path[128], a[37], b[37];
	int64_t r0, r1, cursor = -1;

	db_path(path, sizeof(path), "revs.db");
	if (store_open(path, &st) != PB_OK)
		return;
	CHECK_EQ_INT(mk_learner(st, "Rev A", a), PB_OK, "learner Rev A");
	CHECK_EQ_INT(mk_learner(st, "Rev B", b), PB_OK, "learner Rev B");
	CHECK_EQ_INT(store_lesson_open(st, a, "ca", "l1", 2, &w), PB_OK, "A opens ca");
	CHECK_EQ_INT(store_lesson_open(st, b, "cb", "l1", 2, &w), PB_OK, "B opens cb");
	CHECK_EQ_INT(store_lesson_open(st, a, "cc", "l1", 2, &w), PB_OK, "A opens cc");
	CHECK_EQ_INT(store_stats(st, &ss), PB_OK, "stats are read");
	r0 = ss.rev;
	CHECK_EQ_INT(r0, 5, "five changes took revs 1..5");

	memset(&r, 0, sizeof(r));
	CHECK_EQ_INT(store_changed_learners(st, 0, 0, collect_learner_rev, &r), PB_OK,
	    "changed learners after 0");
	CHECK_EQ_INT(r.n, 2, "both learners changed after rev 0");
	CHECK(strictly_increasing(&r, 0), "learner revs are strictly increasing");
	CHECK_EQ_STR(r.keys[0], "Rev A", "in rev order");

	memset(&r, 0, sizeof(r));
	CHECK_EQ_INT(store_changed_summaries(st, 0, 2, collect_summary_rev, &r), PB_OK,
	    "changed summaries after 0, limit 2");
	CHECK_EQ_INT(r.n, 2, "limit caps the rows");
	CHECK_EQ_STR(r.keys[0], "ca", "first the oldest change");
	CHECK_EQ_STR(r.keys[1], "cb", "then the next");

	/* Touch only ca again: exactly that row is newer than r0. */
	CHECK_EQ_INT(store_lesson_complete(st, a, "ca", "l1", 5, 2, &w, NULL), PB_OK,
	    "A completes ca/l1");
	CHECK_EQ_INT(store_lesson_open(st, b, "cb", "l2", 2, &w), PB_OK, "B opens cb/l2");
	memset(&r, 0, sizeof(r));
	CHECK_EQ_INT(store_changed_summaries(st, r0, 0, collect_summary_rev, &r), PB_OK,
	    "changed summaries after r0");
	CHECK_EQ_INT(r.n, 2, "exactly the two changed summaries");
	CHECK_EQ_STR(r.keys[0], "ca", "ca changed first");
	CHECK_EQ_STR(r.keys[1], "cb", "cb changed second");
	CHECK(strictly_increasing(&r, r0), "their revs are above r0 and increasing");
	memset(&r, 0, sizeof(r));
	CHECK_EQ_INT(store_changed_learners(st, r0, 0, collect_learner_rev, &r), PB_OK,
	    "changed learners after r0");
	CHECK_EQ_INT(r.n, 0, "no learner row changed after r0");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM events"), 7,
	    "every change appended one event");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM events WHERE boot_id = '' OR "
	    "client_ms <> wall_ms + 5"), 0, "events carry the boot id and phone time");

	CHECK_EQ_INT(store_sync_cursor(st, &cursor), PB_OK, "the sync cursor is read");
	CHECK_EQ_INT(cursor, 0, "the sync cursor starts at 0");
	CHECK_EQ_INT(store_sync_set_cursor(st, 6), PB_OK, "the sync cursor is set to 6");
	CHECK_EQ_INT(store_stats(st, &ss), PB_OK, "stats");
	r1 = ss.rev;
	store_close(st);
	st = NULL;

	if (store_open(path, &st) != PB_OK)
		return;
	CHECK_EQ_INT(store_sync_cursor(st, &cursor), PB_OK, "the cursor is read again");
	CHECK_EQ_INT(cursor, 6, "the sync cursor survives a reopen");
	CHECK_EQ_INT(mk_learner(st, "Rev C", NULL), PB_OK, "learner Rev C after reopen");
	memset(&r, 0, sizeof(r));
	CHECK_EQ_INT(store_changed_learners(st, r1, 0, collect_learner_rev, &r), PB_OK,
	    "changed learners after the last rev before reopen");
	CHECK_EQ_INT(r.n, 1, "one new learner");
	CHECK(r.n == 1 && r.revs[0] == r1 + 1, "revs continue after a reopen");
	store_close(st);
}

/* ---- group commit ---- */

#define NTHREADS 100
#define NWRITES 20

struct worker {
	struct store *st;
	int n;
	int ok, failed;
	int dup; /* create a learner with a name_key that others take too */
	pb_err create;
};

static void *
worker_run(void *arg)
{
	struct worker *wk = arg;
	struct store_when w = when(7000);
	char id[37], name[32], lesson[32];
	int i, done;

	snprintf(name, sizeof(name), wk->dup ? "Dup Name" : "Worker %d", wk->n);
	wk->create = mk_learner(wk->st, name, id);
	if (wk->create != PB_OK)
		return NULL;
	for (i = 0; i < NWRITES; i++) {
		snprintf(lesson, sizeof(lesson), "l%d", i);
		if (store_lesson_complete(wk->st, id, "gc", lesson, 1, NWRITES, &w, &done) ==
		    PB_OK && done == i + 1)
			wk->ok++;
		else
			wk->failed++;
	}
	return NULL;
}

static void
test_group_commit(void)
{
	static struct worker wk[NTHREADS];
	pthread_t th[NTHREADS];
	struct store *st = NULL;
	struct store_stats before, after;
	char path[128];
	int i, started = 0, ok = 0, failed = 0, dup_ok = 0, dup_exists = 0, uniq_ok = 0;
	int64_t writes, commits;

	db_path(path, sizeof(path), "group.db");
	if (store_open(path, &st) != PB_OK)
		return;
	store_stats(st, &before);
	for (i = 0; i < NTHREADS; i++) {
		memset(&wk[i], 0, sizeof(wk[i]));
		wk[i].st = st;
		wk[i].n = i;
		wk[i].dup = i % 4 == 0;
		if (pthread_create(&th[i], NULL, worker_run, &wk[i]) != 0)
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ_INT(started, NTHREADS, "all writer threads started");
	for (i = 0; i < started; i++) {
		ok += wk[i].ok;
		failed += wk[i].failed;
		if (wk[i].dup) {
			dup_ok += wk[i].create == PB_OK;
			dup_exists += wk[i].create == PB_ERR_EXISTS;
		} else {
			uniq_ok += wk[i].create == PB_OK;
		}
	}
	store_stats(st, &after);
	writes = after.writes - before.writes;
	commits = after.commits - before.commits;
	printf("# %lld writes in %lld commits\n", (long long)writes, (long long)commits);

	CHECK_EQ_INT(dup_ok, 1, "exactly one of the concurrent same-name registrations wins");
	CHECK_EQ_INT(dup_exists, NTHREADS / 4 - 1,
	    "the other same-name registrations get PB_ERR_EXISTS");
	CHECK_EQ_INT(uniq_ok, NTHREADS - NTHREADS / 4,
	    "failing registrations in a batch do not undo the others");
	CHECK_EQ_INT(failed, 0, "no lesson write failed");
	CHECK_EQ_INT(ok, (NTHREADS - NTHREADS / 4 + 1) * NWRITES,
	    "every lesson write was acknowledged with the right count");
	CHECK(commits * 2 < writes, "concurrent writes share commits (%lld commits for "
	    "%lld writes)", (long long)commits, (long long)writes);
	CHECK_EQ_INT(after.healthy, 1, "the store is healthy");
	store_close(st);

	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM learners"),
	    NTHREADS - NTHREADS / 4 + 1, "every acknowledged learner is in the file");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM lesson_progress"),
	    (NTHREADS - NTHREADS / 4 + 1) * NWRITES,
	    "every acknowledged lesson is in the file");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM course_summary WHERE "
	    "lessons_done = 20 AND seconds_spent = 20"), NTHREADS - NTHREADS / 4 + 1,
	    "every summary counts all its lessons");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM events"),
	    sql_int(path, "SELECT max(rev) FROM events"),
	    "revs have no gaps: failed writes gave theirs back");
}

/* ---- kill -9 ---- */

/* A child acknowledges writes through a pipe and is killed mid-stream;
 * everything acknowledged must be in the database afterwards. */
static void
test_kill9(void)
{
	struct store *st = NULL;
	char path[128], line[64];
	int fds[2], status, acked = 0;
	FILE *in;
	pid_t pid;

	db_path(path, sizeof(path), "kill.db");
	if (pipe(fds) != 0)
		return;
	pid = fork();
	if (pid == 0) {
		char id[37], lesson[32];
		int i;

		close(fds[0]);
		if (store_open(path, &st) != PB_OK || mk_learner(st, "Killed", id) != PB_OK)
			_exit(1);
		for (i = 0;; i++) {
			snprintf(lesson, sizeof(lesson), "l%d", i);
			if (store_lesson_complete(st, id, "k", lesson, 1, 1000000, NULL,
			    NULL) != PB_OK)
				_exit(1);
			snprintf(line, sizeof(line), "%d\n", i + 1);
			if (write(fds[1], line, strlen(line)) < 0)
				_exit(1);
		}
	}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	while (in != NULL && acked < 200 && fgets(line, sizeof(line), in) != NULL)
		acked = atoi(line);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (in != NULL)
		fclose(in);
	CHECK(WIFSIGNALED(status), "the writing child was killed with SIGKILL");
	CHECK(sql_int(path, "SELECT count(*) FROM lesson_progress") >= acked,
	    "all %d acknowledged writes survive kill -9 (found %lld)", acked,
	    sql_int(path, "SELECT count(*) FROM lesson_progress"));
	CHECK_EQ_INT(store_open(path, &st), PB_OK, "the killed store opens again");
	store_close(st);
}

int
main(void)
{
	struct store *st = NULL;
	char path[128];

	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(dir, sizeof(dir), "/tmp/test_store.XXXXXX");
	if (mkdtemp(dir) == NULL || util_init() != PB_OK) {
		printf("not ok 1 - setup\n");
		return 1;
	}
	test_open_fresh_and_reopen();
	test_refuses_future_schema();

	db_path(path, sizeof(path), "main.db");
	CHECK_EQ_INT(store_open(path, &st), PB_OK, "the main test database opens");
	if (st != NULL) {
		test_learners(st);
		test_sessions(st);
		test_progress_and_quiz(st);
		store_close(st);
	}
	test_revs_and_sync();
	test_group_commit();
	test_kill9();
	fs_remove_tree(dir);
	return TAP_DONE();
}
