/* names.c — see names.h. */
#include "names.h"

#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
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
	if ((c >= 0x200b && c <= 0x200d) || c == 0x2060 || c == 0xfeff ||
	    uc_is_property_default_ignorable_code_point(c))
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

/* Letters that look like a Latin letter (or a digit that looks like one),
 * after NFKD has turned full-width, mathematical and other compatibility
 * forms into plain ones: Latin letters with a stroke or without their dot,
 * and the Greek, Cyrillic and Armenian letters of Unicode's confusables
 * list (UTS #39) that a Latin letter of the same case looks like. to 0:
 * dropped (the middle dot NFKD leaves of "ŀ"). Sorted by from. */
static const struct {
	uint16_t from;
	char to;
} names__alike[] = {
	{ 0x0030, 'o' }, { 0x0031, 'l' }, { 0x00b7, 0 }, { 0x00d8, 'O' }, { 0x00f8, 'o' },
	{ 0x0110, 'D' }, { 0x0111, 'd' }, { 0x0126, 'H' }, { 0x0127, 'h' }, { 0x0131, 'i' },
	{ 0x0141, 'L' }, { 0x0142, 'l' }, { 0x0180, 'b' }, { 0x0189, 'D' }, { 0x0192, 'f' },
	{ 0x0196, 'l' }, { 0x019a, 'l' }, { 0x01c0, 'l' }, { 0x0237, 'j' }, { 0x0251, 'a' },
	{ 0x0256, 'd' }, { 0x0261, 'g' }, { 0x0269, 'i' }, { 0x026a, 'i' }, { 0x026b, 'l' },
	{ 0x028f, 'y' },
	/* Greek */
	{ 0x0391, 'A' }, { 0x0392, 'B' }, { 0x0395, 'E' }, { 0x0396, 'Z' }, { 0x0397, 'H' },
	{ 0x0399, 'I' }, { 0x039a, 'K' }, { 0x039c, 'M' }, { 0x039d, 'N' }, { 0x039f, 'O' },
	{ 0x03a1, 'P' }, { 0x03a4, 'T' }, { 0x03a5, 'Y' }, { 0x03a7, 'X' }, { 0x03b1, 'a' },
	{ 0x03b3, 'y' }, { 0x03b9, 'i' }, { 0x03ba, 'k' }, { 0x03bd, 'v' }, { 0x03bf, 'o' },
	{ 0x03c1, 'p' }, { 0x03c5, 'u' }, { 0x03c7, 'x' }, { 0x03f2, 'c' }, { 0x03f3, 'j' },
	{ 0x03f9, 'C' },
	/* Cyrillic */
	{ 0x0405, 'S' }, { 0x0406, 'I' }, { 0x0408, 'J' }, { 0x0410, 'A' }, { 0x0412, 'B' },
	{ 0x0415, 'E' }, { 0x041a, 'K' }, { 0x041c, 'M' }, { 0x041d, 'H' }, { 0x041e, 'O' },
	{ 0x0420, 'P' }, { 0x0421, 'C' }, { 0x0422, 'T' }, { 0x0423, 'Y' }, { 0x0425, 'X' },
	{ 0x0430, 'a' }, { 0x0435, 'e' }, { 0x043e, 'o' }, { 0x0440, 'p' }, { 0x0441, 'c' },
	{ 0x0443, 'y' }, { 0x0445, 'x' }, { 0x0455, 's' }, { 0x0456, 'i' }, { 0x0458, 'j' },
	{ 0x04ae, 'Y' }, { 0x04af, 'y' }, { 0x04ba, 'H' }, { 0x04bb, 'h' }, { 0x04c0, 'I' },
	{ 0x04cf, 'l' }, { 0x0501, 'd' }, { 0x051a, 'Q' }, { 0x051b, 'q' }, { 0x051c, 'W' },
	{ 0x051d, 'w' },
	/* Armenian */
	{ 0x0570, 'h' }, { 0x0578, 'n' }, { 0x057d, 'u' }, { 0x0585, 'o' },
};

/* The look-alike of c: its Latin letter, 0 to drop it, or c itself. */
static ucs4_t
names__fold(ucs4_t c)
{
	size_t lo = 0, hi = sizeof(names__alike) / sizeof(names__alike[0]), mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (names__alike[mid].from == c)
			return (ucs4_t)(unsigned char)names__alike[mid].to;
		if (names__alike[mid].from < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return c;
}

char *
names_key(const char *utf8)
{
	const uint8_t *s = (const uint8_t *)utf8;
	size_t n = strlen(utf8), dlen = 0, flen = 0, klen = 0, o = 0, i;
	uint8_t *d = NULL, *m = NULL, *f = NULL, *g = NULL, *key = NULL;
	char *out = NULL;
	ucs4_t c, prev = 0;
	int k;

	if (u8_check(s, n) != NULL)
		return NULL;
	/* compatibility forms become plain ones (full-width, ligatures,
	 * mathematical letters, long s), accents become combining marks */
	if ((d = u8_normalize(UNINORM_NFKD, s, n, NULL, &dlen)) == NULL && n > 0)
		goto out;
	/* look-alikes become their Latin letter (one byte each, never longer);
	 * invisible characters go */
	if ((m = malloc(dlen + 1)) == NULL)
		goto out;
	for (i = 0; i < dlen; i += (size_t)k) {
		k = u8_mbtouc(&c, d + i, dlen - i);
		if (uc_is_property_default_ignorable_code_point(c))
			continue;
		c = names__fold(c);
		if (c == 0)
			continue;
		o += (size_t)u8_uctomb(m + o, c, (int)(dlen + 1 - o));
	}
	/* without case (Unicode case folding: ß is ss) */
	if ((f = u8_casefold(m, o, NULL, UNINORM_NFD, NULL, &flen)) == NULL && o > 0)
		goto out;
	/* a dot above on i or j (İ folds to i and a dot) adds nothing */
	if ((g = malloc(flen + 1)) == NULL)
		goto out;
	for (i = 0, o = 0; i < flen; i += (size_t)k) {
		k = u8_mbtouc(&c, f + i, flen - i);
		if (c == 0x307 && (prev == 'i' || prev == 'j'))
			continue;
		memcpy(g + o, f + i, (size_t)k);
		o += (size_t)k;
		prev = c;
	}
	if ((key = u8_normalize(UNINORM_NFC, g, o, NULL, &klen)) == NULL && o > 0)
		goto out;
	if ((out = malloc(klen + 1)) != NULL) {
		if (klen > 0)
			memcpy(out, key, klen);
		out[klen] = '\0';
	}
out:
	free(d);
	free(m);
	free(f);
	free(g);
	free(key);
	return out;
}
