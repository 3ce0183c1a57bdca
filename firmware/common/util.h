/* util.h — small helpers shared by all programs: ids, clocks, text checks. */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "pb.h"

/* Initialise libsodium; call once before any other function here. */
pb_err util_init(void);

/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void util_hex(char *out, const unsigned char *in, size_t len);
/* The value of one hex digit, -1 if c is not one. */
int util_hexval(char c);
/* Parse exactly 2*outlen hex chars; PB_ERR_INVALID on anything else. */
pb_err util_unhex(unsigned char *out, size_t outlen, const char *hex);

/* A random RFC 4122 version 4 UUID, 36 chars + NUL. */
void util_uuid4(char out[37]);
/* Non-zero if s is a lower/upper-case UUID in 8-4-4-4-12 form. */
int util_is_uuid(const char *s);
/* A random token: nbytes of randomness as hex (2*nbytes+1 out). */
void util_token(char *out, size_t nbytes);

/* Wall clock, milliseconds since the epoch. */
int64_t util_wall_ms(void);
/* Monotonic clock (CLOCK_BOOTTIME: includes suspend), milliseconds. */
int64_t util_mono_ms(void);
/* The kernel's boot id (36 chars + NUL); a random id if it cannot be read. */
void util_boot_id(char out[37]);
/* ISO 8601 UTC ("2026-01-02T03:04:05Z") of ms since the epoch. */
void util_iso8601(char out[32], int64_t wall_ms);

/* Non-zero if the len bytes are valid UTF-8 without NUL or C0 controls
 * other than tab, newline and carriage return. */
int util_utf8_valid(const char *s, size_t len);
/* Number of code points in a valid UTF-8 string. */
size_t util_utf8_len(const char *s);

/* SHA-256 of a buffer as 64 hex chars + NUL. */
void util_sha256_hex(char out[65], const void *data, size_t len);

#endif
