/* test_store.c — the SQLite store: schema and migrations, learners,
 * sessions, progress, quiz attempts, revs for sync, group commit. */
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fsutil.h"
#include "store.h"
#include "store_clock.h"
#include "store_fixtures.h"
#include "store_learner.h"
#include "store_progress.h"
#include "store_quiz.h"
#include "store_session.h"
#include "store_sync.h"
#include "tap.h"
#include "util.h"

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
	return file_int(path, SQLITE_OPEN_READWRITE, sql);
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
	struct store_when w = when(1000);

	return learner_make(st, name, &w, id);
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

	CHECK_EQ_INT(sql_int(path, "PRAGMA user_version"), 11,
	    "migrations bring a fresh database to schema version 11");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'lesson_visits'"), 1, "schema 9 has the lesson_visits table");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'learner_merges'"), 1, "schema 4 has the learner_merges table");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN "
	    "('facilitators', 'console_sessions', 'audit')"), 3,
	    "schema 3 has the console's tables");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'boot_clock'"), 1, "schema 2 has the boot_clock table");
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
	CHECK_EQ_INT(file_exec(path, "PRAGMA user_version = 99"), SQLITE_OK,
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

	CHECK_EQ_INT(store_learner_names(st, "", 10, collect_name, names), PB_OK,
	    "learner names are listed");
	CHECK_EQ_STR(names, "ani|Budi Santoso|", "names are sorted without case");
	names[0] = '\0';
	CHECK_EQ_INT(store_learner_names(st, "san", 10, collect_name, names), PB_OK,
	    "names are searched by a word's start");
	CHECK_EQ_STR(names, "Budi Santoso|", "a later word's start finds the name");
	names[0] = '\0';
	(void)store_learner_names(st, "nto", 10, collect_name, names);
	CHECK_EQ_STR(names, "", "the middle of a word finds nothing");
	names[0] = '\0';
	(void)store_learner_names(st, "", 1, collect_name, names);
	CHECK_EQ_STR(names, "ani|", "at most limit names come back");
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
	{
		int64_t t;
		int alive = 1;

		CHECK_EQ_INT(store_session_create(st, "hash-life", id, t0), PB_OK,
		    "a session to use every 100 days");
		for (t = t0 + 100 * DAY_MS; t < t0 + STORE_SESSION_LIFE_MS; t += 100 * DAY_MS)
			alive &= store_session_lookup(st, "hash-life", t, max_age, who) == PB_OK;
		CHECK(alive, "a session used every 100 days lives until its year is over");
		CHECK_EQ_INT(store_session_lookup(st, "hash-life", t0 + STORE_SESSION_LIFE_MS +
		    DAY_MS, max_age, who), PB_ERR_NOTFOUND, "then it ends however often it was used");
	}
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

	/* A visit's running total: a resent request adds nothing twice. */
	{
		const char *v = "4b0b5f1e-9c1a-4c36-9d1e-2f4a7c8e0a11";

		CHECK_EQ_INT(store_lesson_visit(st, id, "cv", "l1", v, 30, 0, 1, &w, NULL), PB_OK,
		    "a visit sends 30 s");
		CHECK_EQ_INT(store_lesson_visit(st, id, "cv", "l1", v, 30, 0, 1, &w, NULL), PB_OK,
		    "the same request again (its reply was lost)");
		CHECK_EQ_INT(store_lesson_visit(st, id, "cv", "l1", v, 75, 1, 1, &w, &done), PB_OK,
		    "the visit ends with done at 75 s");
		CHECK_EQ_INT(store_lesson_visit(st, id, "cv", "l1", v, 75, 1, 1, &w, &done), PB_OK,
		    "done resent");
		CHECK_EQ_INT(store_lesson_visit(st, id, "cv", "l1", v, 40, 0, 1, &w, NULL), PB_OK,
		    "an older total arriving late");
		CHECK_EQ_INT(done, 1, "the lesson is done");
		CHECK_EQ_INT(store_summary_get(st, id, "cv", &s), PB_OK, "summary after the visit");
		CHECK_EQ_INT(s.seconds_spent, 75, "the visit counts its 75 s once");
		CHECK_EQ_INT(store_lesson_visit(st, other, "cv", "l1", v, 20, 0, 1, &w, NULL), PB_OK,
		    "another learner's visit with the same id");
		CHECK_EQ_INT(store_summary_get(st, id, "cv", &s), PB_OK, "summary again");
		CHECK_EQ_INT(s.seconds_spent, 75, "does not touch this learner's time");
	}
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

/* A database that went back in time below what was sent: every row gets a
 * rev above it, the cursor goes back to 0, new revs follow. */
static void
test_rebaseline(void)
{
	struct store *st = NULL;
	struct store_stats ss;
	struct store_when w = when(7000);
	struct rev_list r;
	char path[128], a[37], b[37];
	int64_t resent = 0, cursor = -1;

	db_path(path, sizeof(path), "rebase.db");
	if (store_open(path, &st) != PB_OK)
		return;
	CHECK_EQ_INT(mk_learner(st, "Base A", a), PB_OK, "learner Base A");
	CHECK_EQ_INT(mk_learner(st, "Base B", b), PB_OK, "learner Base B");
	CHECK_EQ_INT(store_lesson_open(st, a, "ca", "l1", 2, &w), PB_OK, "A opens ca");
	CHECK_EQ_INT(store_lesson_open(st, b, "ca", "l1", 2, &w), PB_OK, "B opens ca");
	CHECK_EQ_INT(store_sync_set_cursor(st, 4), PB_OK, "the hub acknowledged rev 4");
	CHECK_EQ_INT(store_sync_rebaseline(st, 4, &resent), PB_OK, "rebaseline at the rev held");
	CHECK_EQ_INT(resent, -1, "nothing to do when the database holds the rev sent");
	CHECK_EQ_INT(store_sync_rebaseline(st, 10, &resent), PB_OK,
	    "rebaseline below a rev sent (10)");
	CHECK_EQ_INT(resent, 4, "two learners and two summaries go again");
	CHECK_EQ_INT(store_stats(st, &ss), PB_OK, "stats");
	CHECK_EQ_INT(ss.rev, 14, "the rev is the highest renumbered one (10 + 4)");
	CHECK_EQ_INT(store_sync_cursor(st, &cursor), PB_OK, "cursor read");
	CHECK_EQ_INT(cursor, 0, "the cursor goes back to 0");
	memset(&r, 0, sizeof(r));
	CHECK_EQ_INT(store_changed_learners(st, 10, 0, collect_learner_rev, &r), PB_OK,
	    "learners changed after 10");
	CHECK_EQ_INT(r.n, 2, "both learners are above the rev sent");
	memset(&r, 0, sizeof(r));
	CHECK_EQ_INT(store_changed_summaries(st, 10, 0, collect_summary_rev, &r), PB_OK,
	    "summaries changed after 10");
	CHECK_EQ_INT(r.n, 2, "both summaries are above the rev sent");
	CHECK_EQ_INT(sql_int(path, "SELECT min(rev) FROM events"), 11,
	    "the events are renumbered too");
	CHECK_EQ_INT(mk_learner(st, "Base C", NULL), PB_OK, "a learner after");
	CHECK_EQ_INT(store_stats(st, &ss), PB_OK, "stats");
	CHECK_EQ_INT(ss.rev, 15, "new revs follow the renumbered ones");
	CHECK_EQ_INT(store_sync_rebaseline(st, 10, &resent), PB_OK, "rebaseline again");
	CHECK_EQ_INT(resent, -1, "once is enough");
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

/* ---- the clock: per-boot offsets ---- */

#define REAL0 1764400000000LL /* 2025-11-29: the real time in these tests */
/* n lesson opens of course by a learner in boot, a minute apart from wall,
 * the phone at box clock + skew (0: no phone clock). */
static void
opens_at(struct store *st, const char *id, const char *course, const char *boot,
    int64_t wall, int64_t skew, int n)
{
	struct store_when w;
	char lesson[16];
	int i;

	for (i = 0; i < n; i++) {
		w = at(boot, wall + i * 60000, skew ? wall + i * 60000 + skew : 0);
		snprintf(lesson, sizeof(lesson), "p%d", i);
		store_lesson_open(st, id, course, lesson, 50, &w);
	}
}

struct found_summary {
	const char *learner, *course;
	struct store_summary s;
	struct store_summary_times t;
	int found;
};

static int
find_summary(void *arg, const struct store_summary *s, const struct store_summary_times *t)
{
	struct found_summary *f = arg;

	if (strcmp(s->learner, f->learner) == 0 && strcmp(s->course, f->course) == 0) {
		f->s = *s;
		f->t = *t;
		f->found = 1;
	}
	return 0;
}

static struct found_summary
sync_summary(struct store *st, const char *learner, const char *course)
{
	struct found_summary f;

	memset(&f, 0, sizeof(f));
	f.learner = learner;
	f.course = course;
	store_sync_summaries(st, 0, 0, find_summary, &f);
	return f;
}

struct found_learner {
	const char *id;
	struct store_time t;
	int64_t rev;
	int found;
};

static int
find_learner(void *arg, const struct store_learner *l, int64_t rev,
    const struct store_time *t)
{
	struct found_learner *f = arg;

	if (strcmp(l->id, f->id) == 0) {
		f->t = *t;
		f->rev = rev;
		f->found = 1;
	}
	return 0;
}

static struct found_learner
sync_learner(struct store *st, const char *id)
{
	struct found_learner f;

	memset(&f, 0, sizeof(f));
	f.id = id;
	store_sync_learners(st, 0, 0, find_learner, &f);
	return f;
}

/* A boot's offset, or -1 with src NONE if none is known. */
static struct store_clock
clock_of(struct store *st, const char *boot)
{
	struct store_clock c;

	if (store_clock_get(st, boot, &c) != PB_OK) {
		memset(&c, 0, sizeof(c));
		c.offset_ms = -1;
	}
	return c;
}

/* Boot A: the box clock 3 days behind; three phones right (within a
 * second), one busy phone 5 h off, one set to 2019. Boot B: the box clock
 * 2 h ahead, two phones. Boot C: no phone sent its clock. Boot D: two
 * phones that disagree. Boot E: the hub saw the box clock 30 s off. The
 * current boot: phones first, then the hub. */
static void
test_clock(void)
{
	const int64_t wa = REAL0 - 3 * DAY_MS, wb = REAL0 + DAY_MS + 2 * HOUR_MS;
	const int64_t wc = REAL0 + 2 * DAY_MS, wd = REAL0 + 3 * DAY_MS;
	const int64_t we = REAL0 + 4 * DAY_MS, wn = REAL0 + 5 * DAY_MS;
	const char *a1 = "aaaaaaaa-1111-4111-8111-111111111111";
	char path[128], l1[37], l2[37], l3[37], l4[37], l5[37], l6[37], l7[37];
	char l8[37], l9[37];
	struct store *st = NULL;
	struct store_attempt out;
	struct store_when w;
	struct store_clock c;
	struct found_summary f;
	struct found_learner fl;

	db_path(path, sizeof(path), "clock.db");
	CHECK_EQ_INT(store_open(path, &st), PB_OK, "a store for the clock tests opens");
	if (st == NULL)
		return;
	/* boot A: l1 starts course k */
	learner_at(st, "Jam Satu", "boot-a", wa, 3 * DAY_MS + 1000, l1);
	opens_at(st, l1, "k", "boot-a", wa + 1000, 3 * DAY_MS + 1000, 1);
	learner_at(st, "Jam Dua", "boot-a", wa + 2000, 3 * DAY_MS, l2);
	opens_at(st, l2, "x", "boot-a", wa + 3000, 3 * DAY_MS, 2);
	learner_at(st, "Jam Tiga", "boot-a", wa + 4000, 3 * DAY_MS - 1000, l3);
	opens_at(st, l3, "x", "boot-a", wa + 5000, 3 * DAY_MS - 1000, 2);
	learner_at(st, "Jam Sibuk Salah", "boot-a", wa + 6000, 3 * DAY_MS + 5 * HOUR_MS, l4);
	opens_at(st, l4, "x", "boot-a", wa + 7000, 3 * DAY_MS + 5 * HOUR_MS, 20);
	learner_at(st, "Jam Kuno", "boot-a", wa + 8000, 1546300800000LL - wa, l5);
	opens_at(st, l5, "x", "boot-a", wa + 9000, 1546300800000LL - wa, 20);
	/* boot B: l1 completes course k */
	opens_at(st, l2, "x", "boot-b", wb, -2 * HOUR_MS, 1);
	w = at("boot-b", wb + 1000, wb + 1000 - 2 * HOUR_MS);
	CHECK_EQ_INT(store_lesson_complete(st, l1, "k", "satu", 60, 1, &w, NULL), PB_OK,
	    "in boot B the learner from boot A completes the lesson");
	w = at("boot-b", wb + 2000, wb + 2000 - 2 * HOUR_MS);
	store_attempt_create(st, a1, l1, "k", &w);
	CHECK_EQ_INT(store_attempt_finish(st, a1, 100, 1, 1, 50, 1, &w, &out), PB_OK,
	    "and passes the quiz: the course is completed in boot B");
	/* boot C: no phone clocks; boot D: phones 1 h and -3 h off the box */
	learner_at(st, "Tanpa Jam", "boot-c", wc, 0, l6);
	opens_at(st, l6, "c", "boot-c", wc + 1000, 0, 2);
	opens_at(st, l6, "d", "boot-d", wd, HOUR_MS, 2);
	learner_at(st, "Jam Beda", "boot-d", wd + 5000, -3 * HOUR_MS, l7);
	opens_at(st, l7, "x", "boot-d", wd + 6000, -3 * HOUR_MS, 2);
	/* boot E: no phones, the hub saw the box 30 s off; then the current boot */
	opens_at(st, l7, "e", "boot-e", we, 0, 1);
	CHECK_EQ_INT(store_clock_set_hub(st, "boot-e", 30000), PB_OK,
	    "the hub's offset for boot E is stored");
	opens_at(st, l7, "n", "boot-now", wn, HOUR_MS, 3);
	opens_at(st, l5, "f", "boot-f", wa, 1546300800000LL - wa, 3); /* only 2019 */

	CHECK_EQ_INT(store_clock_learn(st, "boot-now", 0), PB_OK, "offsets are learned");
	c = clock_of(st, "boot-a");
	CHECK_EQ_INT(c.src, STORE_CLOCK_PHONE, "boot A's offset comes from phones");
	CHECK_EQ_INT(c.offset_ms, 3 * DAY_MS,
	    "boot A: the median of the agreeing phones; the busy phone 5 h off and "
	    "the 2019 phone are ignored");
	CHECK_EQ_INT(c.votes, 3, "boot A: three phones agreed");
	c = clock_of(st, "boot-b");
	CHECK(c.src == STORE_CLOCK_PHONE && c.offset_ms == -2 * HOUR_MS && c.votes == 2,
	    "boot B's offset is -2 h from two phones (got src %d, %lld, %d votes)",
	    (int)c.src, (long long)c.offset_ms, c.votes);
	CHECK_EQ_INT(clock_of(st, "boot-c").src, STORE_CLOCK_NONE,
	    "boot C without phone clocks has no offset");
	CHECK_EQ_INT(clock_of(st, "boot-d").src, STORE_CLOCK_NONE,
	    "boot D whose two phones disagree has no offset");
	CHECK_EQ_INT(clock_of(st, "boot-f").src, STORE_CLOCK_NONE,
	    "boot F whose only phone says 2019 has no offset");
	c = clock_of(st, "boot-now");
	CHECK(c.src == STORE_CLOCK_PHONE && c.offset_ms == HOUR_MS,
	    "the current boot's offset comes from its one phone (got src %d, %lld)",
	    (int)c.src, (long long)c.offset_ms);

	/* the current boot is revisited as phones come: after every write while
	 * fewer than 3 phones vouch for it, then at most once per max_age */
	learner_at(st, "Jam Baru Satu", "boot-now", wn + 1000, 2 * HOUR_MS, l8);
	learner_at(st, "Jam Baru Dua", "boot-now", wn + 2000, 2 * HOUR_MS, l9);
	store_clock_learn(st, "boot-now", 60000);
	CHECK_EQ_INT(clock_of(st, "boot-now").offset_ms, 2 * HOUR_MS,
	    "one phone's offset is not firm: learning within max_age hears the new phones");
	learner_at(st, "Jam Baru Tiga", "boot-now", wn + 3000, 2 * HOUR_MS, NULL);
	store_clock_learn(st, "boot-now", 60000);
	c = clock_of(st, "boot-now");
	CHECK(c.offset_ms == 2 * HOUR_MS && c.votes == 3, "a third phone agrees (%d votes)",
	    c.votes);
	learner_at(st, "Jam Baru Empat", "boot-now", wn + 4000, 3 * HOUR_MS, NULL);
	store_clock_learn(st, "boot-now", 60000);
	CHECK_EQ_INT(clock_of(st, "boot-now").votes, 3,
	    "three agreeing phones are firm: learning again within max_age is skipped");
	store_clock_learn(st, "boot-now", 0);
	c = clock_of(st, "boot-now");
	CHECK(c.src == STORE_CLOCK_PHONE && c.offset_ms == 2 * HOUR_MS && c.votes == 3,
	    "three new phones outvote the other two in the current boot (got %lld, %d votes)",
	    (long long)c.offset_ms, c.votes);
	CHECK_EQ_INT(store_clock_set_hub(st, "boot-now", 600000), PB_OK,
	    "the hub's offset for the current boot is stored");
	store_clock_learn(st, "boot-now", 0);
	c = clock_of(st, "boot-now");
	CHECK(c.src == STORE_CLOCK_HUB && c.offset_ms == 600000,
	    "the hub's time is preferred to the phones' for the current boot "
	    "(got src %d, %lld)", (int)c.src, (long long)c.offset_ms);
	CHECK_EQ_STR(store_clock_src_name(c.src), "hub", "its source is named hub");

	/* what is uploaded */
	fl = sync_learner(st, l1);
	CHECK(fl.found && fl.t.ms == wa + 3 * DAY_MS && fl.t.src == STORE_CLOCK_PHONE &&
	    fl.t.moved, "registered_at from boot A is moved by boot A's offset");
	f = sync_summary(st, l1, "k");
	CHECK(f.found, "the summary of course k is listed for sync");
	CHECK_EQ_INT(f.s.first_activity, wa + 1000, "the store keeps the recorded time");
	CHECK_EQ_INT(f.t.first_activity.ms, wa + 1000 + 3 * DAY_MS,
	    "first_activity (boot A) is moved by boot A's offset");
	CHECK_EQ_INT(f.t.last_activity.ms, wb + 2000 - 2 * HOUR_MS,
	    "last_activity (boot B) is moved by boot B's offset");
	CHECK_EQ_INT(f.t.completed_at.ms, wb + 2000 - 2 * HOUR_MS,
	    "completed_at (boot B) is moved by boot B's offset");
	CHECK(f.t.first_activity.src == STORE_CLOCK_PHONE &&
	    f.t.last_activity.src == STORE_CLOCK_PHONE &&
	    f.t.completed_at.src == STORE_CLOCK_PHONE && f.t.first_activity.moved &&
	    f.t.completed_at.moved, "all three are marked as corrected by phones");
	f = sync_summary(st, l6, "c");
	CHECK(f.found && f.t.first_activity.ms == wc + 1000 &&
	    f.t.last_activity.ms == wc + 61000 && f.t.completed_at.ms == 0,
	    "times from boot C are sent as recorded");
	CHECK(f.t.first_activity.src == STORE_CLOCK_NONE &&
	    f.t.last_activity.src == STORE_CLOCK_NONE && !f.t.first_activity.moved &&
	    !f.t.last_activity.moved, "and marked as not corrected");
	fl = sync_learner(st, l6);
	CHECK(fl.found && fl.t.ms == wc && fl.t.src == STORE_CLOCK_NONE && !fl.t.moved,
	    "a learner registered in boot C is sent as recorded, not corrected");
	f = sync_summary(st, l6, "d");
	CHECK(f.found && f.t.first_activity.ms == wd &&
	    f.t.first_activity.src == STORE_CLOCK_NONE,
	    "times from boot D (phones disagree) are not corrected");
	f = sync_summary(st, l7, "e");
	CHECK(f.found && f.t.first_activity.ms == we &&
	    f.t.first_activity.src == STORE_CLOCK_HUB && !f.t.first_activity.moved,
	    "an offset within the 2 min tolerance vouches (hub) but moves nothing");
	f = sync_summary(st, l7, "n");
	CHECK(f.found && f.t.first_activity.ms == wn + 600000 &&
	    f.t.first_activity.src == STORE_CLOCK_HUB && f.t.first_activity.moved,
	    "current-boot times are moved by the hub's offset, not the phones'");

	/* a facilitator's phone (the console): over the phones, under the hub */
	CHECK_EQ_INT(store_clock_set(st, "boot-b", 7000, STORE_CLOCK_CONSOLE), PB_OK,
	    "the console's offset for boot B is stored");
	store_clock_learn(st, "boot-now", 0);
	c = clock_of(st, "boot-b");
	CHECK(c.src == STORE_CLOCK_CONSOLE && c.offset_ms == 7000,
	    "it replaces the phones' and stays after learning (got src %d, %lld)",
	    (int)c.src, (long long)c.offset_ms);
	CHECK_EQ_STR(store_clock_src_name(c.src), "console", "its source is named console");
	f = sync_summary(st, l1, "k");
	CHECK(f.found && f.t.completed_at.src == STORE_CLOCK_CONSOLE,
	    "a time of boot B is uploaded as vouched by the console (got %d)",
	    (int)f.t.completed_at.src);
	CHECK_EQ_INT(store_clock_set(st, "boot-now", 1, STORE_CLOCK_CONSOLE), PB_OK,
	    "a console offset for a boot the hub vouches for is no error");
	c = clock_of(st, "boot-now");
	CHECK(c.src == STORE_CLOCK_HUB && c.offset_ms == 600000,
	    "but the hub's offset stays (got src %d, %lld)", (int)c.src, (long long)c.offset_ms);
	CHECK_EQ_INT(store_clock_set_hub(st, "boot-b", -2 * HOUR_MS), PB_OK,
	    "the hub's offset for boot B");
	CHECK_EQ_INT(clock_of(st, "boot-b").src, STORE_CLOCK_HUB, "replaces the console's");
	CHECK_EQ_INT(store_clock_set(st, "boot-b", 0, STORE_CLOCK_PHONE), PB_ERR_INVALID,
	    "store_clock_set takes only the hub or the console");
	store_close(st);

	/* the offsets survive a reopen */
	st = NULL;
	CHECK_EQ_INT(store_open(path, &st), PB_OK, "the clock store opens again");
	if (st == NULL)
		return;
	CHECK_EQ_INT(clock_of(st, "boot-a").offset_ms, 3 * DAY_MS,
	    "boot A's offset is kept in the store");
	store_close(st);
}


/* A moment of kernel boot kb at CLOCK_BOOTTIME mono and wall clock wall, in
 * the clock epoch the store finds for it. */
static struct store_when
at_epoch(struct store *st, const char *kb, int64_t mono, int64_t wall, int64_t client)
{
	struct store_when w;

	memset(&w, 0, sizeof(w));
	store_clock_epoch(st, kb, mono, wall, w.boot_id);
	w.mono_ms = mono;
	w.wall_ms = wall;
	w.client_ms = client;
	return w;
}

/* The box clock jumps within a boot (docs/SYNC.md, Clock): the box clock 1
 * day behind; a learner registers; the clock is set forward (asked for by
 * the hub); a learner registers after it; then the hub's Date corrects the
 * times of both sides, the rows uploaded before are sent again, and a
 * second hub round a few hundred ms off resends nothing. Then agreeing
 * phones in another boot, a jump they asked for, and a reopen. */
static void
test_clock_jumps(void)
{
	const int64_t w0 = REAL0 - DAY_MS;
	const char *kb = "kernel-boot-1";
	struct store_clock_jump j;
	struct store *st = NULL;
	struct store_when w;
	struct store_clock c;
	struct found_learner f1, f2, g1;
	char path[128], e0[37], e1[37], e2[37], x[37], l1[37], l2[37], l3[37], l4[37];
	int i;

	db_path(path, sizeof(path), "jumps.db");
	CHECK_EQ_INT(store_open(path, &st), PB_OK, "a store for the clock jumps opens");
	if (st == NULL)
		return;
	store_clock_epoch(st, kb, 10000, w0 + 10000, e0);
	CHECK_EQ_STR(e0, kb, "a boot's first clock epoch is the kernel's boot id");
	store_clock_epoch(st, kb, 11000, w0 + 11000 + 1500, x);
	CHECK_EQ_STR(x, kb, "a clock 1.5 s off its base (drift) is the same epoch");
	w = at_epoch(st, kb, 12000, w0 + 12000, 0);
	learner_make(st, "Sebelum Lompat", &w, l1);
	CHECK_EQ_INT(store_clock_last_jump(st, kb, &j), PB_ERR_NOTFOUND,
	    "no jump is recorded yet");
	f1 = sync_learner(st, l1);
	CHECK(f1.found && f1.t.src == STORE_CLOCK_NONE && f1.t.ms == w0 + 12000,
	    "before any offset the learner is sent as recorded");

	/* the clock is set one day forward, as the hub asked */
	store_clock_expect(st, DAY_MS, "hub", 13000);
	store_clock_epoch(st, kb, 14000, w0 + 14000 + DAY_MS, e1);
	CHECK(strcmp(e1, kb) != 0 && util_is_uuid(e1),
	    "a jump of a day begins a new epoch with its own id (%s)", e1);
	CHECK_EQ_INT(store_clock_last_jump(st, kb, &j), PB_OK, "the jump is recorded");
	CHECK(j.jump_ms == DAY_MS && strcmp(j.source, "hub") == 0 && j.count == 1 &&
	    j.at_ms == w0 + 14000 + DAY_MS,
	    "as one jump of a day, set by the hub, at the new clock's time (got %lld %s %d)",
	    (long long)j.jump_ms, j.source, j.count);
	store_clock_epoch(st, kb, 14001, w0 + 14001, x);
	CHECK_EQ_STR(x, kb, "a time read just before the jump still belongs to the old epoch");
	store_clock_epoch(st, kb, 15000, w0 + 15000 + DAY_MS, x);
	CHECK_EQ_STR(x, e1, "later times belong to the new epoch");
	w = at_epoch(st, kb, 16000, w0 + 16000 + DAY_MS, 0);
	learner_make(st, "Sesudah Lompat", &w, l2);
	CHECK_EQ_STR(w.boot_id, e1, "the learner after the jump is written in the new epoch");

	/* the hub's Date: the new clock is right (0.5 s) */
	CHECK_EQ_INT(store_clock_set_hub(st, e1, 500), PB_OK, "the hub's offset is stored");
	c = clock_of(st, kb);
	CHECK(c.src == STORE_CLOCK_HUB && c.offset_ms == DAY_MS + 500,
	    "the old epoch's offset is the hub's plus the jump (got %d, %lld)", (int)c.src,
	    (long long)c.offset_ms);
	g1 = sync_learner(st, l1);
	CHECK(g1.found && g1.t.src == STORE_CLOCK_HUB && g1.t.moved &&
	    g1.t.ms == w0 + 12000 + DAY_MS + 500,
	    "the learner from before the jump is sent a day later, vouched by the hub");
	CHECK(g1.rev > f1.rev, "and with a new rev: uploaded before, it is sent again "
	    "(%lld > %lld)", (long long)g1.rev, (long long)f1.rev);
	f2 = sync_learner(st, l2);
	CHECK(f2.found && f2.t.src == STORE_CLOCK_HUB && !f2.t.moved &&
	    f2.t.ms == w0 + 16000 + DAY_MS,
	    "the learner from after the jump is sent as recorded, vouched by the hub");
	CHECK_EQ_INT(store_clock_set_hub(st, e1, 900), PB_OK, "the next round's Date");
	CHECK_EQ_INT(sync_learner(st, l1).rev, g1.rev,
	    "an offset 0.4 s different resends nothing");
	CHECK_EQ_INT(sync_learner(st, l2).rev, f2.rev, "nor the other side");

	/* another boot: three phones agree the box is 2 h behind; the clock is
	 * set from them */
	for (i = 0; i < 3; i++) {
		char name[32];

		snprintf(name, sizeof(name), "Telepon %d", i);
		w = at_epoch(st, "kernel-boot-2", 1000 + i, w0 + 1000 + i, w0 + 1000 + i +
		    2 * HOUR_MS + i * 1000);
		learner_make(st, name, &w, i == 0 ? l3 : l4);
	}
	CHECK_EQ_INT(store_clock_learn(st, "kernel-boot-2", 0), PB_OK, "the phones are heard");
	c = clock_of(st, "kernel-boot-2");
	CHECK(c.src == STORE_CLOCK_PHONE && c.votes == 3 && c.offset_ms == 2 * HOUR_MS + 1000,
	    "three phones agree on 2 h (got %d, %lld, %d)", (int)c.src,
	    (long long)c.offset_ms, c.votes);
	store_clock_expect(st, 2 * HOUR_MS + 1000, "phone", 5000);
	store_clock_epoch(st, "kernel-boot-2", 6000, w0 + 6000 + 2 * HOUR_MS + 1200, e2);
	c = clock_of(st, e2);
	CHECK(c.src == STORE_CLOCK_PHONE && llabs(c.offset_ms + 200) < 50,
	    "the new epoch starts with the phones' offset moved by the jump (~0; got %lld)",
	    (long long)c.offset_ms);
	CHECK(store_clock_last_jump(st, "kernel-boot-2", &j) == PB_OK &&
	    strcmp(j.source, "phone") == 0, "the jump is recorded as set by the phones");
	CHECK_EQ_INT(store_clock_learn(st, e2, 0), PB_OK, "learning again in the new epoch");
	c = clock_of(st, "kernel-boot-2");
	CHECK(c.src == STORE_CLOCK_PHONE && c.offset_ms == 2 * HOUR_MS + 1000,
	    "the old epoch keeps the phones' offset, now final");
	store_close(st);

	/* reopened in the same kernel boot: the current epoch is read back; a
	 * jump while pamongd was stopped is noticed, set by something else */
	st = NULL;
	CHECK_EQ_INT(store_open(path, &st), PB_OK, "the store opens again");
	if (st == NULL)
		return;
	store_clock_epoch(st, kb, 20000, w0 + 20000 + DAY_MS, x);
	CHECK_EQ_STR(x, e1, "after a reopen the clock is still in the epoch after the jump");
	store_clock_epoch(st, kb, 21000, w0 + 21000 + DAY_MS - HOUR_MS, x);
	CHECK(strcmp(x, e1) != 0 && store_clock_last_jump(st, kb, &j) == PB_OK &&
	    j.jump_ms == -HOUR_MS && strcmp(j.source, "other") == 0 && j.count == 2,
	    "a jump nobody asked for is recorded as other (got %lld %s %d)",
	    (long long)j.jump_ms, j.source, j.count);
	c = clock_of(st, x);
	CHECK(c.src == STORE_CLOCK_HUB && c.offset_ms == 900 + HOUR_MS,
	    "and its epoch gets the hub's offset through the jump (got %lld)",
	    (long long)c.offset_ms);
	store_close(st);
}

/* Set the NTP client's marker's modification time to wall_ms. */
static int
touch_at(const char *path, int64_t wall_ms)
{
	struct timespec ts[2];
	FILE *f = fopen(path, "a");

	if (f == NULL || fclose(f) != 0)
		return -1;
	ts[0].tv_sec = ts[1].tv_sec = (time_t)(wall_ms / 1000);
	ts[0].tv_nsec = ts[1].tv_nsec = (long)(wall_ms % 1000) * 1000000;
	return utimensat(AT_FDCWD, path, ts, 0);
}

/* systemd-timesyncd sets the clock, then touches its marker
 * (/run/systemd/timesync/synchronized): a jump nobody asked for, with the
 * marker touched in the new clock since the old one was last read, is
 * recorded as set by ntp. A marker touched before the jump (an older
 * synchronization, then a hand), or no marker, leaves it "other". */
static void
test_clock_ntp(void)
{
	const int64_t w0 = REAL0 - DAY_MS;
	const char *kb = "kernel-boot-ntp";
	struct store_clock_jump j;
	struct store *st = NULL;
	char path[128], marker[128], e0[37], x[37];

	db_path(path, sizeof(path), "ntp.db");
	db_path(marker, sizeof(marker), "ntp-synchronized");
	CHECK_EQ_INT(store_open(path, &st), PB_OK, "a store for the NTP jumps opens");
	if (st == NULL)
		return;
	store_clock_ntp_file(st, marker);
	store_clock_epoch(st, kb, 10000, w0 + 10000, e0);
	CHECK_EQ_STR(e0, kb, "the boot's first epoch");
	store_clock_epoch(st, kb, 11000, w0 + 11000, x);

	/* timesyncd steps the clock a day forward at 12 s, then touches its marker */
	CHECK_EQ_INT(touch_at(marker, w0 + 12000 + DAY_MS + 3), 0, "the marker is touched");
	store_clock_epoch(st, kb, 13000, w0 + 13000 + DAY_MS, x);
	CHECK(store_clock_last_jump(st, kb, &j) == PB_OK && j.jump_ms == DAY_MS &&
	    strcmp(j.source, "ntp") == 0 && j.count == 1,
	    "a jump with the NTP marker touched just after it is set by ntp (got %lld %s %d)",
	    (long long)j.jump_ms, j.source, j.count);

	/* an hour later a hand sets the clock back an hour: the marker is the
	 * old synchronization's */
	store_clock_epoch(st, kb, 3600000, w0 + 3600000 + DAY_MS, x);
	store_clock_epoch(st, kb, 3601000, w0 + 3601000 + DAY_MS - HOUR_MS, x);
	CHECK(store_clock_last_jump(st, kb, &j) == PB_OK && j.jump_ms == -HOUR_MS &&
	    strcmp(j.source, "other") == 0 && j.count == 2,
	    "a jump after an older synchronization is other (got %lld %s %d)",
	    (long long)j.jump_ms, j.source, j.count);

	/* the marker touched in the old clock just before a jump is no proof */
	CHECK_EQ_INT(touch_at(marker, w0 + 3602000 + DAY_MS - HOUR_MS), 0, "touched again");
	store_clock_epoch(st, kb, 3603000, w0 + 3603000 + DAY_MS - HOUR_MS + 10 * 60000, x);
	CHECK(store_clock_last_jump(st, kb, &j) == PB_OK && j.jump_ms == 10 * 60000 &&
	    strcmp(j.source, "other") == 0,
	    "a marker touched before the jump, in the old clock, leaves it other (got %s)",
	    j.source);

	/* no NTP client: never ntp */
	store_clock_ntp_file(st, "");
	CHECK_EQ_INT(touch_at(marker, w0 + 3604000 + DAY_MS + 3), 0, "touched in a new clock");
	store_clock_epoch(st, kb, 3605000, w0 + 3605000 + DAY_MS, x);
	CHECK(store_clock_last_jump(st, kb, &j) == PB_OK && strcmp(j.source, "other") == 0,
	    "without an ntp_file the jump is other (got %s)", j.source);
	store_close(st);
	unlink(marker);
}

/* The schema as migration 1 made it (a released entry: never changes). */
static const char schema_1[] =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE learners (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    "  name_key TEXT NOT NULL UNIQUE, position TEXT NOT NULL, village TEXT NOT NULL,"
    "  pin_hash TEXT NOT NULL, registered_at INTEGER NOT NULL, boot_id TEXT NOT NULL,"
    "  mono_ms INTEGER NOT NULL, client_ms INTEGER NOT NULL, rev INTEGER NOT NULL);"
    "CREATE INDEX learners_rev ON learners(rev);"
    "CREATE TABLE sessions (token_hash TEXT PRIMARY KEY,"
    "  learner TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,"
    "  created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL);"
    "CREATE INDEX sessions_learner ON sessions(learner);"
    "CREATE TABLE lesson_progress (learner TEXT NOT NULL REFERENCES learners(id),"
    "  course TEXT NOT NULL, lesson TEXT NOT NULL, opened_at INTEGER NOT NULL,"
    "  completed_at INTEGER, seconds_spent INTEGER NOT NULL DEFAULT 0,"
    "  last_activity INTEGER NOT NULL, PRIMARY KEY (learner, course, lesson));"
    "CREATE TABLE attempts (id TEXT PRIMARY KEY,"
    "  learner TEXT NOT NULL REFERENCES learners(id), course TEXT NOT NULL,"
    "  started_at INTEGER NOT NULL, finished_at INTEGER, score INTEGER,"
    "  correct INTEGER, total INTEGER, passed INTEGER);"
    "CREATE INDEX attempts_learner ON attempts(learner, course);"
    "CREATE TABLE attempt_answers (attempt TEXT NOT NULL REFERENCES attempts(id),"
    "  question TEXT NOT NULL, choices TEXT NOT NULL, correct INTEGER NOT NULL,"
    "  answered_at INTEGER NOT NULL, PRIMARY KEY (attempt, question));"
    "CREATE TABLE course_summary (learner TEXT NOT NULL REFERENCES learners(id),"
    "  course TEXT NOT NULL, status TEXT NOT NULL,"
    "  lessons_done INTEGER NOT NULL DEFAULT 0, lessons_total INTEGER NOT NULL DEFAULT 0,"
    "  best_score INTEGER NOT NULL DEFAULT -1, passed INTEGER NOT NULL DEFAULT 0,"
    "  attempts INTEGER NOT NULL DEFAULT 0, seconds_spent INTEGER NOT NULL DEFAULT 0,"
    "  first_activity INTEGER NOT NULL DEFAULT 0,"
    "  last_activity INTEGER NOT NULL DEFAULT 0,"
    "  completed_at INTEGER NOT NULL DEFAULT 0, rev INTEGER NOT NULL,"
    "  PRIMARY KEY (learner, course));"
    "CREATE INDEX course_summary_rev ON course_summary(rev);"
    "CREATE TABLE events (rev INTEGER PRIMARY KEY, learner TEXT, course TEXT,"
    "  kind TEXT NOT NULL, detail TEXT, boot_id TEXT NOT NULL, mono_ms INTEGER NOT NULL,"
    "  wall_ms INTEGER NOT NULL, client_ms INTEGER NOT NULL);"
    "PRAGMA user_version = 1;";

/* A box that ran migration 1 in two boots (old-a: the box 1 day behind,
 * old-b: 1 h ahead) and then gets this pamongd: the schema migrates, the
 * summary's times find their boots in the events, and the upload corrects
 * each time by its own boot's offset. */
static const char data_1[] =
    "INSERT INTO meta VALUES ('box_id', '0e0e0e0e-1111-4222-8333-444444444444');"
    "INSERT INTO meta VALUES ('rev', 5);"
    "INSERT INTO learners VALUES ('0a0a0a0a-0000-4000-8000-000000000001', 'Lama',"
    "  'lama', 'kepala-desa', '33.02.01.2001', 'h', 1764313600000, 'old-a', 10,"
    "  1764400000000, 1);"
    "INSERT INTO events VALUES (1, '0a0a0a0a-0000-4000-8000-000000000001', NULL,"
    "  'learner_create', 'Lama', 'old-a', 10, 1764313600000, 1764400000000);"
    "INSERT INTO events VALUES (2, '0a0a0a0a-0000-4000-8000-000000000001', 'k',"
    "  'lesson_open', 'satu', 'old-a', 20, 1764313700000, 1764400100000);"
    "INSERT INTO events VALUES (3, '0a0a0a0a-0000-4000-8000-000000000001', 'k',"
    "  'lesson_complete', 'satu', 'old-b', 30, 1764500000000, 1764496400000);"
    "INSERT INTO events VALUES (4, '0a0a0a0a-0000-4000-8000-000000000001', 'k',"
    "  'attempt_start', 'a', 'old-b', 40, 1764500100000, 1764496500000);"
    "INSERT INTO events VALUES (5, '0a0a0a0a-0000-4000-8000-000000000001', 'k',"
    "  'attempt_finish', 'a score=100', 'old-b', 50, 1764500200000, 1764496600000);"
    "INSERT INTO lesson_progress VALUES ('0a0a0a0a-0000-4000-8000-000000000001', 'k',"
    "  'satu', 1764313700000, 1764500000000, 60, 1764500000000);"
    "INSERT INTO course_summary VALUES ('0a0a0a0a-0000-4000-8000-000000000001', 'k',"
    "  'completed', 1, 1, 100, 1, 1, 60, 1764313700000, 1764500200000, 1764500200000,"
    "  5);";

static void
test_migrate_from_1(void)
{
	const char *id = "0a0a0a0a-0000-4000-8000-000000000001";
	struct store *st = NULL;
	struct store_when w;
	struct found_summary f;
	struct found_learner fl;
	char path[128];
	sqlite3 *db = NULL;
	int rc;

	db_path(path, sizeof(path), "v1.db");
	rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, schema_1, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, data_1, NULL, NULL, NULL);
	sqlite3_close(db);
	CHECK_EQ_INT(rc, SQLITE_OK, "a migration-1 database with data is made");
	CHECK_EQ_INT(store_open(path, &st), PB_OK, "the migration-1 database opens");
	if (st == NULL)
		return;
	CHECK_EQ_INT(sql_int(path, "PRAGMA user_version"), 11, "it is migrated to schema 11");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM (SELECT course, count(*) AS n, "
	    "sum(status = 'completed') AS c FROM course_summary GROUP BY course) s "
	    "JOIN course_counts k USING (course) WHERE k.started = s.n AND k.completed = s.c"),
	    sql_int(path, "SELECT count(DISTINCT course) FROM course_summary"),
	    "schema 7: course_counts starts from the summaries of every course");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM learners WHERE name_norm IS NULL "
	    "OR name_key != name_norm || '|' || village || '|' || position"), 0,
	    "schema 3: each learner's name key moved to name_norm, name_key is name|village|position");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM course_summary WHERE "
	    "first_boot = 'old-a' AND last_boot = 'old-b' AND completed_boot = 'old-b'"), 1,
	    "the summary's times found their boots in the events");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'events_migrate_2'"), 0, "the index used to migrate is dropped");
	CHECK_EQ_STR(store_box_id(st), "0e0e0e0e-1111-4222-8333-444444444444",
	    "the box id is kept");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'events_boot'"), 1, "events are indexed by boot");
	CHECK_EQ_INT(store_clock_learn(st, "new-boot", 60000), PB_OK,
	    "a cheap refresh (max_age > 0) runs");
	CHECK_EQ_INT(clock_of(st, "old-a").src, STORE_CLOCK_NONE,
	    "and learns only the current boot");
	CHECK_EQ_INT(store_clock_learn(st, "new-boot", 0), PB_OK,
	    "offsets are learned from the old events");
	CHECK_EQ_INT(clock_of(st, "old-a").offset_ms, DAY_MS,
	    "old-a: the box was a day behind");
	CHECK_EQ_INT(clock_of(st, "old-b").offset_ms, -HOUR_MS, "old-b: an hour ahead");
	f = sync_summary(st, id, "k");
	CHECK(f.found && f.s.lessons_done == 1 && strcmp(f.s.status, "completed") == 0,
	    "the old summary is intact");
	CHECK_EQ_INT(f.t.first_activity.ms, 1764313700000 + 86400000,
	    "its first_activity (old-a) is moved by old-a's offset");
	CHECK_EQ_INT(f.t.completed_at.ms, 1764500200000 - HOUR_MS,
	    "its completed_at (old-b) is moved by old-b's offset");
	fl = sync_learner(st, id);
	CHECK_EQ_INT(fl.t.ms, 1764313600000 + 86400000,
	    "the learner's registered_at (old-a) is moved too");
	w = at("new-boot", 1764600000000, 0);
	CHECK_EQ_INT(store_lesson_open(st, id, "k", "dua", 2, &w), PB_OK,
	    "a new write works on the migrated database");
	CHECK_EQ_INT(sql_int(path, "SELECT count(*) FROM course_summary WHERE "
	    "first_boot = 'old-a' AND last_boot = 'new-boot' AND completed_boot = 'old-b'"),
	    1, "and records the boot of the time it sets");
	store_close(st);
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

