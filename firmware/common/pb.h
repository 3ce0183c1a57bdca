/* pb.h — the one error type shared by all Pamong Box programs. */
#ifndef PB_H
#define PB_H

#include <stddef.h>

#define PB_VERSION "0.1.0"

typedef enum pb_err {
	PB_OK = 0,
	PB_ERR_NOMEM,    /* allocation failed */
	PB_ERR_IO,       /* file or socket I/O failed; errno is set */
	PB_ERR_INVALID,  /* bad input: syntax, range, encoding */
	PB_ERR_NOTFOUND, /* no such object */
	PB_ERR_EXISTS,   /* object already exists / conflict */
	PB_ERR_DB,       /* SQLite reported an error */
	PB_ERR_CRYPTO,   /* signature or hash did not verify */
	PB_ERR_DENIED,   /* authentication failed or not allowed */
	PB_ERR_LIMIT,    /* too large, too many, rate limited */
	PB_ERR_STATE,    /* not possible in the current state */
	PB_ERR_TIMEOUT   /* a deadline passed */
} pb_err;

/* A short English description of an error code. */
const char *pb_strerror(pb_err err);

#define PB_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
