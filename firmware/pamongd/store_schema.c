/* store_schema.c — the box's tables as the store's engine opens them (their
 * migrations, and where its revs and learners are counted), and the event
 * log every change to learner data appends to (see store.h). */
#include "store_int.h"

/* Forward migrations: entry i takes user_version i to i + 1. Never edit a
 * released entry; append a new one. */
static const char *const store__migrations[] = {
	/* 1: the initial schema */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE learners ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  name_key TEXT NOT NULL UNIQUE,"
	"  position TEXT NOT NULL,"
	"  village TEXT NOT NULL,"
	"  pin_hash TEXT NOT NULL,"
	"  registered_at INTEGER NOT NULL,"
	"  boot_id TEXT NOT NULL,"
	"  mono_ms INTEGER NOT NULL,"
	"  client_ms INTEGER NOT NULL,"
	"  rev INTEGER NOT NULL"
	");"
	"CREATE INDEX learners_rev ON learners(rev);"
	"CREATE TABLE sessions ("
	"  token_hash TEXT PRIMARY KEY,"
	"  learner TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL"
	");"
	"CREATE INDEX sessions_learner ON sessions(learner);"
	"CREATE TABLE lesson_progress ("
	"  learner TEXT NOT NULL REFERENCES learners(id),"
	"  course TEXT NOT NULL,"
	"  lesson TEXT NOT NULL,"
	"  opened_at INTEGER NOT NULL,"
	"  completed_at INTEGER,"
	"  seconds_spent INTEGER NOT NULL DEFAULT 0,"
	"  last_activity INTEGER NOT NULL,"
	"  PRIMARY KEY (learner, course, lesson)"
	");"
	"CREATE TABLE attempts ("
	"  id TEXT PRIMARY KEY,"
	"  learner TEXT NOT NULL REFERENCES learners(id),"
	"  course TEXT NOT NULL,"
	"  started_at INTEGER NOT NULL,"
	"  finished_at INTEGER,"
	"  score INTEGER,"
	"  correct INTEGER,"
	"  total INTEGER,"
	"  passed INTEGER"
	");"
	"CREATE INDEX attempts_learner ON attempts(learner, course);"
	"CREATE TABLE attempt_answers ("
	"  attempt TEXT NOT NULL REFERENCES attempts(id),"
	"  question TEXT NOT NULL,"
	"  choices TEXT NOT NULL,"
	"  correct INTEGER NOT NULL,"
	"  answered_at INTEGER NOT NULL,"
	"  PRIMARY KEY (attempt, question)"
	");"
	"CREATE TABLE course_summary ("
	"  learner TEXT NOT NULL REFERENCES learners(id),"
	"  course TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  lessons_done INTEGER NOT NULL DEFAULT 0,"
	"  lessons_total INTEGER NOT NULL DEFAULT 0,"
	"  best_score INTEGER NOT NULL DEFAULT -1,"
	"  passed INTEGER NOT NULL DEFAULT 0,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  seconds_spent INTEGER NOT NULL DEFAULT 0,"
	"  first_activity INTEGER NOT NULL DEFAULT 0,"
	"  last_activity INTEGER NOT NULL DEFAULT 0,"
	"  completed_at INTEGER NOT NULL DEFAULT 0,"
	"  rev INTEGER NOT NULL,"
	"  PRIMARY KEY (learner, course)"
	");"
	"CREATE INDEX course_summary_rev ON course_summary(rev);"
	"CREATE TABLE events ("
	"  rev INTEGER PRIMARY KEY,"
	"  learner TEXT,"
	"  course TEXT,"
	"  kind TEXT NOT NULL,"
	"  detail TEXT,"
	"  boot_id TEXT NOT NULL,"
	"  mono_ms INTEGER NOT NULL,"
	"  wall_ms INTEGER NOT NULL,"
	"  client_ms INTEGER NOT NULL"
	");",
	/* 2: per-boot clock offsets, and the boot of each summary time. Rows
	 * written before this find their boots in the events table: the event
	 * that set a time carries the same wall ms (ties: the first event for
	 * first_activity and completed_at, the last for last_activity). A time
	 * without such an event keeps a NULL boot and is sent uncorrected. */
	"CREATE TABLE boot_clock ("
	"  boot_id TEXT PRIMARY KEY,"
	"  offset_ms INTEGER NOT NULL,"  /* real time - box wall clock */
	"  source TEXT NOT NULL CHECK (source IN ('hub', 'phone')),"
	"  votes INTEGER NOT NULL,"      /* phones that agreed; 1 for the hub */
	"  settled INTEGER NOT NULL,"    /* learned after the boot ended: final */
	"  learned_at INTEGER NOT NULL"  /* box wall ms */
	") WITHOUT ROWID;"
	"ALTER TABLE course_summary ADD COLUMN first_boot TEXT;"
	"ALTER TABLE course_summary ADD COLUMN last_boot TEXT;"
	"ALTER TABLE course_summary ADD COLUMN completed_boot TEXT;"
	"CREATE INDEX events_migrate_2 ON events(learner, course, wall_ms);"
	"UPDATE course_summary SET"
	"  first_boot = (SELECT e.boot_id FROM events e WHERE"
	"    e.learner = course_summary.learner AND e.course = course_summary.course"
	"    AND e.wall_ms = course_summary.first_activity ORDER BY e.rev LIMIT 1),"
	"  last_boot = (SELECT e.boot_id FROM events e WHERE"
	"    e.learner = course_summary.learner AND e.course = course_summary.course"
	"    AND e.wall_ms = course_summary.last_activity ORDER BY e.rev DESC LIMIT 1),"
	"  completed_boot = (SELECT e.boot_id FROM events e WHERE"
	"    e.learner = course_summary.learner AND e.course = course_summary.course"
	"    AND course_summary.completed_at != 0"
	"    AND e.wall_ms = course_summary.completed_at ORDER BY e.rev LIMIT 1);"
	"DROP INDEX events_migrate_2;"
	/* the current boot's phones are learned often (health): by this index */
	"CREATE INDEX events_boot ON events(boot_id);",
	/* 3: the running total of each visit of a lesson, so a resent /time
	 * or /complete (its reply lost) adds nothing twice */
	"CREATE TABLE lesson_visits ("
	"  learner TEXT NOT NULL REFERENCES learners(id),"
	"  visit TEXT NOT NULL,"          /* a UUID the phone made for the visit */
	"  course TEXT NOT NULL,"
	"  lesson TEXT NOT NULL,"
	"  seconds INTEGER NOT NULL,"     /* the highest total counted */
	"  PRIMARY KEY (learner, visit)"
	") WITHOUT ROWID;"
	/* and the pre-test: an attempt's kind, the course's pre-test score */
	"ALTER TABLE attempts ADD COLUMN kind TEXT NOT NULL DEFAULT 'quiz' "
	"  CHECK (kind IN ('quiz', 'pre'));"
	"ALTER TABLE course_summary ADD COLUMN pre_score INTEGER NOT NULL DEFAULT -1;",
};

