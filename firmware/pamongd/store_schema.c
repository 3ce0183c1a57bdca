/* store_schema.c — the box's tables as the store's engine opens them (their
 * migrations, and where its revs and learners are counted), and the event
 * log every change to learner data appends to (see store.h). */
#include "store_int.h"

/* Schema 7's triggers: a summary added to, or taken from, its course's
 * counts, and a learner's totals computed again from their summaries (a
 * few rows by the primary key). */
#define STORE__COURSE_ADD                                                      \
	"  INSERT INTO course_counts (course, started, completed)"             \
	"  VALUES (NEW.course, 1, NEW.status = 'completed') ON CONFLICT (course)" \
	"  DO UPDATE SET started = started + 1,"                               \
	"  completed = completed + (NEW.status = 'completed');"
#define STORE__COURSE_SUB                                                      \
	"  UPDATE course_counts SET started = started - 1,"                    \
	"  completed = completed - (OLD.status = 'completed')"                 \
	"  WHERE course = OLD.course;"
#define STORE__LEARNER_STATS(row)                                              \
	"  INSERT INTO learner_stats (learner, started, completed, last_activity," \
	"  lessons, seconds) SELECT " row ".learner, count(*),"                \
	"  coalesce(sum(status = 'completed'), 0), coalesce(max(last_activity), 0)," \
	"  coalesce(sum(lessons_done), 0), coalesce(sum(seconds_spent), 0)"    \
	"  FROM course_summary WHERE learner = " row ".learner"                \
	"  ON CONFLICT (learner) DO UPDATE SET started = excluded.started,"    \
	"  completed = excluded.completed, last_activity = excluded.last_activity," \
	"  lessons = excluded.lessons, seconds = excluded.seconds;"
#define STORE__COUNTS_TRIGGER(name, event, body)                               \
	"CREATE TRIGGER summary_counts_" #name " AFTER " event " ON course_summary" \
	STORE__WHEN_##name " BEGIN" body "END;"
/* which rows a trigger is for (schema 8) */
#define STORE__WHEN_insert ""
#define STORE__WHEN_delete ""
#define STORE__WHEN_update ""
#define STORE__WHEN_status                                                     \
	" WHEN OLD.status IS NOT NEW.status OR OLD.course IS NOT NEW.course"
