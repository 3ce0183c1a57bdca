/* totals.c — see totals.h. The trigger bodies are the same SQL in both
 * dialects (SQLite: CREATE TRIGGER … BEGIN … END; PostgreSQL: a plpgsql
 * function per trigger); only the wrapping differs. */
#include "totals.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define TB_SET(t) \
	" started = " t ".started + excluded.started," \
	" in_progress = " t ".in_progress + excluded.in_progress," \
	" completed = " t ".completed + excluded.completed," \
	" passed = " t ".passed + excluded.passed," \
	" score_sum = " t ".score_sum + excluded.score_sum," \
	" score_n = " t ".score_n + excluded.score_n"

#define TB_LEVELS "(SELECT 2 AS n UNION ALL SELECT 5 UNION ALL SELECT 8) k"

struct tbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void tb_printf(struct tbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
tb_printf(struct tbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->p != NULL && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t ncap = (b->cap ? b->cap * 2 : 16384) + (size_t)n;
			char *np = realloc(b->p, ncap);

			if (np == NULL) {
				b->oom = 1;
				return;
			}
			b->p = np;
			b->cap = ncap;
		}
	}
}

/* What one summary row x adds to the counts without a date range (report.c,
 * rf_load with from 0 and no end), times sign. */
static void
tb_counts_as(struct tbuf *b, const char *x, const char *sign, int as)
{
	tb_printf(b,
	    " %s(CASE WHEN %s.status <> 'not_started' AND %s.first_activity >= 0 THEN 1 ELSE 0 END)%s,"
	    " %s(CASE WHEN %s.status = 'in_progress' AND %s.first_activity >= 0 THEN 1 ELSE 0 END)%s,"
	    " %s(CASE WHEN %s.status = 'completed' AND %s.completed_at >= 0 THEN 1 ELSE 0 END)%s,"
	    " %s(CASE WHEN %s.passed <> 0 AND %s.completed_at >= 0 THEN 1 ELSE 0 END)%s,"
	    " %s(CASE WHEN %s.best_score IS NOT NULL AND %s.status <> 'not_started'"
	    "   AND %s.first_activity >= 0 THEN %s.best_score ELSE 0 END)%s,"
	    " %s(CASE WHEN %s.best_score IS NOT NULL AND %s.status <> 'not_started'"
	    "   AND %s.first_activity >= 0 THEN 1 ELSE 0 END)%s",
	    sign, x, x, as ? " AS st" : "", sign, x, x, as ? " AS ip" : "", sign, x, x,
	    as ? " AS co" : "", sign, x, x, as ? " AS pa" : "", sign, x, x, x, x,
	    as ? " AS ss" : "", sign, x, x, x, as ? " AS sn" : "");
}

static void
tb_counts(struct tbuf *b, const char *x, const char *sign)
{
	tb_counts_as(b, x, sign, 0);
}

/* PostgreSQL, per statement: add the rows of subquery d (columns v, course,
 * st, ip, co, pa, ss, sn) to the village's and its areas' totals, summed,
 * in key order. */
static void
tb_add_set(struct tbuf *b, const char *d)
{
	tb_printf(b, "INSERT INTO village_totals(village, course, started, in_progress,"
	    " completed, passed, score_sum, score_n) SELECT d.v, d.course, sum(d.st),"
	    " sum(d.ip), sum(d.co), sum(d.pa), sum(d.ss), sum(d.sn) FROM (%s) d"
	    " GROUP BY 1, 2 ORDER BY 1, 2 ON CONFLICT(village, course) DO UPDATE SET"
	    TB_SET("village_totals") ";", d);
	tb_printf(b, "INSERT INTO unit_totals(lvl, unit, course, learners, started,"
	    " in_progress, completed, passed, score_sum, score_n)"
	    " SELECT k.n, substr(d.v, 1, k.n), d.course, 0, sum(d.st), sum(d.ip), sum(d.co),"
	    " sum(d.pa), sum(d.ss), sum(d.sn) FROM (%s) d CROSS JOIN " TB_LEVELS
	    " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 ON CONFLICT(lvl, unit, course) DO UPDATE SET"
	    TB_SET("unit_totals") ";", d);
}

/* PostgreSQL, per statement: add the learners of d (columns v, n). */
static void
tb_learners_set(struct tbuf *b, const char *d)
{
	tb_printf(b, "INSERT INTO village_learners(village, learners) SELECT d.v, sum(d.n)"
	    " FROM (%s) d GROUP BY 1 ORDER BY 1 ON CONFLICT(village) DO UPDATE SET"
	    " learners = village_learners.learners + excluded.learners;", d);
	tb_printf(b, "INSERT INTO unit_totals(lvl, unit, course, learners, started,"
	    " in_progress, completed, passed, score_sum, score_n)"
	    " SELECT k.n, substr(d.v, 1, k.n), '', sum(d.n), 0, 0, 0, 0, 0, 0 FROM (%s) d"
	    " CROSS JOIN " TB_LEVELS " GROUP BY 1, 2 ORDER BY 1, 2"
	    " ON CONFLICT(lvl, unit, course) DO UPDATE SET"
	    " learners = unit_totals.learners + excluded.learners;", d);
}

/* A subquery of counted rows: village v, x's course and counts × sign,
 * FROM from. */
static void
tb_src(struct tbuf *b, const char *v, const char *x, const char *sign, const char *from)
{
	tb_printf(b, "SELECT %s AS v, %s.course AS course,", v, x);
	tb_counts_as(b, x, sign, 1);
	tb_printf(b, " FROM %s", from);
}

/* The PostgreSQL triggers: per statement, over its transition tables (nt:
 * new rows, ot: old rows), so that a chunk's upsert updates each total
 * once, in key order. Transactions then lock the shared totals rows (an
 * area's) in one order — learners' counts, then course counts, each sorted —
 * and do not deadlock; but for learners whose progress came in an earlier
 * chunk (their INSERT or move adds course counts before the summaries'
 * statement does): a deadlock there fails that upload (503, the box sends
 * it again) and loses nothing. */
static void
tb_pg_triggers(struct tbuf *b)
{
	struct tbuf d = { NULL, 0, 0, 0 };
	static const char *const fn[] = { "learners_totals_ins", "learners_totals_upd",
		"summaries_totals_ins", "summaries_totals_upd" };
	int i;

	for (i = 0; i < 4; i++) {
		/* the transition tables have no statistics: walk them and look
		 * the rows up by key rather than hash a whole table */
		tb_printf(b, "CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql"
		    " SET enable_hashjoin = off SET enable_mergejoin = off AS $f$ BEGIN ", fn[i]);
		d.len = 0;
		switch (i) {
		case 0: /* learners arrive, with any progress sent before them */
			tb_learners_set(b, "SELECT village AS v, 1 AS n FROM nt");
			tb_src(&d, "n.village", "s", "", "nt n JOIN summaries s"
			    " ON s.box = n.box AND s.learner = n.id");
			break;
		case 1: /* learners move village, their progress with them */
			tb_learners_set(b, "SELECT o.village AS v, -1 AS n FROM ot o JOIN nt n"
			    " ON n.box = o.box AND n.id = o.id WHERE o.village IS DISTINCT FROM n.village"
			    " UNION ALL SELECT n.village, 1 FROM ot o JOIN nt n"
			    " ON n.box = o.box AND n.id = o.id WHERE o.village IS DISTINCT FROM n.village");
			tb_src(&d, "o.village", "s", "-", "ot o JOIN nt n ON n.box = o.box"
			    " AND n.id = o.id JOIN summaries s ON s.box = o.box AND s.learner = o.id"
			    " WHERE o.village IS DISTINCT FROM n.village");
			tb_printf(&d, " UNION ALL ");
			tb_src(&d, "n.village", "s", "", "ot o JOIN nt n ON n.box = o.box"
			    " AND n.id = o.id JOIN summaries s ON s.box = n.box AND s.learner = n.id"
			    " WHERE o.village IS DISTINCT FROM n.village");
			break;
		case 2: /* progress arrives */
			tb_src(&d, "l.village", "x", "", "nt x JOIN learners l"
			    " ON l.box = x.box AND l.id = x.learner");
			break;
		default: /* progress changes: the new rows less the old ones */
			tb_src(&d, "l.village", "x", "", "nt x JOIN learners l"
			    " ON l.box = x.box AND l.id = x.learner");
			tb_printf(&d, " UNION ALL ");
			tb_src(&d, "l.village", "x", "-", "ot x JOIN learners l"
			    " ON l.box = x.box AND l.id = x.learner");
		}
		if (d.oom) {
			b->oom = 1;
			break;
		}
		tb_add_set(b, d.p);
		tb_printf(b, " RETURN NULL; END $f$;");
		tb_printf(b, "CREATE TRIGGER %s AFTER %s ON %s REFERENCING %sNEW TABLE AS nt"
		    " FOR EACH STATEMENT EXECUTE FUNCTION %s();", fn[i], i % 2 ? "UPDATE" : "INSERT",
		    i < 2 ? "learners" : "summaries", i % 2 ? "OLD TABLE AS ot " : "", fn[i]);
	}
	free(d.p);
}


