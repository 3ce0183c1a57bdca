/* db.c — see db.h. */
#include "db.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "totals.h"

#define HUBDB_MAX_CONN 64

struct hubdb {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	enum hdb_kind kind;
	int n;                                 /* connections in the pool */
	int nfree;                             /* how many are in free[] */
	struct hdb_conn *all[HUBDB_MAX_CONN];  /* every connection, for close */
	struct hdb_conn *free[HUBDB_MAX_CONN]; /* the idle ones */
	pthread_t folder;                      /* hubdb_fold_backlog's thread */
	int folding;                           /* it runs */
	volatile int stop;                     /* hubdb_close asks it to end */
};

const char *const hubdb_tables[] = { "boxes", "enroll_codes", "learners", "summaries",
	"uploads", "users", "sessions", "learner_merges", NULL };

/* Forward migrations: schema version i+1 is reached by running hubdb__mig[i].
 * Each is SQL that SQLite and PostgreSQL both run as written: BIGINT for
 * integers (SQLite gives it INTEGER affinity), TEXT, no SQLite-only types
 * or functions; "user" is quoted (a reserved word in PostgreSQL). */
static const char *const hubdb__mig[] = {
	"CREATE TABLE boxes("
	"  key TEXT PRIMARY KEY,"             /* Ed25519 public key, hex */
	"  box_id TEXT NOT NULL UNIQUE,"      /* the box's own UUID */
	"  name TEXT NOT NULL,"
	"  enrolled_at BIGINT NOT NULL,"
	"  acked_rev BIGINT NOT NULL DEFAULT 0,"
	"  last_seq BIGINT NOT NULL DEFAULT 0,"
	"  last_seen BIGINT, version TEXT, uptime_s BIGINT, disk_free BIGINT,"
	"  db_bytes BIGINT, pending BIGINT, clock TEXT);"
	"CREATE TABLE enroll_codes("
	"  hash TEXT PRIMARY KEY,"            /* SHA-256 of the normalised code */
	"  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
	"  used_at BIGINT, used_by TEXT);"
	"CREATE TABLE learners("
	"  box TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL,"
	"  position TEXT NOT NULL, village TEXT NOT NULL,"
	"  registered_at BIGINT NOT NULL, rev BIGINT NOT NULL,"
	"  PRIMARY KEY(box, id));"
	"CREATE INDEX learners_village ON learners(village);"
	"CREATE TABLE summaries("
	"  box TEXT NOT NULL, learner TEXT NOT NULL, course TEXT NOT NULL,"
	"  status TEXT NOT NULL, lessons_done BIGINT NOT NULL,"
	"  lessons_total BIGINT NOT NULL, best_score BIGINT,"
	"  passed BIGINT NOT NULL, attempts BIGINT NOT NULL,"
	"  seconds_spent BIGINT NOT NULL, first_activity BIGINT NOT NULL,"
	"  last_activity BIGINT NOT NULL, completed_at BIGINT NOT NULL,"
	"  times_corrected BIGINT NOT NULL, rev BIGINT NOT NULL,"
	"  PRIMARY KEY(box, learner, course));"
	"CREATE INDEX summaries_completed ON summaries(completed_at)"
	"  WHERE status = 'completed';"
	"CREATE TABLE uploads("
	"  box TEXT NOT NULL, at BIGINT NOT NULL, seq BIGINT NOT NULL,"
	"  from_rev BIGINT NOT NULL, to_rev BIGINT NOT NULL,"
	"  acked_rev BIGINT NOT NULL, learners BIGINT NOT NULL,"
	"  summaries BIGINT NOT NULL, bytes BIGINT NOT NULL);"
	"CREATE TABLE users("
	"  name TEXT PRIMARY KEY, hash TEXT NOT NULL, created_at BIGINT NOT NULL);"
	"CREATE TABLE sessions("
	"  token_hash TEXT PRIMARY KEY, \"user\" TEXT NOT NULL, csrf TEXT NOT NULL,"
	"  expires_at BIGINT NOT NULL);",
	/* 2: which clock vouches for each uploaded time (docs/SYNC.md, Clock):
	 * time_source is the row's JSON object as sent, NULL from older boxes */
	"ALTER TABLE learners ADD COLUMN times_corrected BIGINT NOT NULL DEFAULT 0;"
	"ALTER TABLE learners ADD COLUMN time_source TEXT;"
	"ALTER TABLE summaries ADD COLUMN time_source TEXT;",
	/* 3: staff roles and areas (docs/HUB.md, People and roles); the box's
	 * disk size and database state from its upload's health */
	"ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';"
	"ALTER TABLE users ADD COLUMN area TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE users ADD COLUMN disabled BIGINT NOT NULL DEFAULT 0;"
	"ALTER TABLE boxes ADD COLUMN disk_total BIGINT;"
	"ALTER TABLE boxes ADD COLUMN db_state TEXT;"
	/* the dashboard asks by province, regency and district (report.c) */
	"CREATE INDEX learners_p ON learners(substr(village, 1, 2));"
	"CREATE INDEX learners_r ON learners(substr(village, 1, 5));"
	"CREATE INDEX learners_d ON learners(substr(village, 1, 8));",
	/* 4: running totals for the dashboard (totals.h); the SQL differs by
	 * dialect (triggers), so it comes from totals_migration() (below) */
	NULL,
	/* 5: pages of learners and boxes in their order (report.c); the
	 * country's completions chart reads this index alone (it replaces
	 * summaries_completed) */
	"CREATE INDEX learners_order ON learners(village, name, id);"
	"CREATE INDEX boxes_name ON boxes(name, box_id);"
	"CREATE INDEX summaries_done ON summaries(completed_at, course, time_source)"
	"  WHERE status = 'completed';"
	"DROP INDEX summaries_completed;",
	/* 6: pre-test and post-test scores (docs/SYNC.md), NULL when none; the
	 * dashboard's average gain reads the rows that have both through this
	 * index alone (report.c) */
	"ALTER TABLE summaries ADD COLUMN pre_score BIGINT;"
	"ALTER TABLE summaries ADD COLUMN post_score BIGINT;"
	"CREATE INDEX summaries_gain ON summaries(box, learner, course, first_activity,"
	"  pre_score, post_score) WHERE pre_score IS NOT NULL AND post_score IS NOT NULL;",
	/* 7: the running totals through deltas (totals.h), the login rate
	 * limit shared by hub processes (staff.c), a box's database reason and
	 * lost writes (docs/SYNC.md); from hubdb__v7() */
	NULL,
	/* 8: completions per segment of a day and the learner list's rows,
	 * kept through deltas like the totals (totals.h,
	 * totals_buckets_migration); the region names for BI tools
	 * (hubdb_region_names) */
	NULL,
	/* 9: the merges boxes send (ingest.c), a table the upload made at
	 * the first merge any box sent until this version; SQLite's ingest
	 * appends the deltas of a chunk's sets, not of each row (totals.h,
	 * totals_ingest_sqlite), with the same triggers for other writers;
	 * PostgreSQL's upload folds without waiting (totals_fold_after); from
	 * hubdb__v9() */
	NULL,
};

