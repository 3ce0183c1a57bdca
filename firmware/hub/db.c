/* db.c — see db.h. */
#include "db.h"

#include <pthread.h>
#include <stdlib.h>

#include "log.h"

#define HUBDB_MAX_CONN 64

struct hubdb {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int n;                          /* connections in the pool */
	int nfree;                      /* how many are in free[] */
	sqlite3 *all[HUBDB_MAX_CONN];   /* every connection, for close */
	sqlite3 *free[HUBDB_MAX_CONN];  /* the idle ones */
};

/* Forward migrations: schema version i+1 is reached by running hubdb__mig[i]. */
static const char *const hubdb__mig[] = {
	"CREATE TABLE boxes("
	"  key TEXT PRIMARY KEY,"             /* Ed25519 public key, hex */
	"  box_id TEXT NOT NULL UNIQUE,"      /* the box's own UUID */
	"  name TEXT NOT NULL,"
	"  enrolled_at INTEGER NOT NULL,"
	"  acked_rev INTEGER NOT NULL DEFAULT 0,"
	"  last_seq INTEGER NOT NULL DEFAULT 0,"
	"  last_seen INTEGER, version TEXT, uptime_s INTEGER, disk_free INTEGER,"
	"  db_bytes INTEGER, pending INTEGER, clock TEXT);"
	"CREATE TABLE enroll_codes("
	"  hash TEXT PRIMARY KEY,"            /* SHA-256 of the normalised code */
	"  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
	"  used_at INTEGER, used_by TEXT);"
	"CREATE TABLE learners("
	"  box TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL,"
	"  position TEXT NOT NULL, village TEXT NOT NULL,"
	"  registered_at INTEGER NOT NULL, rev INTEGER NOT NULL,"
	"  PRIMARY KEY(box, id));"
	"CREATE INDEX learners_village ON learners(village);"
	"CREATE TABLE summaries("
	"  box TEXT NOT NULL, learner TEXT NOT NULL, course TEXT NOT NULL,"
	"  status TEXT NOT NULL, lessons_done INTEGER NOT NULL,"
	"  lessons_total INTEGER NOT NULL, best_score INTEGER,"
	"  passed INTEGER NOT NULL, attempts INTEGER NOT NULL,"
	"  seconds_spent INTEGER NOT NULL, first_activity INTEGER NOT NULL,"
	"  last_activity INTEGER NOT NULL, completed_at INTEGER NOT NULL,"
	"  times_corrected INTEGER NOT NULL, rev INTEGER NOT NULL,"
	"  PRIMARY KEY(box, learner, course));"
	"CREATE INDEX summaries_completed ON summaries(completed_at)"
	"  WHERE status = 'completed';"
	"CREATE TABLE uploads("
	"  box TEXT NOT NULL, at INTEGER NOT NULL, seq INTEGER NOT NULL,"
	"  from_rev INTEGER NOT NULL, to_rev INTEGER NOT NULL,"
	"  acked_rev INTEGER NOT NULL, learners INTEGER NOT NULL,"
	"  summaries INTEGER NOT NULL, bytes INTEGER NOT NULL);"
	"CREATE TABLE users("
	"  name TEXT PRIMARY KEY, hash TEXT NOT NULL, created_at INTEGER NOT NULL);"
	"CREATE TABLE sessions("
	"  token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL,"
	"  expires_at INTEGER NOT NULL);",
	/* 2: which clock vouches for each uploaded time (docs/SYNC.md, Clock):
	 * time_source is the row's JSON object as sent, NULL from older boxes */
	"ALTER TABLE learners ADD COLUMN times_corrected INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE learners ADD COLUMN time_source TEXT;"
	"ALTER TABLE summaries ADD COLUMN time_source TEXT;",
	/* 3: staff roles and areas (docs/HUB.md, People and roles); the box's
	 * disk size and database state from its upload's health */
	"ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';"
	"ALTER TABLE users ADD COLUMN area TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE boxes ADD COLUMN disk_total INTEGER;"
	"ALTER TABLE boxes ADD COLUMN db_state TEXT;",
};

pb_err
hubdb_begin(sqlite3 *c)
{
	return sqlu_exec(c, "BEGIN IMMEDIATE");
}

pb_err
hubdb_commit(sqlite3 *c)
{
	return sqlu_exec(c, "COMMIT");
}

void
hubdb_rollback(sqlite3 *c)
{
	if (!sqlite3_get_autocommit(c))
		(void)sqlu_exec(c, "ROLLBACK");
}

static pb_err
hubdb__conn(const char *path, sqlite3 **out)
{
	sqlite3 *c = NULL;

	if (sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_warnx("%s: %s", path, c ? sqlite3_errmsg(c) : "cannot open");
		sqlite3_close(c);
		return PB_ERR_DB;
	}
	sqlite3_busy_timeout(c, 30000);
	if (sqlu_exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "PRAGMA foreign_keys=ON;") != PB_OK) {
		sqlite3_close(c);
		return PB_ERR_DB;
	}
	*out = c;
	return PB_OK;
}

pb_err
hubdb_open(const char *path, int nconn, struct hubdb **out)
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
		if ((rc = hubdb__conn(path, &db->all[i])) != PB_OK)
			goto out;
		db->n++;
		if (i == 0 && (rc = sqlu_migrate(db->all[0], path, hubdb__mig,
		    (int)PB_ARRAY_LEN(hubdb__mig))) != PB_OK)
			goto out;
		db->free[db->nfree++] = db->all[i];
	}
	*out = db;
	return PB_OK;
out:
	hubdb_close(db);
	return rc;
}

void
hubdb_close(struct hubdb *db)
{
	int i;

	if (db == NULL)
		return;
	for (i = 0; i < db->n; i++)
		sqlite3_close(db->all[i]);
	pthread_mutex_destroy(&db->mu);
	pthread_cond_destroy(&db->cv);
	free(db);
}

sqlite3 *
hubdb_get(struct hubdb *db)
{
	sqlite3 *c;

	pthread_mutex_lock(&db->mu);
	while (db->nfree == 0)
		pthread_cond_wait(&db->cv, &db->mu);
	c = db->free[--db->nfree];
	pthread_mutex_unlock(&db->mu);
	return c;
}

void
hubdb_put(struct hubdb *db, sqlite3 *c)
{
	hubdb_rollback(c);
	pthread_mutex_lock(&db->mu);
	db->free[db->nfree++] = c;
	pthread_cond_signal(&db->cv);
	pthread_mutex_unlock(&db->mu);
}

int
hubdb_healthy(struct hubdb *db)
{
	sqlite3 *c = hubdb_get(db);
	sqlite3_stmt *s = sqlu_prepare(c, "SELECT count(*) FROM boxes");
	int ok = s != NULL && sqlite3_step(s) == SQLITE_ROW;

	sqlite3_finalize(s);
	hubdb_put(db, c);
	return ok;
}