/* Add sign × the counts of summary rows x (FROM from WHERE where) to the
 * village v and its province, regency and district. */
static void
tb_add(struct tbuf *b, const char *v, const char *x, const char *sign, const char *from,
    const char *where)
{
	tb_printf(b, "INSERT INTO village_totals(village, course, started, in_progress,"
	    " completed, passed, score_sum, score_n) SELECT %s, %s.course,", v, x);
	tb_counts(b, x, sign);
	tb_printf(b, " FROM %s WHERE %s ON CONFLICT(village, course) DO UPDATE SET"
	    TB_SET("village_totals") ";", from, where);
	tb_printf(b, "INSERT INTO unit_totals(lvl, unit, course, learners, started,"
	    " in_progress, completed, passed, score_sum, score_n)"
	    " SELECT k.n, substr(%s, 1, k.n), %s.course, 0,", v, x);
	tb_counts(b, x, sign);
	tb_printf(b, " FROM %s CROSS JOIN " TB_LEVELS " WHERE %s"
	    " ON CONFLICT(lvl, unit, course) DO UPDATE SET" TB_SET("unit_totals") ";",
	    from, where);
}

/* Add n (1 or -1) learners to village v and its areas. */
static void
tb_learner(struct tbuf *b, const char *v, const char *n)
{
	tb_printf(b, "INSERT INTO village_learners(village, learners) VALUES (%s, %s)"
	    " ON CONFLICT(village) DO UPDATE SET"
	    " learners = village_learners.learners + excluded.learners;", v, n);
	tb_printf(b, "INSERT INTO unit_totals(lvl, unit, course, learners, started,"
	    " in_progress, completed, passed, score_sum, score_n)"
	    " SELECT k.n, substr(%s, 1, k.n), '', %s, 0, 0, 0, 0, 0, 0 FROM " TB_LEVELS
	    " WHERE k.n > 0 ON CONFLICT(lvl, unit, course) DO UPDATE SET"
	    " learners = unit_totals.learners + excluded.learners;", v, n);
}

/* Open a trigger on table after event (with an optional WHEN condition),
 * named name; tb_trigger_end closes it. */
static void
tb_trigger(struct tbuf *b, enum hdb_kind kind, const char *name, const char *event,
    const char *table, const char *when)
{
	if (kind == HDB_PG)
		tb_printf(b, "CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN ",
		    name);
	else
		tb_printf(b, "CREATE TRIGGER %s AFTER %s ON %s FOR EACH ROW%s%s%s BEGIN ",
		    name, event, table, when ? " WHEN (" : "", when ? when : "", when ? ")" : "");
}

static void
tb_trigger_end(struct tbuf *b, enum hdb_kind kind, const char *name, const char *event,
    const char *table, const char *when)
{
	if (kind == HDB_PG)
		tb_printf(b, " RETURN NULL; END $f$;"
		    "CREATE TRIGGER %s AFTER %s ON %s FOR EACH ROW%s%s%s EXECUTE FUNCTION %s();",
		    name, event, table, when ? " WHEN (" : "", when ? when : "", when ? ")" : "",
		    name);
	else
		tb_printf(b, " END;");
}

#define TB_SUMMARY_CHANGED "OLD.status IS DISTINCT FROM NEW.status" \
	" OR OLD.first_activity IS DISTINCT FROM NEW.first_activity" \
	" OR OLD.completed_at IS DISTINCT FROM NEW.completed_at" \
	" OR OLD.passed IS DISTINCT FROM NEW.passed" \
	" OR OLD.best_score IS DISTINCT FROM NEW.best_score"
#define TB_VILLAGE_CHANGED "OLD.village IS DISTINCT FROM NEW.village"

/* Fill the (empty) totals tables from the rows stored. */
static void
tb_rebuild(struct tbuf *b)
{
	/* the rows already stored */
	tb_printf(b, "INSERT INTO village_learners(village, learners)"
	    " SELECT village, count(*) FROM learners GROUP BY village;");
	tb_printf(b, "INSERT INTO unit_totals(lvl, unit, course, learners, started,"
	    " in_progress, completed, passed, score_sum, score_n)"
	    " SELECT k.n, substr(v.village, 1, k.n), '', sum(v.learners), 0, 0, 0, 0, 0, 0"
	    " FROM village_learners v CROSS JOIN " TB_LEVELS " GROUP BY 1, 2;");
	tb_printf(b, "INSERT INTO village_totals(village, course, started, in_progress,"
	    " completed, passed, score_sum, score_n) SELECT l.village, s.course,");
	tb_counts(b, "s", "sum");
	tb_printf(b, " FROM learners l JOIN summaries s ON s.box = l.box AND s.learner = l.id"
	    " GROUP BY 1, 2;");
	tb_printf(b, "INSERT INTO unit_totals(lvl, unit, course, learners, started,"
	    " in_progress, completed, passed, score_sum, score_n)"
	    " SELECT k.n, substr(v.village, 1, k.n), v.course, 0, sum(v.started),"
	    " sum(v.in_progress), sum(v.completed), sum(v.passed), sum(v.score_sum),"
	    " sum(v.score_n) FROM village_totals v CROSS JOIN " TB_LEVELS " GROUP BY 1, 2, 3"
	    " ON CONFLICT(lvl, unit, course) DO UPDATE SET" TB_SET("unit_totals") ";");
}

char *
totals_migration(enum hdb_kind kind)
{
	struct tbuf b = { NULL, 0, 0, 0 };
	/* PostgreSQL: byte order, so that a code prefix is a range of the key */
	const char *txt = kind == HDB_PG ? "TEXT COLLATE \"C\"" : "TEXT";

	tb_printf(&b, "CREATE TABLE village_learners(village %s PRIMARY KEY,"
	    " learners BIGINT NOT NULL);", txt);
	tb_printf(&b, "CREATE TABLE village_totals(village %s NOT NULL, course TEXT NOT NULL,"
	    " started BIGINT NOT NULL, in_progress BIGINT NOT NULL, completed BIGINT NOT NULL,"
	    " passed BIGINT NOT NULL, score_sum BIGINT NOT NULL, score_n BIGINT NOT NULL,"
	    " PRIMARY KEY(village, course));", txt);
	tb_printf(&b, "CREATE TABLE unit_totals(lvl BIGINT NOT NULL, unit %s NOT NULL,"
	    " course TEXT NOT NULL, learners BIGINT NOT NULL,"
	    " started BIGINT NOT NULL, in_progress BIGINT NOT NULL, completed BIGINT NOT NULL,"
	    " passed BIGINT NOT NULL, score_sum BIGINT NOT NULL, score_n BIGINT NOT NULL,"
	    " PRIMARY KEY(lvl, unit, course));", txt);
	tb_rebuild(&b);

	if (kind == HDB_PG) {
		tb_pg_triggers(&b);
		goto done;
	}
	/* a learner arrives: count it, and any progress that came before it */
	tb_trigger(&b, kind, "learners_totals_ins", "INSERT", "learners", NULL);
	tb_learner(&b, "NEW.village", "1");
	tb_add(&b, "NEW.village", "s", "", "summaries s",
	    "s.box = NEW.box AND s.learner = NEW.id");
	tb_trigger_end(&b, kind, "learners_totals_ins", "INSERT", "learners", NULL);
	/* a learner moves: its count and its progress move with it */
	tb_trigger(&b, kind, "learners_totals_upd", "UPDATE", "learners", TB_VILLAGE_CHANGED);
	tb_learner(&b, "OLD.village", "-1");
	tb_learner(&b, "NEW.village", "1");
	tb_add(&b, "OLD.village", "s", "-", "summaries s",
	    "s.box = OLD.box AND s.learner = OLD.id");
	tb_add(&b, "NEW.village", "s", "", "summaries s",
	    "s.box = NEW.box AND s.learner = NEW.id");
	tb_trigger_end(&b, kind, "learners_totals_upd", "UPDATE", "learners",
	    TB_VILLAGE_CHANGED);
	/* progress arrives or changes: add it, or the new row less the old one */
	tb_trigger(&b, kind, "summaries_totals_ins", "INSERT", "summaries", NULL);
	tb_add(&b, "l.village", "NEW", "", "learners l",
	    "l.box = NEW.box AND l.id = NEW.learner");
	tb_trigger_end(&b, kind, "summaries_totals_ins", "INSERT", "summaries", NULL);
	tb_trigger(&b, kind, "summaries_totals_upd", "UPDATE", "summaries", TB_SUMMARY_CHANGED);
	tb_add(&b, "l.village", "OLD", "-", "learners l",
	    "l.box = OLD.box AND l.id = OLD.learner");
	tb_add(&b, "l.village", "NEW", "", "learners l",
	    "l.box = NEW.box AND l.id = NEW.learner");
	tb_trigger_end(&b, kind, "summaries_totals_upd", "UPDATE", "summaries",
	    TB_SUMMARY_CHANGED);
done:
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* ---- schema 7: per-upload deltas, folded -------------------------------
 *
 * The triggers only append rows to totals_delta (village, course ''
 * for the learners, counts); no upload touches a shared totals row, so
 * uploads of one area no longer wait for each other's commit (and cannot
 * deadlock on them). totals_fold() adds the deltas to the totals and
 * deletes them in one transaction. */