/* Schema 9 (hubdb__mig): learner_merges; on PostgreSQL also the fold an
 * upload runs after its commit without waiting (totals_fold_after), and
 * schema 8's trigger functions made again (totals_buckets_functions_pg). */
static char *
hubdb__v9(enum hdb_kind kind)
{
	static const char merges[] = "CREATE TABLE IF NOT EXISTS learner_merges("
	    "box TEXT NOT NULL, from_id TEXT NOT NULL, into_id TEXT NOT NULL,"
	    " rev BIGINT NOT NULL, PRIMARY KEY(box, from_id));";
	char *fns = kind == HDB_PG ? totals_buckets_functions_pg() : NULL, *sql;
	const char *more = kind == HDB_PG ? totals_fold_try_pg : "";
	size_t n;

	if (kind == HDB_PG && fns == NULL)
		return NULL;
	n = sizeof(merges) + strlen(more) + (fns ? strlen(fns) : 0);
	if ((sql = malloc(n)) != NULL)
		snprintf(sql, n, "%s%s%s", merges, more, fns ? fns : "");
	free(fns);
	return sql;
}

/* Schema 7 without the totals' triggers (totals_delta_migration): the
 * reason a box's database is degraded and how many writes it lost, from
 * its upload's health; the login limiter's counts per client address
 * ("a:…") and user name ("n:…"), so that every hub process sharing the
 * database counts the same failures. */
