/* db.h — the hub's database: schema, migrations and a pool of connections
 * shared by the web threads, on SQLite (a file; WAL, synchronous=FULL) or
 * PostgreSQL (a URL; several hubs may share it). Statements go through
 * hdb.h; each module keeps its own SQL, written once for both. */
#ifndef HUB_DB_H
#define HUB_DB_H

#include "hdb.h"
#include "pb.h"
#include "region.h"

struct hubdb;

/* Open (creating and migrating) the database at url — a SQLite path or a
 * postgresql:// URL — with a pool of nconn connections, and fold the deltas
 * a stopped hub or a bulk load left (totals.h). */
pb_err hubdb_open(const char *url, int nconn, struct hubdb **out);

/* hubdb_open for the serving hub: the deltas a stopped hub or a bulk load
 * left are not folded here but by hubdb_fold_backlog, once it listens. */
pb_err hubdb_open_serving(const char *url, int nconn, struct hubdb **out);

/* Fold the backlog of deltas in the background, in bounded transactions
 * (totals_fold_batch); hubdb_close waits for it. The dashboard folds what
 * is left before it reads the totals, so it is exact meanwhile. */
void hubdb_fold_backlog(struct hubdb *db);
void hubdb_close(struct hubdb *db);
enum hdb_kind hubdb_kind(const struct hubdb *db);

/* Borrow a connection (waits while all are busy; reconnects one that
 * PostgreSQL dropped); give it back with put, which rolls back a
 * transaction left open. */
struct hdb_conn *hubdb_get(struct hubdb *db);
void hubdb_put(struct hubdb *db, struct hdb_conn *c);

/* Non-zero if the database answers a trivial query. */
int hubdb_healthy(struct hubdb *db);

/* Store the region list's names in the table region_names (code, name;
 * the bi views name each learner's province, regency, district and village
 * with them) when they differ from those stored; hubs starting together
 * store them once. */
pb_err hubdb_region_names(struct hubdb *db, const struct region *r);

/* The names of the tables a hub's data lives in, in an order that keeps
 * references valid (for pamong-hub migrate); NULL-terminated. */
extern const char *const hubdb_tables[];

#endif