/* pg_advisory_xact_lock key of the folder: "pamong" + 1 */
#define TD_FOLD_LOCK "112971124112"

#define TD_INSERT "INSERT INTO totals_delta(village, course, learners, started," \
	" in_progress, completed, passed, score_sum, score_n) "

/* A subquery of deltas (v, course, n, st, ip, co, pa, ss, sn) for summary
 * rows x at village v, times sign. */
static void
td_src(struct tbuf *b, const char *v, const char *x, const char *sign, const char *from,
    const char *where)
{
	tb_printf(b, "SELECT %s AS v, %s.course AS course, 0 AS n,", v, x);
	tb_counts_as(b, x, sign, 1);
	tb_printf(b, " FROM %s WHERE %s", from, where);
}

/* A subquery of learner deltas: n (1 or -1) at village v (FROM from when
 * given). */
static void
td_learner(struct tbuf *b, const char *v, const char *n, const char *from)
{
	tb_printf(b, "SELECT %s AS v, '' AS course, %s AS n, 0 AS st, 0 AS ip, 0 AS co,"
	    " 0 AS pa, 0 AS ss, 0 AS sn%s%s", v, n, from ? " FROM " : "", from ? from : "");
}

/* SQLite, per row: append the deltas of subquery d. */
static void
td_append(struct tbuf *b, const struct tbuf *d)
{
	tb_printf(b, TD_INSERT "%s;", d->p);
}

/* PostgreSQL, per statement: append the deltas of subquery d summed per
 * village and course (changes that cancel out leave nothing). */
static void
td_append_set(struct tbuf *b, const char *d)
{
	tb_printf(b, TD_INSERT "SELECT d.v, d.course, sum(d.n), sum(d.st), sum(d.ip),"
	    " sum(d.co), sum(d.pa), sum(d.ss), sum(d.sn) FROM (%s) d GROUP BY 1, 2"
	    " HAVING sum(d.n) <> 0 OR sum(d.st) <> 0 OR sum(d.ip) <> 0 OR sum(d.co) <> 0"
	    " OR sum(d.pa) <> 0 OR sum(d.ss) <> 0 OR sum(d.sn) <> 0;", d);
}

/* The six triggers' deltas, as a subquery (d) for trigger i: rows named
 * NEW/OLD on SQLite (per row), the transition tables nt/ot on PostgreSQL
 * (per statement). */
static const char *const td_name[] = { "learners_totals_ins", "learners_totals_upd",
	"learners_totals_del", "summaries_totals_ins", "summaries_totals_upd",
	"summaries_totals_del" };

/* The deltas of a set of learners (alias a) counted in (sign "") or out
 * (sign "-") whole: themselves and the progress stored for them. */
static void
td_learners_whole(struct tbuf *d, const char *set, const char *a, const char *sign)
{
	char f[512], v[16];

	snprintf(v, sizeof(v), "%s.village", a);
	snprintf(f, sizeof(f), "%s %s", set, a);
	td_learner(d, v, sign[0] ? "-1" : "1", f);
	tb_printf(d, " UNION ALL ");
	snprintf(f, sizeof(f), "%s %s JOIN summaries s ON s.box = %s.box AND s.learner = %s.id",
	    set, a, a, a);
	td_src(d, v, "s", sign, f, "true");
}

/* The statement-level deltas (PostgreSQL's triggers, SQLite's ingest) of
 * event i over the sets nt (new rows) and ot (old rows). */
static void
td_deltas_set(struct tbuf *d, int i, const char *nt, const char *ot)
{
	char f[512], g[512];

	switch (i) {
	case 0: /* learners arrive, with any progress sent before them */
		td_learners_whole(d, nt, "n", "");
		break;
	case 1: /* learners move village, their progress with them */
		snprintf(f, sizeof(f), "%s o JOIN %s n ON n.box = o.box AND n.id = o.id"
		    " WHERE o.village IS DISTINCT FROM n.village", ot, nt);
		td_learner(d, "o.village", "-1", f);
		tb_printf(d, " UNION ALL ");
		td_learner(d, "n.village", "1", f);
		tb_printf(d, " UNION ALL ");
		snprintf(g, sizeof(g), "%s o JOIN %s n ON n.box = o.box AND n.id = o.id"
		    " JOIN summaries s ON s.box = o.box AND s.learner = o.id", ot, nt);
		td_src(d, "o.village", "s", "-", g, "o.village IS DISTINCT FROM n.village");
		tb_printf(d, " UNION ALL ");
		td_src(d, "n.village", "s", "", g, "o.village IS DISTINCT FROM n.village");
		break;
	case 2: /* learners dropped (merged), with what progress is left of them */
		td_learners_whole(d, ot, "o", "-");
		break;
	case 3: /* progress arrives */
	case 4: /* progress changes: the new rows less the old ones */
	default: /* progress dropped (merged) */
		if (i != 5) {
			snprintf(f, sizeof(f), "%s x JOIN learners l ON l.box = x.box"
			    " AND l.id = x.learner", nt);
			td_src(d, "l.village", "x", "", f, "true");
		}
		if (i == 3)
			break;
		if (i == 4)
			tb_printf(d, " UNION ALL ");
		snprintf(f, sizeof(f), "%s x JOIN learners l ON l.box = x.box AND l.id = x.learner",
		    ot);
		td_src(d, "l.village", "x", "-", f, "true");
	}
}

static void
td_deltas(struct tbuf *d, enum hdb_kind kind, int i)
{
	if (kind == HDB_PG) {
		td_deltas_set(d, i, "nt", "ot");
		return;
	}
	switch (i) {
	case 0: /* learners arrive, with any progress sent before them */
		td_learner(d, "NEW.village", "1", NULL);
		tb_printf(d, " UNION ALL ");
		td_src(d, "NEW.village", "s", "", "summaries s",
		    "s.box = NEW.box AND s.learner = NEW.id");
		break;
	case 1: /* learners move village, their progress with them */
		td_learner(d, "OLD.village", "-1", NULL);
		tb_printf(d, " UNION ALL ");
		td_learner(d, "NEW.village", "1", NULL);
		tb_printf(d, " UNION ALL ");
		td_src(d, "OLD.village", "s", "-", "summaries s",
		    "s.box = OLD.box AND s.learner = OLD.id");
		tb_printf(d, " UNION ALL ");
		td_src(d, "NEW.village", "s", "", "summaries s",
		    "s.box = NEW.box AND s.learner = NEW.id");
		break;
	case 2: /* learners dropped (merged), with what progress is left of them */
		td_learner(d, "OLD.village", "-1", NULL);
		tb_printf(d, " UNION ALL ");
		td_src(d, "OLD.village", "s", "-", "summaries s",
		    "s.box = OLD.box AND s.learner = OLD.id");
		break;
	case 3: /* progress arrives */
		td_src(d, "l.village", "NEW", "", "learners l",
		    "l.box = NEW.box AND l.id = NEW.learner");
		break;
	case 4: /* progress changes: the new rows less the old ones */
		td_src(d, "l.village", "NEW", "", "learners l",
		    "l.box = NEW.box AND l.id = NEW.learner");
		tb_printf(d, " UNION ALL ");
		td_src(d, "l.village", "OLD", "-", "learners l",
		    "l.box = OLD.box AND l.id = OLD.learner");
		break;
	default: /* progress dropped (merged) */
		td_src(d, "l.village", "OLD", "-", "learners l",
		    "l.box = OLD.box AND l.id = OLD.learner");
	}
}

/* The fold in SQLite: the caller holds the write lock (BEGIN IMMEDIATE), so
 * nothing is appended between the sums and the DELETE. */
/* %1$s: where the deltas are read (the table, or a batch of it); %2$s: the
 * DELETE of what was read. */