static const char hubdb__v7_sql[] =
	"ALTER TABLE boxes ADD COLUMN db_reason TEXT;"
	"ALTER TABLE boxes ADD COLUMN db_lost_writes BIGINT;"
	"CREATE TABLE login_limits("
	"  key TEXT PRIMARY KEY, fails BIGINT NOT NULL,"
	"  until_ms BIGINT NOT NULL, last_ms BIGINT NOT NULL);"
	"CREATE INDEX login_limits_last ON login_limits(last_ms);";

static char *
hubdb__v7(enum hdb_kind kind)
{
	char *t = totals_delta_migration(kind), *sql;
	size_t n;

	if (t == NULL)
		return NULL;
	n = sizeof(hubdb__v7_sql) + strlen(t);
	if ((sql = malloc(n)) != NULL)
		snprintf(sql, n, "%s%s", hubdb__v7_sql, t);
	free(t);
	return sql;
}

/* Schema 8: the region names (for the bi views) and the kept buckets and
 * learner rows (totals_buckets_migration). */
static char *
hubdb__v8(enum hdb_kind kind)
{
	static const char names[] = "CREATE TABLE region_names(code TEXT PRIMARY KEY,"
	    " name TEXT NOT NULL);";
	char *t = totals_buckets_migration(kind), *sql;
	size_t n;

	if (t == NULL)
		return NULL;
	n = sizeof(names) + strlen(t);
	if ((sql = malloc(n)) != NULL)
		snprintf(sql, n, "%s%s", names, t);
	free(t);
	return sql;
}

/* The SQL of a migration that differs by dialect (NULL in hubdb__mig),
 * reaching schema version v; the caller frees it. */
static char *
hubdb__mig_make(int v, enum hdb_kind kind)
{
	switch (v) {
	case 4:
		return totals_migration(kind);
	case 7:
		return hubdb__v7(kind);
	case 8:
		return hubdb__v8(kind);
	case 9:
		return hubdb__v9(kind);
	default:
		return NULL;
	}
}

/* PostgreSQL only: read-only views for BI tools (docs/HUB.md, schema bi),
 * made again at every start. CREATE OR REPLACE keeps the grants an
 * operator gave; it can add columns at the end, never drop or rename one. */
static const char hubdb__bi_views[] =
	"CREATE SCHEMA IF NOT EXISTS bi;"
	"CREATE OR REPLACE VIEW bi.boxes AS SELECT box_id, name,"
	"  to_timestamp(enrolled_at / 1000.0) AS enrolled_at,"
	"  to_timestamp(last_seen / 1000.0) AS last_seen, version, uptime_s,"
	"  pending, disk_free, db_bytes, clock, acked_rev, disk_total, db_state, db_reason,"
	"  db_lost_writes FROM public.boxes;"
	"CREATE OR REPLACE VIEW bi.learners AS SELECT box AS box_id, id AS learner_id,"
	"  name, position, village AS village_code,"
	"  substr(village, 1, 2) AS province_code, substr(village, 1, 5) AS regency_code,"
	"  substr(village, 1, 8) AS district_code,"
	"  to_timestamp(registered_at / 1000.0) AS registered_at,"
	"  times_corrected <> 0 AS times_corrected, time_source,"
	"  (SELECT name FROM public.region_names WHERE code = substr(village, 1, 2))"
	"  AS province_name,"
	"  (SELECT name FROM public.region_names WHERE code = substr(village, 1, 5))"
	"  AS regency_name,"
	"  (SELECT name FROM public.region_names WHERE code = substr(village, 1, 8))"
	"  AS district_name,"
	"  (SELECT name FROM public.region_names WHERE code = village) AS village_name"
	"  FROM public.learners;"
	"CREATE OR REPLACE VIEW bi.course_progress AS SELECT s.box AS box_id,"
	"  s.learner AS learner_id, s.course, s.status, s.lessons_done, s.lessons_total,"
	"  s.best_score, s.passed <> 0 AS passed, s.attempts, s.seconds_spent,"
	"  to_timestamp(nullif(s.first_activity, 0) / 1000.0) AS first_activity,"
	"  to_timestamp(nullif(s.last_activity, 0) / 1000.0) AS last_activity,"
	"  to_timestamp(nullif(s.completed_at, 0) / 1000.0) AS completed_at,"
	"  s.times_corrected <> 0 AS times_corrected, s.time_source,"
	"  l.village AS village_code, substr(l.village, 1, 2) AS province_code,"
	"  substr(l.village, 1, 5) AS regency_code, substr(l.village, 1, 8) AS district_code,"
	"  s.pre_score, s.post_score,"
	"  (SELECT name FROM public.region_names WHERE code = substr(l.village, 1, 2))"
	"  AS province_name,"
	"  (SELECT name FROM public.region_names WHERE code = substr(l.village, 1, 5))"
	"  AS regency_name,"
	"  (SELECT name FROM public.region_names WHERE code = substr(l.village, 1, 8))"
	"  AS district_name,"
	"  (SELECT name FROM public.region_names WHERE code = l.village) AS village_name"
	"  FROM public.summaries s JOIN public.learners l"
	"  ON l.box = s.box AND l.id = s.learner;"
	"CREATE OR REPLACE VIEW bi.regions AS SELECT code,"
	"  CASE length(code) WHEN 2 THEN 'province' WHEN 5 THEN 'regency'"
	"  WHEN 8 THEN 'district' ELSE 'village' END AS level, name,"
	"  substr(code, 1, 2) AS province_code,"
	"  CASE WHEN length(code) >= 5 THEN substr(code, 1, 5) END AS regency_code,"
	"  CASE WHEN length(code) >= 8 THEN substr(code, 1, 8) END AS district_code"
	"  FROM public.region_names WHERE code <> '';"
	"CREATE OR REPLACE VIEW bi.uploads AS SELECT box AS box_id,"
	"  to_timestamp(at / 1000.0) AS at, seq, from_rev, to_rev, acked_rev, learners,"
	"  summaries, bytes FROM public.uploads;";

