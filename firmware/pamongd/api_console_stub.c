/* api_console_stub.c — TEMPORARY: the audit log comes with the console's
 * login (branch console-core); until then console actions are only logged. */
#include "api_int.h"
#include "log.h"

void
api__audit(struct req *r, const char *action, const char *detail)
{
	log_info("console: %s from %s: %s", action, r->addr, detail);
}
