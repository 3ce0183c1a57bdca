/* web.h — pamong-hub's HTTP side (CivetWeb): the box API (/api/v1/health,
 * /api/v1/enroll, /api/v1/upload), the staff API (/api/v1/hub/...) and
 * the dashboard's static files. See docs/API.md, "pamong-hub". */
#ifndef HUB_WEB_H
#define HUB_WEB_H

#include "config.h"
#include "courses.h"
#include "db.h"
#include "region.h"

struct web;

/* Start listening; the server runs on CivetWeb's threads until web_stop. */
pb_err web_start(const struct hub_config *cfg, struct hubdb *db, const struct region *r,
    const struct courses *cs, struct web **out);
void web_stop(struct web *w);

#endif
