/* password.h — the rules a new staff password must meet. At least
 * PASSWORD_MIN_LEN characters; more than one kind of character (lower-case
 * letters, upper-case letters, digits, anything else); not one of the most
 * common passwords (a built-in list of about 150, with Indonesian ones),
 * compared without case and also with leading and trailing digits, marks
 * and spaces removed, so "Bismillah2024!" counts as "bismillah"; and not the
 * user's own name (the same comparison). Checked when a password is set,
 * never at login: an existing account keeps working. */
#ifndef HUB_PASSWORD_H
#define HUB_PASSWORD_H

#define PASSWORD_MIN_LEN 10 /* characters (UTF-8 code points) */

enum password_problem {
	PASSWORD_OK = 0,
	PASSWORD_SHORT,     /* fewer than PASSWORD_MIN_LEN characters */
	PASSWORD_ONE_KIND,  /* only one kind of character */
	PASSWORD_COMMON,    /* on the list of common passwords */
	PASSWORD_IS_NAME    /* the user's name */
};

/* What, if anything, is wrong with pw as the password of user name. */
enum password_problem password_check(const char *name, const char *pw);

/* The problem for a person: Bahasa Indonesia, " / ", English. */
const char *password_message(enum password_problem p);

#endif