/* Bring the schema to the newest version under the migration lock, each
 * step in its own transaction; a database newer than this program is left
 * alone (PB_ERR_STATE). */
static pb_err
hubdb__migrate(struct hdb_conn *c)
{
	int n = (int)PB_ARRAY_LEN(hubdb__mig), version = 0;
	pb_err rc;

	if ((rc = hdb_lock_schema(c)) != PB_OK)
		return rc;
	if ((rc = hdb_schema_version(c, &version)) != PB_OK)
		goto out;
	if (version > n) {
		log_warnx("%s has schema version %d but this program knows only up to %d;"
		    " refusing to open it (use a newer pamong-hub)", hdb_name(c), version, n);
		rc = PB_ERR_STATE;
		goto out;
	}
	for (; version < n; version++) {
		char *sql = hubdb__mig[version] != NULL ? NULL :
		    hubdb__mig_make(version + 1, hdb_kind(c));

		if (hubdb__mig[version] == NULL && sql == NULL) {
			rc = PB_ERR_NOMEM;
			goto out;
		}
		rc = hdb_begin(c);
		if (rc == PB_OK)
			rc = hdb_exec(c, sql != NULL ? sql : hubdb__mig[version]);
		free(sql);
		if (rc != PB_OK ||
		    (rc = hdb_set_schema_version(c, version + 1)) != PB_OK ||
		    (rc = hdb_commit(c)) != PB_OK) {
			log_warnx("%s: migration %d failed", hdb_name(c), version + 1);
			hdb_rollback(c);
			goto out;
		}
		log_info("%s: migrated to schema version %d", hdb_name(c), version + 1);
	}
	if (hdb_kind(c) == HDB_PG && (rc = hdb_exec(c, hubdb__bi_views)) != PB_OK)
		log_warnx("%s: the bi views could not be made", hdb_name(c));
out:
	hdb_unlock_schema(c);
	return rc;
}

static pb_err
hubdb__open(const char *url, int nconn, int serving, struct hubdb **out)
{
	struct hubdb *db;
	pb_err rc;
	int i;

	if (nconn < 1)
		nconn = 1;
	if (nconn > HUBDB_MAX_CONN)
		nconn = HUBDB_MAX_CONN;
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return PB_ERR_NOMEM;
	pthread_mutex_init(&db->mu, NULL);
	pthread_cond_init(&db->cv, NULL);
	for (i = 0; i < nconn; i++) {
		if ((rc = hdb_connect(url, &db->all[i])) != PB_OK)
			goto out;
		db->n++;
		db->kind = hdb_kind(db->all[i]);
		if (i == 0 && (rc = hubdb__migrate(db->all[0])) != PB_OK)
			goto out;
		/* deltas a stopped hub or a bulk load left (totals.h): the
		 * staff commands fold them at once; the serving hub in the
		 * background (hubdb_fold_backlog) */
		if (i == 0 && !serving && (rc = totals_fold(db->all[0])) != PB_OK) {
			log_warnx("%s: the running totals could not be brought up to date",
			    hdb_name(db->all[0]));
			goto out;
		}
		db->free[db->nfree++] = db->all[i];
	}
	*out = db;
	return PB_OK;
out:
	hubdb_close(db);
	return rc;
}

