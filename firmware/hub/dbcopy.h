/* dbcopy.h — pamong-hub migrate: copy a hub's data from one database to
 * another (an existing SQLite hub to PostgreSQL), table by table, in one
 * transaction on the target. */
#ifndef HUB_DBCOPY_H
#define HUB_DBCOPY_H

#include <stdio.h>

#include "pb.h"

/* Copy every table of the hub database at from (brought to the current
 * schema first) into the one at to, which is created and must hold no
 * rows yet (PB_ERR_EXISTS otherwise: nothing is written). Each table's row
 * count is printed to out and checked on both sides after the commit. */
pb_err dbcopy_run(const char *from, const char *to, FILE *out);

#endif
