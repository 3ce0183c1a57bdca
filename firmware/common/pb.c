/* pb.c — error descriptions. */
#include "pb.h"

const char *
pb_strerror(pb_err err)
{
	switch (err) {
	case PB_OK: return "success";
	case PB_ERR_NOMEM: return "out of memory";
	case PB_ERR_IO: return "input/output error";
	case PB_ERR_INVALID: return "invalid input";
	case PB_ERR_NOTFOUND: return "not found";
	case PB_ERR_EXISTS: return "already exists";
	case PB_ERR_DB: return "database error";
	case PB_ERR_CRYPTO: return "verification failed";
	case PB_ERR_DENIED: return "access denied";
	case PB_ERR_LIMIT: return "limit exceeded";
	case PB_ERR_STATE: return "not possible now";
	case PB_ERR_TIMEOUT: return "took too long";
	}
	return "unknown error";
}