pb_err
hubdb_open(const char *url, int nconn, struct hubdb **out)
{
	return hubdb__open(url, nconn, 0, out);
}

pb_err
hubdb_open_serving(const char *url, int nconn, struct hubdb **out)
{
	return hubdb__open(url, nconn, 1, out);
}

#define HUBDB_FOLD_BATCH 20000 /* delta rows per table and transaction */

/* The backlog's fold, batch by batch, each a short write transaction
 * that uploads and the dashboard take turns with. */
static void *
hubdb__folder(void *arg)
{
	struct hubdb *db = arg;
	long long folded, total = 0;
	int more = 1, batches = 0;

	while (more && !db->stop) {
		struct hdb_conn *c = hubdb_get(db);
		pb_err rc = totals_fold_batch(c, HUBDB_FOLD_BATCH, &folded, &more);

		if (rc != PB_OK)
			log_warnx("%s: running totals: the backlog's fold stopped (%s); the"
			    " dashboard and uploads fold what is left", hdb_name(c), hdb_errmsg(c));
		hubdb_put(db, c);
		if (rc != PB_OK)
			break;
		if (folded > 0) {
			total += folded;
			batches++;
		}
	}
	if (batches > 0)
		log_info("running totals: backlog folded, %lld delta rows in %d batches",
		    total, batches);
	return NULL;
}

void
hubdb_fold_backlog(struct hubdb *db)
{
	if (db->folding)
		return;
	if (pthread_create(&db->folder, NULL, hubdb__folder, db) == 0)
		db->folding = 1;
	else
		log_warnx("running totals: no thread for the backlog; the dashboard folds it");
}

void
hubdb_close(struct hubdb *db)
{
	int i;

	if (db == NULL)
		return;
	if (db->folding) {
		db->stop = 1;
		pthread_join(db->folder, NULL);
	}
	for (i = 0; i < db->n; i++)
		hdb_disconnect(db->all[i]);
	pthread_mutex_destroy(&db->mu);
	pthread_cond_destroy(&db->cv);
	free(db);
}

enum hdb_kind
hubdb_kind(const struct hubdb *db)
{
	return db->kind;
}

struct hdb_conn *
hubdb_get(struct hubdb *db)
{
	struct hdb_conn *c;

	pthread_mutex_lock(&db->mu);
	while (db->nfree == 0)
		pthread_cond_wait(&db->cv, &db->mu);
	c = db->free[--db->nfree];
	pthread_mutex_unlock(&db->mu);
	(void)hdb_check(c); /* a failure shows in the statements that follow */
	return c;
}

void
hubdb_put(struct hubdb *db, struct hdb_conn *c)
{
	hdb_rollback(c);
	pthread_mutex_lock(&db->mu);
	db->free[db->nfree++] = c;
	pthread_cond_signal(&db->cv);
	pthread_mutex_unlock(&db->mu);
}

int
hubdb_healthy(struct hubdb *db)
{
	struct hdb_conn *c = hubdb_get(db);
	struct hdb_stmt *s = hdb_prepare(c, "SELECT count(*) FROM boxes");
	int ok = s != NULL && hdb_step(s) == HDB_ROW;

	hdb_finalize(s);
	hubdb_put(db, c);
	return ok;
}

/* ---- region names (schema 8) --------------------------------------------- */

struct rn_list {
	const char **code, **name;
	size_t n, cap;
	uint64_t hash;  /* FNV-1a over every "code\tname\n" */
	int oom;
};

static void
rn__hash(uint64_t *h, const char *s, char end)
{
	for (; *s; s++)
		*h = (*h ^ (unsigned char)*s) * 1099511628211ULL;
	*h = (*h ^ (unsigned char)end) * 1099511628211ULL;
}