static const char td_fold_sqlite[] =
	"INSERT INTO village_learners(village, learners) SELECT village, sum(learners)"
	" FROM %1$s WHERE course = '' GROUP BY village HAVING sum(learners) <> 0"
	" ON CONFLICT(village) DO UPDATE SET"
	" learners = village_learners.learners + excluded.learners;"
	"INSERT INTO village_totals(village, course, started, in_progress, completed, passed,"
	" score_sum, score_n) SELECT village, course, sum(started), sum(in_progress),"
	" sum(completed), sum(passed), sum(score_sum), sum(score_n) FROM %1$s"
	" WHERE course <> '' GROUP BY village, course"
	" ON CONFLICT(village, course) DO UPDATE SET" TB_SET("village_totals") ";"
	"INSERT INTO unit_totals(lvl, unit, course, learners, started, in_progress,"
	" completed, passed, score_sum, score_n) SELECT k.n, substr(d.village, 1, k.n),"
	" d.course, sum(d.learners), sum(d.started), sum(d.in_progress), sum(d.completed),"
	" sum(d.passed), sum(d.score_sum), sum(d.score_n) FROM %1$s d CROSS JOIN "
	TB_LEVELS " WHERE true GROUP BY 1, 2, 3"
	" ON CONFLICT(lvl, unit, course) DO UPDATE SET"
	" learners = unit_totals.learners + excluded.learners," TB_SET("unit_totals") ";"
	"%2$s";

/* The fold in PostgreSQL: a function (one round trip) that waits for any
 * other folder (an advisory lock held to its commit), then takes the
 * deltas committed so far and adds them in one statement (one snapshot:
 * what it deletes is what it adds; a delta committed meanwhile stays for
 * the next fold). Returns the totals rows it changed. */
#define TD_FOLD_PG_TOTALS \
	" WITH d AS (DELETE FROM totals_delta RETURNING village, course, learners, started," \
	"   in_progress, completed, passed, score_sum, score_n)," \
	" s AS (SELECT village AS v, course, sum(learners) AS nl, sum(started) AS st," \
	"   sum(in_progress) AS ip, sum(completed) AS co, sum(passed) AS pa," \
	"   sum(score_sum) AS ss, sum(score_n) AS sn FROM d GROUP BY 1, 2)," \
	" a AS (INSERT INTO village_learners(village, learners) SELECT v, nl FROM s" \
	"   WHERE course = '' AND nl <> 0 ORDER BY 1 ON CONFLICT(village) DO UPDATE SET" \
	"   learners = village_learners.learners + excluded.learners RETURNING 1)," \
	" b AS (INSERT INTO village_totals(village, course, started, in_progress, completed," \
	"   passed, score_sum, score_n) SELECT v, course, st, ip, co, pa, ss, sn FROM s" \
	"   WHERE course <> '' ORDER BY 1, 2 ON CONFLICT(village, course) DO UPDATE SET" \
	    TB_SET("village_totals") " RETURNING 1)," \
	" u AS (INSERT INTO unit_totals(lvl, unit, course, learners, started, in_progress," \
	"   completed, passed, score_sum, score_n) SELECT k.n, substr(s.v, 1, k.n), s.course," \
	"   sum(s.nl), sum(s.st), sum(s.ip), sum(s.co), sum(s.pa), sum(s.ss), sum(s.sn)" \
	"   FROM s CROSS JOIN " TB_LEVELS " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3" \
	"   ON CONFLICT(lvl, unit, course) DO UPDATE SET" \
	"   learners = unit_totals.learners + excluded.learners," TB_SET("unit_totals") \
	"   RETURNING 1)" \
	" SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b) + (SELECT count(*) FROM u)" \
	"   INTO folded;"

static const char td_fold_pg[] =
	"CREATE FUNCTION totals_fold() RETURNS bigint LANGUAGE plpgsql AS $f$"
	" DECLARE folded bigint; BEGIN"
	" IF NOT EXISTS (SELECT 1 FROM totals_delta) THEN RETURN 0; END IF;"
	" PERFORM pg_advisory_xact_lock(" TD_FOLD_LOCK ");"
	TD_FOLD_PG_TOTALS
	" RETURN folded; END $f$;";