/* The highest rev any table holds: the engine never gives out a rev below
 * it, whatever meta says. */
static const char store__max_rev_sql[] =
    "SELECT max(max(coalesce((SELECT max(rev) FROM "
    "events), 0), coalesce((SELECT max(rev) FROM learners), 0)), "
    "coalesce((SELECT max(rev) FROM course_summary), 0))";

static const char store__learners_sql[] = "SELECT count(*) FROM learners";

/* Rows never deleted: fewer at open than recorded means a damaged file. */
static const struct store__count store__counts[] = {
	{ "learners", store__learners_sql },
	{ "events", "SELECT count(*) FROM events" },
};

const struct store__schema store__box_schema = {
	store__migrations,
	(int)PB_ARRAY_LEN(store__migrations),
	store__max_rev_sql,
	store__learners_sql,
	store__counts,
	(int)PB_ARRAY_LEN(store__counts),
};

/* ---- the event log ---- */

static const char sql_event[] =
    "INSERT INTO events (rev, learner, course, kind, detail, boot_id, mono_ms, "
    "wall_ms, client_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* Take the next rev and log the change under it. */
pb_err
store__event(struct store *st, const char *learner, const char *course,
    const char *kind, const char *detail, const struct store_when *w, int64_t *rev)
{
	sqlite3_stmt *stmt;
	pb_err err;

	if ((stmt = store__prep(st->w, sql_event)) == NULL)
		return PB_ERR_DB;
	*rev = ++st->rev;
	err = sqlu_bind(stmt, "itttttiii", *rev, learner, course, kind, detail,
	    w->boot_id, w->mono_ms, w->wall_ms, w->client_ms);
	if (err == PB_OK)
		err = sqlu_step_done(stmt);
	sqlu_done(stmt);
	return err;
}
