/* store_report.c — see store_report.h. */
#include "store_report.h"

#include <string.h>

#include "store_int.h"

struct store__att_fn {
	int (*fn)(void *arg, const struct store_attendance *a);
	void *arg;
};

static int
store__att_row(void *arg, sqlite3_stmt *stmt)
{
	const struct store__att_fn *f = arg;
	struct store_attendance a;

	memset(&a, 0, sizeof(a));
	store__row_learner(stmt, &a.l);
	a.events = sqlite3_column_int64(stmt, 5);
	a.first_ms = sqlite3_column_int64(stmt, 6);
	a.last_ms = sqlite3_column_int64(stmt, 7);
	return f->fn(f->arg, &a);
}

pb_err
store_attendance(struct store *st, const char *village, int64_t from_ms, int64_t to_ms,
    int (*fn)(void *arg, const struct store_attendance *a), void *arg)
{
	struct store__att_fn f = { fn, arg };

	return store__rows(st, "SELECT l.id, l.name, l.position, l.village, l.registered_at,"
	    " count(e.rev), coalesce(min(e.wall_ms), 0), coalesce(max(e.wall_ms), 0)"
	    " FROM learners l LEFT JOIN events e ON e.learner = l.id"
	    " AND e.wall_ms >= ?2 AND e.wall_ms < ?3"
	    " WHERE l.village = ?1 GROUP BY l.id ORDER BY l.name, l.id", store__att_row, &f,
	    "tii", village, from_ms, to_ms);
}