char *
totals_delta_migration(enum hdb_kind kind)
{
	struct tbuf b = { NULL, 0, 0, 0 }, d = { NULL, 0, 0, 0 };
	static const char *const old[] = { "learners_totals_ins", "learners_totals_upd",
		"summaries_totals_ins", "summaries_totals_upd" };
	size_t i;

	tb_printf(&b, "CREATE TABLE totals_delta(village TEXT NOT NULL, course TEXT NOT NULL,"
	    " learners BIGINT NOT NULL, started BIGINT NOT NULL, in_progress BIGINT NOT NULL,"
	    " completed BIGINT NOT NULL, passed BIGINT NOT NULL, score_sum BIGINT NOT NULL,"
	    " score_n BIGINT NOT NULL);");
	for (i = 0; i < PB_ARRAY_LEN(old); i++) {
		if (kind == HDB_PG)
			tb_printf(&b, "DROP TRIGGER %s ON %s; DROP FUNCTION %s();", old[i],
			    i < 2 ? "learners" : "summaries", old[i]);
		else
			tb_printf(&b, "DROP TRIGGER %s;", old[i]);
	}
	for (i = 0; i < PB_ARRAY_LEN(td_name); i++) {
		static const char *const ev[] = { "INSERT", "UPDATE", "DELETE" };
		const char *table = i < 3 ? "learners" : "summaries";
		const char *when = i == 1 ? TB_VILLAGE_CHANGED : i == 4 ? TB_SUMMARY_CHANGED : NULL;

		d.len = 0;
		td_deltas(&d, kind, (int)i);
		if (d.oom)
			break;
		if (kind == HDB_PG) {
			/* the transition tables have no statistics: walk them and
			 * look the rows up by key rather than hash a whole table */
			tb_printf(&b, "CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql"
			    " SET enable_hashjoin = off SET enable_mergejoin = off AS $f$ BEGIN ",
			    td_name[i]);
			td_append_set(&b, d.p);
			tb_printf(&b, " RETURN NULL; END $f$;"
			    "CREATE TRIGGER %s AFTER %s ON %s REFERENCING %s%s FOR EACH STATEMENT"
			    " EXECUTE FUNCTION %s();", td_name[i], ev[i % 3], table,
			    i % 3 != 0 ? "OLD TABLE AS ot " : "",
			    i % 3 != 2 ? "NEW TABLE AS nt" : "", td_name[i]);
		} else {
			tb_printf(&b, "CREATE TRIGGER %s AFTER %s ON %s FOR EACH ROW%s%s%s BEGIN ",
			    td_name[i], ev[i % 3], table, when ? " WHEN (" : "", when ? when : "",
			    when ? ")" : "");
			td_append(&b, &d);
			tb_printf(&b, " END;");
		}
	}
	if (kind == HDB_PG)
		tb_printf(&b, "%s", td_fold_pg);
	/* rebuilt from the rows: totals before this version missed merged
	 * learners' rows (no trigger counted a DELETE) */
	tb_printf(&b, "DELETE FROM village_learners; DELETE FROM village_totals;"
	    " DELETE FROM unit_totals;");
	tb_rebuild(&b);
	free(d.p);
	if (b.oom || d.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* ---- schema 8: completion buckets and learner rows (totals.h) ------------ */

/* The UTC hour where the segment holding time t (ms) starts: segments start
 * at 15:00, 16:00 and 17:00 UTC, the midnights of WIT, WITA and WIB. */
#define TQ_SEG(t) "((" t ") / 3600000 - CASE WHEN (" t ") / 3600000 %% 24 IN (15, 16)" \
	" THEN 0 ELSE ((" t ") / 3600000 %% 24 + 7) %% 24 END)" /* in a format: %% */

/* What report_learners lists of a summary x without a date range. */
#define TQ_LISTED(x) "((" x ".last_activity >= 0 AND " x ".first_activity < 4611686018427387904)" \
	" OR (" x ".completed_at >= 0 AND " x ".completed_at < 4611686018427387904))"

/* A pair that counts in the average gain without a date range. */
#define TQ_GAIN(x) "(" x ".pre_score IS NOT NULL AND " x ".post_score IS NOT NULL" \
	" AND " x ".first_activity < 4611686018427387904)"

#define TQ_LEVELS "(SELECT 2 AS n UNION ALL SELECT 5 UNION ALL SELECT 8) k"

/* Add the rows of subquery q (columns village, course, n, gs, gn) per
 * province, regency and district to learner_rows<to>: to is "_delta" in
 * the triggers (appended, folded by totals_fold like totals_delta, so that
 * uploads share no row of these tables), "" when the empty table is filled
 * at the migration. Grouped (group: PostgreSQL's statements, the
 * migration), changes that cancel out leave nothing; SQLite's per-row
 * triggers append their few rows as they are, without a sort (the fold
 * sums them), leaving out those that count nothing. */
static void
tq_rows(struct tbuf *b, const char *to, int group, const char *q)
{
	if (group)
		tb_printf(b, "INSERT INTO learner_rows%s(lvl, unit, course, n, gain_sum, gain_n)"
		    " SELECT k.n, substr(q.village, 1, k.n), q.course, sum(q.n), sum(q.gs),"
		    " sum(q.gn) FROM (%s) q CROSS JOIN " TQ_LEVELS " GROUP BY 1, 2, 3"
		    " HAVING sum(q.n) <> 0 OR sum(q.gs) <> 0 OR sum(q.gn) <> 0;", to, q);
	else
		tb_printf(b, "INSERT INTO learner_rows%s(lvl, unit, course, n, gain_sum, gain_n)"
		    " SELECT k.n, substr(q.village, 1, k.n), q.course, q.n, q.gs, q.gn"
		    " FROM (%s) q CROSS JOIN " TQ_LEVELS
		    " WHERE q.n <> 0 OR q.gs <> 0 OR q.gn <> 0;", to, q);
}

/* Add the completions of pairs p (columns village, course, status,
 * completed_at, time_source, sg: 1 or -1) to completion_buckets<to> (as
 * tq_rows), per course and for all courses (''), per province and for the
 * country (''). The filter is written so that no index can serve it: with
 * stale statistics in a bulk ingest, PostgreSQL walked every completed
 * summary of the hub through summaries_done for each statement (schema 9
 * makes its functions again with this). */
static void
tq_buckets(struct tbuf *b, const char *to, int group, const char *p)
{
	tb_printf(b, "INSERT INTO completion_buckets%s(course, seg, unit, src_hub, src_phone,"
	    " src_none, src_unknown) SELECT c, sg, un, %s FROM (", to, group ?
	    "sum(h), sum(ph), sum(no), sum(uk)" : "h, ph, no, uk");
	tb_printf(b, "SELECT CASE WHEN a.all_courses = 1 THEN '' ELSE p.course END AS c,"
	    " " TQ_SEG("p.completed_at") " AS sg, substr(p.village, 1, u.n) AS un,"
	    " CASE WHEN p.time_source LIKE '%%\"completed_at\":\"hub\"%%' THEN p.sg ELSE 0 END"
	    "   AS h,"
	    /* a facilitator's phone (console) counts with the phones */
	    " CASE WHEN p.time_source LIKE '%%\"completed_at\":\"phone\"%%'"
	    "   OR p.time_source LIKE '%%\"completed_at\":\"console\"%%' THEN p.sg ELSE 0 END"
	    "   AS ph,"
	    " CASE WHEN p.time_source LIKE '%%\"completed_at\":\"hub\"%%'"
	    "   OR p.time_source LIKE '%%\"completed_at\":\"phone\"%%'"
	    "   OR p.time_source LIKE '%%\"completed_at\":\"console\"%%'"
	    "   OR p.time_source NOT LIKE '%%\"completed_at\":%%' OR p.time_source IS NULL"
	    "   THEN 0 ELSE p.sg END AS no,"
	    " CASE WHEN p.time_source IS NULL"
	    "   OR p.time_source NOT LIKE '%%\"completed_at\":%%' THEN p.sg ELSE 0 END AS uk"
	    " FROM (%s) p CROSS JOIN (SELECT 0 AS all_courses UNION ALL SELECT 1) a"
	    " CROSS JOIN (SELECT 0 AS n UNION ALL SELECT 2) u"
	    " WHERE p.status || '' = 'completed' AND p.completed_at + 0 > 0) z%s;", p, group ?
	    " GROUP BY 1, 2, 3 HAVING sum(h) <> 0 OR sum(ph) <> 0 OR sum(no) <> 0"
	    " OR sum(uk) <> 0" : "");
}

/* The pairs (learner x summary) of row set x: of summaries (joined to their
 * learners) or of learners (joined to their summaries), times sg. */
static void
tq_pairs(struct tbuf *b, const char *x, int of_learners, const char *sg)
{
	if (of_learners)
		tb_printf(b, "SELECT l.village AS village, s.course AS course, s.status AS status,"
		    " s.first_activity AS first_activity, s.last_activity AS last_activity,"
		    " s.completed_at AS completed_at, s.time_source AS time_source,"
		    " s.pre_score AS pre_score, s.post_score AS post_score, %s AS sg"
		    " FROM %s l JOIN summaries s ON s.box = l.box AND s.learner = l.id", sg, x);
	else
		tb_printf(b, "SELECT l.village AS village, x.course AS course, x.status AS status,"
		    " x.first_activity AS first_activity, x.last_activity AS last_activity,"
		    " x.completed_at AS completed_at, x.time_source AS time_source,"
		    " x.pre_score AS pre_score, x.post_score AS post_score, %s AS sg"
		    " FROM %s x JOIN learners l ON l.box = x.box AND l.id = x.learner", sg, x);
}

/* learner_rows' part of pairs p: its summaries listed without a range,
 * and the gain of those with both scores (report.c, report__gains). */
static void
tq_pair_rows(struct tbuf *b, const char *p)
{
	tb_printf(b, "SELECT p.village, p.course, CASE WHEN " TQ_LISTED("p")
	    " THEN p.sg ELSE 0 END AS n, CASE WHEN " TQ_GAIN("p") " THEN p.sg *"
	    " (p.post_score - p.pre_score) ELSE 0 END AS gs, CASE WHEN " TQ_GAIN("p")
	    " THEN p.sg ELSE 0 END AS gn FROM (%s) p", p);
}

/* Learners of row set l (box, id, village) with a summary: sg each. */
static void
tq_with(struct tbuf *b, const char *l, const char *sg)
{
	tb_printf(b, "SELECT l.village AS village, '' AS course, %s AS n, 0 AS gs, 0 AS gn"
	    " FROM %s l"
	    " WHERE EXISTS (SELECT 1 FROM summaries s WHERE s.box = l.box"
	    " AND s.learner = l.id)", sg, l);
}

/* The boxes with learners (learner_rows' row lvl 0, unit '', course ''):
 * those whose first learners are row set l (+), or whose last went (-). */
static void
tq_boxes(struct tbuf *b, const char *to, const char *l, const char *sign)
{
	/* arriving: the box has no learner but these, found by a count per
	 * box (a search of l for each learner of the box was quadratic in a
	 * bulk load: l has no index) */
	if (sign[0] == '\0')
		tb_printf(b, "INSERT INTO learner_rows%s(lvl, unit, course, n, gain_sum, gain_n)"
		    " SELECT 0, '', '', count(*), 0, 0 FROM (SELECT box, count(*) AS m FROM %s"
		    " GROUP BY box) g WHERE g.m = (SELECT count(*) FROM learners x"
		    " WHERE x.box = g.box) HAVING count(*) > 0;", to, l);
	else
		tb_printf(b, "INSERT INTO learner_rows%s(lvl, unit, course, n, gain_sum, gain_n)"
		    " SELECT 0, '', '', %scount(*), 0, 0 FROM (SELECT DISTINCT box FROM %s) g"
		    " WHERE NOT EXISTS (SELECT 1 FROM learners x WHERE x.box = g.box)"
		    " HAVING count(*) > 0;", to, sign, l);
}

/* A trigger's body for event ev (0 learners insert, 1 learners update, 2
 * learners delete, 3 summaries insert, 4 summaries update, 5 summaries
 * delete) over row sets nw (new rows) and od (old rows): what changes,
 * appended to the _delta tables (to "_delta"; "" fills the empty tables
 * at the migration, with ev 0 over every learner). */
static void
tq_body(struct tbuf *b, enum hdb_kind kind, const char *to, int ev, const char *nw,
    const char *od)
{
	int group = kind == HDB_PG || to[0] == '\0';

	struct tbuf p = { NULL, 0, 0, 0 }, q = { NULL, 0, 0, 0 };

	switch (ev) {
	case 0: /* learners arrive, with any progress sent before them */
	case 2: /* learners go (after their summaries, ingest.c's merges) */
		tq_pairs(&p, ev == 0 ? nw : od, 1, ev == 0 ? "1" : "-1");
		tq_with(&q, ev == 0 ? nw : od, ev == 0 ? "1" : "-1");
		break;
	case 1: /* learners move village (od, nw: those that did) */
		tq_pairs(&p, od, 1, "-1");
		tb_printf(&p, " UNION ALL ");
		tq_pairs(&p, nw, 1, "1");
		tq_with(&q, od, "-1");
		tb_printf(&q, " UNION ALL ");
		tq_with(&q, nw, "1");
		break;
	case 3: /* progress arrives: a learner's first counts it as with progress */
		tq_pairs(&p, nw, 0, "1");
		tb_printf(&q, "SELECT l.village AS village, '' AS course, 1 AS n, 0 AS gs,"
		    " 0 AS gn FROM"
		    " (SELECT box, learner, count(*) AS m FROM %s GROUP BY box, learner) g"
		    " JOIN learners l ON l.box = g.box AND l.id = g.learner WHERE g.m ="
		    " (SELECT count(*) FROM summaries s WHERE s.box = g.box"
		    "  AND s.learner = g.learner)", nw);
		break;
	case 4: /* progress changes: the new rows less the old ones */
		tq_pairs(&p, od, 0, "-1");
		tb_printf(&p, " UNION ALL ");
		tq_pairs(&p, nw, 0, "1");
		break;
	default: /* progress goes: a learner's last leaves it without */
		tq_pairs(&p, od, 0, "-1");
		tb_printf(&q, "SELECT l.village AS village, '' AS course, -1 AS n, 0 AS gs,"
		    " 0 AS gn FROM"
		    " (SELECT DISTINCT box, learner FROM %s) g JOIN learners l"
		    " ON l.box = g.box AND l.id = g.learner WHERE NOT EXISTS"
		    " (SELECT 1 FROM summaries s WHERE s.box = g.box AND s.learner = g.learner)",
		    od);
	}
	if (q.len > 0)
		tb_printf(&q, " UNION ALL ");
	tq_pair_rows(&q, p.p);
	if (p.oom || q.oom) {
		b->oom = 1;
	} else {
		if (ev == 0 || ev == 2)
			tq_boxes(b, to, ev == 0 ? nw : od, ev == 0 ? "" : "-");
		tq_rows(b, to, group, q.p);
		tq_buckets(b, to, group, p.p);
	}
	free(p.p);
	free(q.p);
}

/* The fold of schema 8's deltas: sums per key added to the kept rows, in
 * key order. SQLite: inside the caller's transaction, after
 * td_fold_sqlite's totals (the same write lock), then the deltas deleted. */
#define TQ_ROWS_SET " DO UPDATE SET n = learner_rows.n + excluded.n," \
	" gain_sum = learner_rows.gain_sum + excluded.gain_sum," \
	" gain_n = learner_rows.gain_n + excluded.gain_n"
#define TQ_BUCKETS_SET " DO UPDATE SET" \
	" src_hub = completion_buckets.src_hub + excluded.src_hub," \
	" src_phone = completion_buckets.src_phone + excluded.src_phone," \
	" src_none = completion_buckets.src_none + excluded.src_none," \
	" src_unknown = completion_buckets.src_unknown + excluded.src_unknown"
#define TQ_ROWS_INSERT "INSERT INTO learner_rows(lvl, unit, course, n, gain_sum, gain_n)" \
	" SELECT lvl, unit, course, sum(n), sum(gain_sum), sum(gain_n)"
#define TQ_BUCKETS_INSERT "INSERT INTO completion_buckets(course, seg, unit, src_hub," \
	" src_phone, src_none, src_unknown) SELECT course, seg, unit, sum(src_hub)," \
	" sum(src_phone), sum(src_none), sum(src_unknown)"

/* %1$s, %2$s: where learner_rows_delta and completion_buckets_delta are
 * read; %3$s: the DELETEs of what was read. */
static const char tq_fold_sqlite[] =
	TQ_ROWS_INSERT " FROM %1$s WHERE true GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
	" ON CONFLICT(lvl, unit, course)" TQ_ROWS_SET ";"
	TQ_BUCKETS_INSERT " FROM %2$s WHERE true GROUP BY 1, 2, 3"
	" ORDER BY 1, 3, 2 ON CONFLICT(course, unit, seg)" TQ_BUCKETS_SET ";"
	"%3$s";

/* PostgreSQL: totals_fold() of schema 7 made again with these deltas too,
 * under the same lock; each table in one statement (what it deletes is
 * what it adds). */
#define TQ_FOLD_PG(name, lock, ret) \
	"CREATE OR REPLACE FUNCTION " name "() RETURNS bigint LANGUAGE plpgsql AS $f$" \
	" DECLARE folded bigint; BEGIN" \
	" IF NOT EXISTS (SELECT 1 FROM totals_delta)" \
	"   AND NOT EXISTS (SELECT 1 FROM learner_rows_delta)" \
	"   AND NOT EXISTS (SELECT 1 FROM completion_buckets_delta) THEN RETURN 0; END IF;" \
	lock \
	TD_FOLD_PG_TOTALS \
	" WITH d AS (DELETE FROM learner_rows_delta RETURNING lvl, unit, course, n," \
	"   gain_sum, gain_n)," \
	" a AS (" TQ_ROWS_INSERT " FROM d GROUP BY 1, 2, 3 ORDER BY 1, 2, 3" \
	"   ON CONFLICT(lvl, unit, course)" TQ_ROWS_SET " RETURNING 1)" \
	" SELECT folded + count(*) FROM a INTO folded;" \
	" WITH d AS (DELETE FROM completion_buckets_delta RETURNING course, seg, unit," \
	"   src_hub, src_phone, src_none, src_unknown)," \
	" a AS (" TQ_BUCKETS_INSERT " FROM d GROUP BY 1, 2, 3 ORDER BY 1, 3, 2" \
	"   ON CONFLICT(course, unit, seg)" TQ_BUCKETS_SET " RETURNING 1)" \
	" SELECT folded + count(*) FROM a INTO folded;" \
	" RETURN " ret "; END $f$;"

static const char tq_fold_pg[] = TQ_FOLD_PG("totals_fold",
    " PERFORM pg_advisory_xact_lock(" TD_FOLD_LOCK ");", "folded");

/* Schema 9: the fold an upload runs after its commit, which does not wait
 * for another: -1 if another fold holds the lock (it looks again once it
 * has committed, so these deltas are not left behind), 0 if there was
 * nothing to fold, else 1 + the totals rows it changed. */
const char totals_fold_try_pg[] = TQ_FOLD_PG("totals_fold_try",
    " IF NOT pg_try_advisory_xact_lock(" TD_FOLD_LOCK ") THEN RETURN -1; END IF;",
    "folded + 1");

static char *
tq_migration(enum hdb_kind kind, int functions_only)
{
	static const char *const name[] = { "learners_rows_ins", "learners_rows_upd",
		"learners_rows_del", "summaries_rows_ins", "summaries_rows_upd",
		"summaries_rows_del" };
	static const char *const event[] = { "INSERT", "UPDATE", "DELETE" };
	/* SQLite, per row: the row as a one-row set */
	static const char sl_new[] = "(SELECT NEW.box AS box, NEW.id AS id,"
	    " NEW.village AS village)";
	static const char sl_old[] = "(SELECT OLD.box AS box, OLD.id AS id,"
	    " OLD.village AS village)";
#define TQ_SROW(r) "(SELECT " r ".box AS box, " r ".learner AS learner, " r ".course AS course," \
	" " r ".status AS status, " r ".first_activity AS first_activity," \
	" " r ".last_activity AS last_activity, " r ".completed_at AS completed_at," \
	" " r ".time_source AS time_source, " r ".pre_score AS pre_score," \
	" " r ".post_score AS post_score)"
	static const char ss_new[] = TQ_SROW("NEW"), ss_old[] = TQ_SROW("OLD");
	/* PostgreSQL, per statement: the transition tables; a move only for
	 * the learners whose village changed */
	static const char pl_old[] = "(SELECT o.box, o.id, o.village FROM ot o JOIN nt n"
	    " ON n.box = o.box AND n.id = o.id WHERE o.village IS DISTINCT FROM n.village)";
	static const char pl_new[] = "(SELECT n.box, n.id, n.village FROM ot o JOIN nt n"
	    " ON n.box = o.box AND n.id = o.id WHERE o.village IS DISTINCT FROM n.village)";
	struct tbuf b = { NULL, 0, 0, 0 };
	const char *txt = kind == HDB_PG ? "TEXT COLLATE \"C\"" : "TEXT";
	int ev;

	if (!functions_only) {
		tb_printf(&b, "CREATE TABLE learner_rows(lvl BIGINT NOT NULL, unit %s NOT NULL,"
		    " course TEXT NOT NULL, n BIGINT NOT NULL, gain_sum BIGINT NOT NULL,"
		    " gain_n BIGINT NOT NULL, PRIMARY KEY(lvl, unit, course));", txt);
		tb_printf(&b, "CREATE TABLE completion_buckets(course TEXT NOT NULL,"
		    " seg BIGINT NOT NULL, unit %s NOT NULL, src_hub BIGINT NOT NULL,"
		    " src_phone BIGINT NOT NULL, src_none BIGINT NOT NULL,"
		    " src_unknown BIGINT NOT NULL, PRIMARY KEY(course, unit, seg));", txt);
		/* what the triggers append (no key: uploads share no row), folded
		 * with totals_delta */
		tb_printf(&b, "CREATE TABLE learner_rows_delta(lvl BIGINT NOT NULL,"
		    " unit %s NOT NULL, course TEXT NOT NULL, n BIGINT NOT NULL,"
		    " gain_sum BIGINT NOT NULL, gain_n BIGINT NOT NULL);", txt);
		tb_printf(&b, "CREATE TABLE completion_buckets_delta(course TEXT NOT NULL,"
		    " seg BIGINT NOT NULL, unit %s NOT NULL, src_hub BIGINT NOT NULL,"
		    " src_phone BIGINT NOT NULL, src_none BIGINT NOT NULL,"
		    " src_unknown BIGINT NOT NULL);", txt);
		/* the rows already stored: as if every learner arrived now */
		tq_body(&b, kind, "", 0, "learners", NULL);
	}
	for (ev = 0; ev < 6; ev++) {
		const char *tbl = ev < 3 ? "learners" : "summaries";

		if (kind == HDB_PG) {
			/* every read is a key lookup from the transition table:
			 * with the statistics of a table that grows fast, the
			 * planner took a walk of all summaries instead */
			tb_printf(&b, "CREATE OR REPLACE FUNCTION %s() RETURNS trigger"
			    " LANGUAGE plpgsql SET enable_hashjoin = off SET enable_mergejoin = off"
			    " SET enable_seqscan = off SET enable_bitmapscan = off"
			    " AS $f$ BEGIN ", name[ev]);
			tq_body(&b, kind, "_delta", ev, ev == 1 ? pl_new : "nt", ev == 1 ? pl_old : "ot");
			tb_printf(&b, " RETURN NULL; END $f$;");
			if (!functions_only)
				tb_printf(&b, "CREATE TRIGGER %s AFTER %s ON %s REFERENCING %s%s"
				    " FOR EACH STATEMENT EXECUTE FUNCTION %s();", name[ev], event[ev % 3],
				    tbl, ev % 3 != 0 ? "OLD TABLE AS ot " : "",
				    ev % 3 != 2 ? "NEW TABLE AS nt" : "", name[ev]);
			continue;
		}
		tb_printf(&b, "CREATE TRIGGER %s AFTER %s ON %s FOR EACH ROW%s BEGIN ", name[ev],
		    event[ev % 3], tbl, ev == 1 ? " WHEN (" TB_VILLAGE_CHANGED ")" :
		    ev == 4 ? " WHEN (" TB_SUMMARY_CHANGED " OR OLD.last_activity IS DISTINCT FROM"
		    " NEW.last_activity OR OLD.time_source IS DISTINCT FROM NEW.time_source"
		    " OR OLD.pre_score IS DISTINCT FROM NEW.pre_score"
		    " OR OLD.post_score IS DISTINCT FROM NEW.post_score)" : "");
		if (ev < 3)
			tq_body(&b, kind, "_delta", ev, sl_new, sl_old);
		else
			tq_body(&b, kind, "_delta", ev, ss_new, ss_old);
		tb_printf(&b, " END;");
	}
	if (kind == HDB_PG && !functions_only)
		tb_printf(&b, "%s", tq_fold_pg);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

char *
totals_buckets_migration(enum hdb_kind kind)
{
	return tq_migration(kind, 0);
}

char *
totals_buckets_functions_pg(void)
{
	return tq_migration(HDB_PG, 1);
}

/* SQLite: add the deltas with lo[i] < rowid <= hi[i] (totals_delta,
 * learner_rows_delta, completion_buckets_delta; -1: no bound) and delete
 * them, inside the caller's transaction. */
static pb_err
tf_sqlite(struct hdb_conn *c, const long long lo[3], const long long hi[3])
{
	static const char *const tbl[] = { "totals_delta", "learner_rows_delta",
		"completion_buckets_delta" };
	char src[3][128], del[3][128], dels[300], w[80];
	struct tbuf q = { NULL, 0, 0, 0 };
	pb_err rc;
	int i;

	for (i = 0; i < 3; i++) {
		if (lo[i] < 0 && hi[i] < 0) {
			snprintf(src[i], sizeof(src[i]), "%s", tbl[i]);
			snprintf(del[i], sizeof(del[i]), "DELETE FROM %s;", tbl[i]);
			continue;
		}
		if (lo[i] < 0)
			snprintf(w, sizeof(w), "rowid <= %lld", hi[i]);
		else if (hi[i] < 0)
			snprintf(w, sizeof(w), "rowid > %lld", lo[i]);
		else
			snprintf(w, sizeof(w), "rowid > %lld AND rowid <= %lld", lo[i], hi[i]);
		snprintf(src[i], sizeof(src[i]), "(SELECT * FROM %s WHERE %s)", tbl[i], w);
		snprintf(del[i], sizeof(del[i]), "DELETE FROM %s WHERE %s;", tbl[i], w);
	}
	snprintf(dels, sizeof(dels), "%s%s", del[1], del[2]);
	tb_printf(&q, td_fold_sqlite, src[0], del[0]);
	tb_printf(&q, tq_fold_sqlite, src[1], src[2], dels);
	rc = q.oom ? PB_ERR_NOMEM : hdb_exec(c, q.p);
	free(q.p);
	return rc;
}

pb_err
totals_mark(struct hdb_conn *c, long long mark[3])
{
	struct hdb_stmt *s;

	if (hdb_kind(c) == HDB_PG)
		return PB_OK;
	if ((s = hdb_prepare(c, "SELECT (SELECT coalesce(max(rowid), 0) FROM totals_delta),"
	    " (SELECT coalesce(max(rowid), 0) FROM learner_rows_delta),"
	    " (SELECT coalesce(max(rowid), 0) FROM completion_buckets_delta)")) == NULL)
		return hdb_err(c);
	if (hdb_step(s) != HDB_ROW) {
		hdb_finalize(s);
		return hdb_err(c);
	}
	mark[0] = hdb_column_int64(s, 0);
	mark[1] = hdb_column_int64(s, 1);
	mark[2] = hdb_column_int64(s, 2);
	hdb_finalize(s);
	return PB_OK;
}

pb_err
totals_fold_since(struct hdb_conn *c, const long long mark[3])
{
	static const long long none[3] = { -1, -1, -1 };

	if (hdb_kind(c) == HDB_PG)
		return totals_fold(c);
	return tf_sqlite(c, mark, none);
}

pb_err
totals_fold(struct hdb_conn *c)
{
	static const long long all[3] = { -1, -1, -1 };
	struct hdb_stmt *s;
	int own, any;
	pb_err rc;

	if (hdb_kind(c) == HDB_PG)
		return hdb_exec(c, "SELECT totals_fold()");
	own = !hdb_in_tx(c);
	if (own) {
		if ((s = hdb_prepare(c, "SELECT EXISTS (SELECT 1 FROM totals_delta)"
		    " OR EXISTS (SELECT 1 FROM learner_rows_delta)"
		    " OR EXISTS (SELECT 1 FROM completion_buckets_delta)")) == NULL)
			return hdb_err(c);
		any = hdb_step(s) == HDB_ROW && hdb_column_int(s, 0) != 0;
		hdb_finalize(s);
		if (!any)
			return PB_OK;
		if ((rc = hdb_begin(c)) != PB_OK)
			return rc;
	}
	rc = tf_sqlite(c, all, all);
	if (own) {
		if (rc == PB_OK)
			rc = hdb_commit(c);
		if (rc != PB_OK)
			hdb_rollback(c);
	}
	return rc;
}

pb_err
totals_fold_after(struct hdb_conn *c)
{
	struct hdb_stmt *s;
	int64_t r = 1;
	int i;

	if (hdb_kind(c) != HDB_PG)
		return PB_OK;
	/* while this one folds, another upload's try returns at once; so look
	 * again after each fold this one commits */
	for (i = 0; i < TOTALS_FOLD_TRIES && r > 0; i++) {
		if ((s = hdb_prepare(c, "SELECT totals_fold_try()")) == NULL)
			return hdb_err(c);
		if (hdb_step(s) != HDB_ROW) {
			hdb_finalize(s);
			return hdb_err(c);
		}
		r = hdb_column_int64(s, 0);
		hdb_finalize(s);
	}
	return PB_OK;
}

pb_err
totals_fold_batch(struct hdb_conn *c, long long limit, long long *folded, int *more)
{
	static const char *const tbl[] = { "totals_delta", "learner_rows_delta",
		"completion_buckets_delta" };
	static const long long all[3] = { -1, -1, -1 };
	long long b[3], n = 0;
	struct hdb_stmt *s;
	char sql[200];
	pb_err rc;
	int i;

	*folded = 0;
	*more = 0;
	if (hdb_kind(c) == HDB_PG) { /* one statement: what it deletes is what it adds */
		if ((s = hdb_prepare(c, "SELECT totals_fold()")) == NULL)
			return hdb_err(c);
		rc = hdb_step(s) == HDB_ROW ? PB_OK : hdb_err(c);
		if (rc == PB_OK)
			*folded = hdb_column_int64(s, 0);
		hdb_finalize(s);
		return rc;
	}
	if ((rc = hdb_begin(c)) != PB_OK)
		return rc;
	for (i = 0; i < 3; i++) {
		/* the first limit rows, by rowid (each table's own order) */
		snprintf(sql, sizeof(sql), "SELECT count(*), coalesce(max(r), -2) FROM (SELECT"
		    " rowid AS r FROM %s ORDER BY rowid LIMIT %lld)", tbl[i], limit);
		if ((s = hdb_prepare(c, sql)) == NULL || hdb_step(s) != HDB_ROW) {
			hdb_finalize(s);
			rc = hdb_err(c);
			goto out;
		}
		n += hdb_column_int64(s, 0);
		b[i] = hdb_column_int64(s, 1);
		*more |= hdb_column_int64(s, 0) == limit;
		hdb_finalize(s);
	}
	if (n > 0 && (rc = tf_sqlite(c, all, b)) == PB_OK)
		rc = hdb_commit(c);
out:
	if (rc != PB_OK)
		*more = 0;
	else
		*folded = n;
	hdb_rollback(c);
	return rc;
}

/* ---- SQLite's ingest: the statements' deltas, not the rows' ---------------
 *
 * SQLite has no statement triggers: its per-row triggers run five or six
 * statements for each summary an upload brings. ingest.c instead stages a
 * chunk's rows in temporary tables, notes which are new and which replace
 * an older rev, upserts them with the triggers off, and then appends the
 * deltas of the whole chunk with the bodies of PostgreSQL's statement
 * triggers over those sets. */

#define TI_SCOLS "box, learner, course, status, passed, best_score, first_activity," \
	" last_activity, completed_at, time_source, pre_score, post_score"

static const char ti_setup[] =
	"CREATE TEMP TABLE IF NOT EXISTS ing_l(box, id, name, position, village,"
	" registered_at, rev, times_corrected, time_source, PRIMARY KEY(id));"
	"CREATE TEMP TABLE IF NOT EXISTS ing_li(box, id, village);"
	"CREATE TEMP TABLE IF NOT EXISTS ing_lo(box, id, village, PRIMARY KEY(box, id));"
	"CREATE TEMP TABLE IF NOT EXISTS ing_s(box, learner, course, status, lessons_done,"
	" lessons_total, best_score, passed, attempts, seconds_spent, first_activity,"
	" last_activity, completed_at, times_corrected, rev, time_source, pre_score,"
	" post_score, PRIMARY KEY(learner, course));"
	"CREATE TEMP TABLE IF NOT EXISTS ing_si(" TI_SCOLS ");"
	"CREATE TEMP TABLE IF NOT EXISTS ing_so(" TI_SCOLS ");"
	"CREATE TEMP TABLE IF NOT EXISTS ing_sn(" TI_SCOLS ");";

static const char ti_clear[] =
	"DELETE FROM ing_l; DELETE FROM ing_li; DELETE FROM ing_lo; DELETE FROM ing_s;"
	" DELETE FROM ing_si; DELETE FROM ing_so; DELETE FROM ing_sn;";

/* Before the upsert: the learners new to the hub, and the stored rows a
 * newer rev replaces. */
static const char ti_learners_before[] =
	"INSERT INTO ing_li SELECT x.box, x.id, x.village FROM ing_l x WHERE NOT EXISTS"
	" (SELECT 1 FROM learners l WHERE l.box = x.box AND l.id = x.id);"
	"INSERT INTO ing_lo SELECT l.box, l.id, l.village FROM ing_l x JOIN learners l"
	" ON l.box = x.box AND l.id = x.id WHERE x.rev > l.rev;";

static const char ti_summaries_before[] =
	"INSERT INTO ing_si SELECT " TI_SCOLS " FROM ing_s x WHERE NOT EXISTS"
	" (SELECT 1 FROM summaries s WHERE s.box = x.box AND s.learner = x.learner"
	" AND s.course = x.course);"
	"INSERT INTO ing_so SELECT s.box, s.learner, s.course, s.status, s.passed,"
	" s.best_score, s.first_activity, s.last_activity, s.completed_at, s.time_source,"
	" s.pre_score, s.post_score FROM ing_s x JOIN summaries s ON s.box = x.box"
	" AND s.learner = x.learner AND s.course = x.course WHERE x.rev > s.rev;"
	"INSERT INTO ing_sn SELECT x.box, x.learner, x.course, x.status, x.passed,"
	" x.best_score, x.first_activity, x.last_activity, x.completed_at, x.time_source,"
	" x.pre_score, x.post_score FROM ing_s x JOIN ing_so o ON o.learner = x.learner"
	" AND o.course = x.course;";

static struct totals_ingest ti_sql;

/* SQLite, with no statistics on the sets, may walk a whole main table and
 * look each row up in the set: every join of these bodies has the set (or
 * a subquery of it) on its left, so each JOIN becomes a CROSS JOIN, which
 * SQLite's planner keeps in the order written. Returns a new string (NULL
 * if out of memory). */
static char *
ti_cross(const char *sql)
{
	struct tbuf b = { NULL, 0, 0, 0 };
	const char *p = sql, *j;

	while ((j = strstr(p, " JOIN ")) != NULL) {
		int cross = j - p >= 6 && strncmp(j - 6, " CROSS", 6) == 0;

		tb_printf(&b, "%.*s%s", (int)(j - p), p, cross ? " JOIN " : " CROSS JOIN ");
		p = j + 6;
	}
	tb_printf(&b, "%s", p);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
static pthread_once_t ti_once = PTHREAD_ONCE_INIT;

/* The deltas of event ev (as tq_body numbers them) over sets nt and ot,
 * appended to the _delta tables. */
static void
ti_event(struct tbuf *b, int ev, const char *nt, const char *ot)
{
	struct tbuf d = { NULL, 0, 0, 0 };

	td_deltas_set(&d, ev, nt, ot);
	if (d.oom)
		b->oom = 1;
	else
		td_append_set(b, d.p);
	free(d.p);
	tq_body(b, HDB_PG, "_delta", ev, nt, ot); /* grouped, as PostgreSQL's */
}

static void
ti_make(void)
{
	static const char pl_old[] = "(SELECT o.box, o.id, o.village FROM ing_lo o JOIN ing_l n"
	    " ON n.box = o.box AND n.id = o.id WHERE o.village IS DISTINCT FROM n.village)";
	static const char pl_new[] = "(SELECT n.box, n.id, n.village FROM ing_lo o JOIN ing_l n"
	    " ON n.box = o.box AND n.id = o.id WHERE o.village IS DISTINCT FROM n.village)";
	struct tbuf l = { NULL, 0, 0, 0 }, s = { NULL, 0, 0, 0 };
	struct tbuf m = { NULL, 0, 0, 0 };

	ti_event(&l, 0, "ing_li", "ing_lo");
	/* a move: the td bodies join ot and nt themselves, tq's take the
	 * moved learners */
	td_deltas_set(&m, 1, "ing_l", "ing_lo");
	if (!m.oom)
		td_append_set(&l, m.p);
	tq_body(&l, HDB_PG, "_delta", 1, pl_new, pl_old);
	ti_event(&s, 3, "ing_si", "ing_so");
	ti_event(&s, 4, "ing_sn", "ing_so");
	free(m.p);
	if (l.oom || s.oom || m.oom) {
		free(l.p);
		free(s.p);
		return;
	}
	ti_sql.setup = ti_setup;
	ti_sql.clear = ti_clear;
	ti_sql.learners_before = ti_cross(ti_learners_before);
	ti_sql.learners_after = ti_cross(l.p);
	ti_sql.summaries_before = ti_cross(ti_summaries_before);
	ti_sql.summaries_after = ti_cross(s.p);
	free(l.p);
	free(s.p);
	if (ti_sql.learners_before == NULL || ti_sql.learners_after == NULL ||
	    ti_sql.summaries_before == NULL || ti_sql.summaries_after == NULL)
		ti_sql.summaries_after = NULL; /* out of memory: totals_ingest_sqlite fails */
}

const struct totals_ingest *
totals_ingest_sqlite(void)
{
	pthread_once(&ti_once, ti_make);
	return ti_sql.summaries_after != NULL ? &ti_sql : NULL;
}
