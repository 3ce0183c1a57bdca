/* names.h — people's names as text that shows what it says, shared by
 * pamongd and pamong-hub. A name is refused when it is not valid UTF-8 or
 * holds a character that hides or reorders text:
 *   control characters: C0 (U+0000–U+001F, tab and newline too), DEL, C1
 *     (U+0080–U+009F), the line and paragraph separators U+2028, U+2029;
 *   bidirectional formatting: U+061C, U+200E, U+200F, the embeddings and
 *     overrides U+202A–U+202E, the isolates U+2066–U+2069;
 *   zero-width and other invisible characters: U+200B–U+200D, U+2060,
 *     U+FEFF and every other Default_Ignorable_Code_Point (soft hyphen,
 *     combining grapheme joiner, variation selectors, Hangul fillers, tags).
 * Accepted names are kept in Unicode NFC, so the same name typed on two
 * phones (precomposed "é" or "e" + combining accent) is the same string.
 * Normalisation uses libunistring (u8_normalize). */
#ifndef NAMES_H
#define NAMES_H

#include <stddef.h>
#include <stdint.h>

enum names_err {
	NAMES_OK = 0,
	NAMES_BAD_UTF8,    /* not valid UTF-8 */
	NAMES_CONTROL,     /* a control character */
	NAMES_BIDI,        /* a bidirectional formatting character */
	NAMES_ZERO_WIDTH   /* a zero-width character */
};

/* Check a NUL-terminated name; on a refusal *cp (if not NULL) is the first
 * character at fault (0 for bad UTF-8). */
enum names_err names_check(const char *utf8, uint32_t *cp);

/* What is wrong, in English, e.g. "a bidirectional control character". */
const char *names_strerror(enum names_err e);

/* The NFC form of valid UTF-8 text: malloc'd, NUL-terminated, its length in
 * *len (may be NULL). NULL if out of memory or not valid UTF-8. */
char *names_nfc(const char *utf8, size_t *len);

/* Non-zero if c is a letter of the Latin script: A-Z, a-z, and the
 * accented letters of Latin-1, Latin Extended-A/B and Latin Extended
 * Additional (U+00C0-U+024F but the signs x and /, U+1E00-U+1EFF). Names on
 * the box are written in these, so letters of other scripts that look like
 * Latin ones (Cyrillic "a", Greek "o") cannot make a second "Siti". */
int names_latin_letter(uint32_t c);

/* The lower-case (NFC) form of valid UTF-8 text, malloc'd; NULL if out of
 * memory or not valid UTF-8. */
char *names_lower(const char *utf8);

/* The key two names are compared by to find duplicates, after Unicode's
 * confusables skeleton (UTS #39) narrowed to what names here meet: NFKD
 * (full-width "ｒ", ligatures, mathematical letters become plain ones),
 * invisible characters dropped, look-alike letters read as the Latin
 * letter they look like (dotless "ı" and "ł" as i and l, Cyrillic "а" and
 * Greek "ο" as a and o, digits 0 and 1 as o and l), then without case
 * (Unicode case folding), a dot above on i or j dropped, and NFC again.
 * Accents stay: "José" and "Jose" are two names. Not folded: "rn" and "m",
 * and capital I against small l (names are compared without case, and
 * folding those would join real names). malloc'd; NULL if out of memory or
 * not valid UTF-8. For plain and accented Latin names the key is the
 * lower-case NFC name, as before. */
char *names_key(const char *utf8);

#endif