#define STORE__WHEN_same_learner " WHEN OLD.learner = NEW.learner"
#define STORE__WHEN_other_learner " WHEN OLD.learner != NEW.learner"

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
	/* 3: the facilitator console (store_console.c): facilitators, their
	 * sessions (apart from learners') and the audit log. Learners: two
	 * officials of one name may register when their village or jabatan
	 * differ, so name_key becomes the identity "name|village|position"
	 * (still UNIQUE) and the plain name key moves to name_norm (login and
	 * the names picker); pin_reset marks a PIN a facilitator reset, to be
	 * replaced at the next login. */
	"CREATE TABLE facilitators ("
	"  id TEXT PRIMARY KEY,"
	"  username TEXT NOT NULL UNIQUE,"
	"  pw_hash TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  created_by TEXT"
	");"
	"CREATE TABLE console_sessions ("
	"  token_hash TEXT PRIMARY KEY,"
	"  facilitator TEXT NOT NULL REFERENCES facilitators(id) ON DELETE CASCADE,"
	"  csrf TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL"
	");"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  facilitator TEXT,"
	"  username TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  detail TEXT NOT NULL,"
	"  addr TEXT NOT NULL"
	");"
	"ALTER TABLE learners ADD COLUMN name_norm TEXT;"
	"ALTER TABLE learners ADD COLUMN pin_reset INTEGER NOT NULL DEFAULT 0;"
	"UPDATE learners SET name_norm = name_key,"
	"  name_key = name_key || '|' || village || '|' || position;"
	"CREATE INDEX learners_name_norm ON learners(name_norm);",
	/* 4: merging two accounts of one person (store_learner_admin.c): the
	 * merged learner stays (learners are never deleted) marked with the
	 * one it went into, and each merge is kept under its rev for sync to
	 * tell the hub. Indexes for the console's class views. */
	"ALTER TABLE learners ADD COLUMN merged_into TEXT;"
	"CREATE TABLE learner_merges ("
	"  from_id TEXT PRIMARY KEY,"
	"  into_id TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  rev INTEGER NOT NULL"
	");"
	"CREATE INDEX learner_merges_rev ON learner_merges(rev);"
	"CREATE INDEX course_summary_course ON course_summary(course, status);"
	"CREATE INDEX course_summary_last ON course_summary(last_activity);"
	"CREATE INDEX lesson_progress_done ON lesson_progress(completed_at) "
	"  WHERE completed_at IS NOT NULL;"
	"CREATE INDEX attempts_finished ON attempts(finished_at) "
	"  WHERE finished_at IS NOT NULL;",
	/* 5: the console's per-village figures read completed courses by
	 * status, and a village's learners by village */
	"CREATE INDEX course_summary_status ON course_summary(status, learner);"
	"CREATE INDEX learners_village ON learners(village);",
	/* 6: a learner's last activity in one seek (the console's sort by it) */
	"CREATE INDEX course_summary_learner_last ON course_summary(learner, last_activity);",
	/* 7: figures kept by triggers on the summaries, for the console's
	 * Today and learners table without a pass over every summary: each
	 * course's learners (started, completed) and each learner's totals
	 * (courses started and completed, last activity, lessons, seconds) */
	"CREATE TABLE course_counts ("
	"  course TEXT PRIMARY KEY,"
	"  started INTEGER NOT NULL,"
	"  completed INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"INSERT INTO course_counts (course, started, completed)"
	"  SELECT course, count(*), sum(status = 'completed') FROM course_summary"
	"  GROUP BY course;"
	"CREATE TABLE learner_stats ("
	"  learner TEXT PRIMARY KEY,"
	"  started INTEGER NOT NULL,"
	"  completed INTEGER NOT NULL,"
	"  last_activity INTEGER NOT NULL,"
	"  lessons INTEGER NOT NULL,"
	"  seconds INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"INSERT INTO learner_stats (learner, started, completed, last_activity, lessons, seconds)"
	"  SELECT learner, count(*), sum(status = 'completed'), max(last_activity),"
	"  sum(lessons_done), sum(seconds_spent) FROM course_summary GROUP BY learner;"
	"CREATE INDEX learner_stats_last ON learner_stats(last_activity);"
	STORE__COUNTS_TRIGGER(insert, "INSERT", STORE__COURSE_ADD STORE__LEARNER_STATS("NEW"))
	STORE__COUNTS_TRIGGER(delete, "DELETE", STORE__COURSE_SUB STORE__LEARNER_STATS("OLD"))
	STORE__COUNTS_TRIGGER(update, "UPDATE", STORE__COURSE_SUB STORE__COURSE_ADD
	    STORE__LEARNER_STATS("OLD") STORE__LEARNER_STATS("NEW")),
	/* 8: the same figures for less work on every summary write (the
	 * learner hot path): a learner's totals moved by the change instead of
	 * computed again, the course counts touched only when a status
	 * changes; computed again only when a summary changes learner or goes
	 * (merges), or its last activity goes back */
	"DROP TRIGGER summary_counts_update;"
	"DROP TRIGGER summary_counts_insert;"
	STORE__COUNTS_TRIGGER(insert, "INSERT", STORE__COURSE_ADD
	"  INSERT INTO learner_stats (learner, started, completed, last_activity, lessons,"
	"  seconds) VALUES (NEW.learner, 1, NEW.status = 'completed', NEW.last_activity,"
	"  NEW.lessons_done, NEW.seconds_spent) ON CONFLICT (learner) DO UPDATE SET"
	"  started = started + 1, completed = completed + excluded.completed,"
	"  last_activity = max(last_activity, excluded.last_activity),"
	"  lessons = lessons + excluded.lessons, seconds = seconds + excluded.seconds;")
	STORE__COUNTS_TRIGGER(status, "UPDATE OF course, status",
	    STORE__COURSE_SUB STORE__COURSE_ADD)
	STORE__COUNTS_TRIGGER(same_learner, "UPDATE",
	"  UPDATE learner_stats SET"
	"  completed = completed + (NEW.status = 'completed') - (OLD.status = 'completed'),"
	"  lessons = lessons + NEW.lessons_done - OLD.lessons_done,"
	"  seconds = seconds + NEW.seconds_spent - OLD.seconds_spent,"
	"  last_activity = CASE WHEN NEW.last_activity >= OLD.last_activity"
	"   THEN max(last_activity, NEW.last_activity)"
	"   ELSE (SELECT coalesce(max(last_activity), 0) FROM course_summary"
	"    WHERE learner = NEW.learner) END"
	"  WHERE learner = NEW.learner;")
	STORE__COUNTS_TRIGGER(other_learner, "UPDATE OF learner",
	    STORE__LEARNER_STATS("OLD") STORE__LEARNER_STATS("NEW")),
	/* 9: the running total of each visit of a lesson, so a resent /time
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
	/* 10: the box clock's jumps within a boot (store_clock.c): a boot is
	 * cut into epochs, each with one wall - CLOCK_BOOTTIME base; the rows'
	 * boot ids (events, learners, summaries) and boot_clock's are epoch
	 * ids. A boot's first epoch is the kernel's boot id, so rows written
	 * before this keep their meaning. */
	"CREATE TABLE clock_epochs ("
	"  id TEXT PRIMARY KEY,"          /* the boot id rows carry */
	"  boot TEXT NOT NULL,"           /* the kernel's boot id */
	"  base_ms INTEGER NOT NULL,"     /* wall - CLOCK_BOOTTIME ms at its start */
	"  mono_ms INTEGER NOT NULL,"     /* CLOCK_BOOTTIME ms at its start */
	"  jump_ms INTEGER NOT NULL,"     /* base - the previous epoch's (0: first) */
	"  source TEXT NOT NULL,"         /* what set the clock: boot, hub, phone, console, other */
	"  at_ms INTEGER NOT NULL"        /* wall ms (the new clock) when noticed */
	") WITHOUT ROWID;"
	"CREATE INDEX clock_epochs_boot ON clock_epochs(boot, mono_ms);",
	/* 11: a facilitator disabled by another (store_console.c): kept with
	 * their audit rows, unable to log in, until enabled again. The clock a
	 * facilitator's phone set from the console (api_console_box.c) is its
	 * own source, 'console', beside the hub's and the learners' phones'. */
	"ALTER TABLE facilitators ADD COLUMN disabled_at INTEGER;"
	"CREATE TABLE boot_clock_11 ("
	"  boot_id TEXT PRIMARY KEY,"
	"  offset_ms INTEGER NOT NULL,"
	"  source TEXT NOT NULL CHECK (source IN ('hub', 'phone', 'console')),"
	"  votes INTEGER NOT NULL,"
	"  settled INTEGER NOT NULL,"
	"  learned_at INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"INSERT INTO boot_clock_11 SELECT * FROM boot_clock;"
	"DROP TABLE boot_clock;"
	"ALTER TABLE boot_clock_11 RENAME TO boot_clock;",
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