static void
rn__add(const char *code, const char *name, void *arg)
{
	struct rn_list *l = arg;

	if (l->oom)
		return;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 4096;
		const char **nc = realloc(l->code, ncap * sizeof(*nc));
		const char **nn = nc ? realloc(l->name, ncap * sizeof(*nn)) : NULL;

		if (nc != NULL)
			l->code = nc;
		if (nn == NULL) {
			l->oom = 1;
			return;
		}
		l->name = nn;
		l->cap = ncap;
	}
	l->code[l->n] = code;
	l->name[l->n++] = name;
	rn__hash(&l->hash, code, '\t');
	rn__hash(&l->hash, name, '\n');
}

#define RN_BATCH 500

/* An INSERT of n (code, name) rows. */
static struct hdb_stmt *
rn__insert(struct hdb_conn *c, size_t n)
{
	static const char head[] = "INSERT INTO region_names(code, name) VALUES ";
	char *sql = malloc(sizeof(head) + n * 7);
	struct hdb_stmt *s;
	size_t i, o;

	if (sql == NULL)
		return NULL;
	o = (size_t)snprintf(sql, sizeof(head), "%s", head);
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(sql + o, 8, "%s(?,?)", i ? "," : "");
	s = hdb_prepare(c, sql);
	free(sql);
	return s;
}

pb_err
hubdb_region_names(struct hubdb *db, const struct region *r)
{
	static const size_t lens[] = { 2, 5, 8, 13 };
	struct rn_list l = { NULL, NULL, 0, 0, 14695981039346656037ULL, 0 };
	struct hdb_conn *c;
	struct hdb_stmt *s = NULL;
	char fp[24];
	size_t i, k;
	pb_err rc = PB_ERR_DB;
	int same = 0;

	if (db->kind != HDB_PG)
		return PB_OK; /* for the bi views, which only PostgreSQL has */
	for (i = 0; i < PB_ARRAY_LEN(lens); i++)
		region_each(r, "", lens[i], rn__add, &l);
	if (l.oom) {
		free(l.code);
		free(l.name);
		return PB_ERR_NOMEM;
	}
	snprintf(fp, sizeof(fp), "%016llx", (unsigned long long)l.hash);
	c = hubdb_get(db);
	if (hdb_lock_schema(c) != PB_OK)
		goto out_put;
	/* the row '' holds the fingerprint of the list loaded last */
	if ((s = hdb_prepare(c, "SELECT name FROM region_names WHERE code = ''")) == NULL)
		goto out;
	if (hdb_step(s) == HDB_ROW && hdb_column_text(s, 0) != NULL &&
	    strcmp(hdb_column_text(s, 0), fp) == 0)
		same = 1;
	hdb_finalize(s);
	s = NULL;
	rc = PB_OK;
	if (same)
		goto out;
	rc = PB_ERR_DB;
	if (hdb_begin(c) != PB_OK || hdb_exec(c, "DELETE FROM region_names") != PB_OK)
		goto out;
	for (i = 0; i < l.n; i += k) {
		k = l.n - i < RN_BATCH ? l.n - i : RN_BATCH;
		if (s == NULL || k < RN_BATCH) {
			hdb_finalize(s);
			if ((s = rn__insert(c, k)) == NULL)
				goto out;
		} else {
			hdb_reset(s);
		}
		for (size_t j = 0; j < k; j++) {
			hdb_bind_text(s, (int)(2 * j + 1), l.code[i + j]);
			hdb_bind_text(s, (int)(2 * j + 2), l.name[i + j]);
		}
		if (hdb_step(s) != HDB_DONE)
			goto out;
	}
	hdb_finalize(s);
	if ((s = hdb_prepare(c, "INSERT INTO region_names(code, name) VALUES ('', ?)")) == NULL)
		goto out;
	hdb_bind_text(s, 1, fp);
	if (hdb_step(s) != HDB_DONE || hdb_commit(c) != PB_OK)
		goto out;
	log_info("%s: %zu region names stored for BI tools", hdb_name(c), l.n);
	rc = PB_OK;
out:
	hdb_finalize(s);
	if (rc != PB_OK) {
		log_warnx("%s: region names not stored: %s", hdb_name(c), hdb_errmsg(c));
		hdb_rollback(c);
	}
	hdb_unlock_schema(c);
out_put:
	hubdb_put(db, c);
	free(l.code);
	free(l.name);
	return rc;
}