/* Keys written by the old rule (the lower-case name) are brought to
 * names_key's at open; a learner whose new key another of the same village
 * and jabatan has keeps the old one. */
static void
test_rekey(void)
{
	struct store *st;
	struct store_learner got;
	struct store_when w = when(1000);
	char path[128], wulan[37], siti[37], sitidotless[37];
	int n = -1;

	db_path(path, sizeof(path), "rekey.db");
	if (store_open(path, &st) != PB_OK) {
		CHECK(0, "the rekey database opens");
		return;
	}
	/* learner_make keys by the old rule: "wu\xc5\x82" "an", "s\xc4\xb1ti" */
	CHECK(learner_make(st, "Wu\xc5\x82" "an", &w, wulan) == PB_OK &&
	    learner_make(st, "Siti", &w, siti) == PB_OK &&
	    learner_make(st, "S\xc4\xb1ti", &w, sitidotless) == PB_OK &&
	    learner_make(st, "Budi", &w, NULL) == PB_OK, "learners with old keys are made");
	CHECK_EQ_INT(store_learner_by_name(st, "wulan", &got, NULL, 0), PB_ERR_NOTFOUND,
	    "before: the old key does not find Wu\xc5\x82" "an by wulan");
	store_close(st);
	CHECK_EQ_INT(store_open(path, &st), PB_OK, "the store opens again (and rekeys)");
	if (st == NULL)
		return;
	CHECK(store_learner_by_name(st, "wulan", &got, NULL, 0) == PB_OK &&
	    strcmp(got.id, wulan) == 0, "after: wulan finds Wu\xc5\x82" "an");
	CHECK(store_learner_by_name(st, "siti", &got, NULL, 0) == PB_OK &&
	    strcmp(got.id, siti) == 0, "siti finds Siti");
	CHECK(store_learner_by_name(st, "s\xc4\xb1ti", &got, NULL, 0) == PB_OK &&
	    strcmp(got.id, sitidotless) == 0,
	    "S\xc4\xb1ti, whose new key Siti has (same village, jabatan), keeps the old key");
	CHECK(store_learner_rekey(st, &n) == PB_OK && n == 0, "a second pass changes nothing");
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
	test_rebaseline();
	test_group_commit();
	test_kill9();
	test_clock();
	test_clock_jumps();
	test_clock_ntp();
	test_migrate_from_1();
	test_rekey();
	fs_remove_tree(dir);
	return TAP_DONE();
}
