/* names.c — see names.h. */
#include "names.h"

#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <uninorm.h>
#include <unistr.h>

static enum names_err
names__class(ucs4_t c)
{
	if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029)
		return NAMES_CONTROL;
	if (c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069))
		return NAMES_BIDI;
	if ((c >= 0x200b && c <= 0x200d) || c == 0x2060 || c == 0xfeff)
		return NAMES_ZERO_WIDTH;
	return NAMES_OK;
}

enum names_err
names_check(const char *utf8, uint32_t *cp)
{
	const uint8_t *s = (const uint8_t *)utf8;
	size_t n = strlen(utf8);
	enum names_err e;
	ucs4_t c;
	int k;

	if (cp != NULL)
		*cp = 0;
	if (u8_check(s, n) != NULL)
		return NAMES_BAD_UTF8;
	while (n > 0) {
		k = u8_mbtouc(&c, s, n);
		if ((e = names__class(c)) != NAMES_OK) {
			if (cp != NULL)
				*cp = (uint32_t)c;
			return e;
		}
		s += k;
		n -= (size_t)k;
	}
	return NAMES_OK;
}

const char *
names_strerror(enum names_err e)
{
	switch (e) {
	case NAMES_OK:
		return "no problem";
	case NAMES_BAD_UTF8:
		return "not valid UTF-8";
	case NAMES_CONTROL:
		return "a control character";
	case NAMES_BIDI:
		return "a bidirectional control character";
	case NAMES_ZERO_WIDTH:
		return "a zero-width character";
	}
	return "an unknown problem";
}

char *
names_nfc(const char *utf8, size_t *len)
{
	const uint8_t *s = (const uint8_t *)utf8;
	size_t n = strlen(utf8), outlen = 0;
	uint8_t *norm;
	char *out;

	if (u8_check(s, n) != NULL)
		return NULL;
	if ((norm = u8_normalize(UNINORM_NFC, s, n, NULL, &outlen)) == NULL && n > 0)
		return NULL;
	if ((out = malloc(outlen + 1)) != NULL) {
		if (outlen > 0)
			memcpy(out, norm, outlen);
		out[outlen] = '\0';
		if (len != NULL)
			*len = outlen;
	}
	free(norm);
	return out;
}

int
names_latin_letter(uint32_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
		return 1;
	if (c >= 0xc0 && c <= 0x24f)
		return c != 0xd7 && c != 0xf7;
	return c >= 0x1e00 && c <= 0x1eff;
}

char *
names_lower(const char *utf8)
{
	const uint8_t *s = (const uint8_t *)utf8;
	size_t n = strlen(utf8), outlen = 0;
	uint8_t *low;
	char *out;

	if (u8_check(s, n) != NULL)
		return NULL;
	if ((low = u8_tolower(s, n, NULL, UNINORM_NFC, NULL, &outlen)) == NULL && n > 0)
		return NULL;
	if ((out = malloc(outlen + 1)) != NULL) {
		if (outlen > 0)
			memcpy(out, low, outlen);
		out[outlen] = '\0';
	}
	free(low);
	return out;
}
