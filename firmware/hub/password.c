/* password.c — see password.h. */
#include "password.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "pb.h"

/* The most common passwords in leaks, and those Indonesian staff are most
 * likely to choose; lower-case. */
static const char *const password__common[] = {
	"000000", "00000000", "111111", "11111111", "112233", "121212", "123123",
	"123321", "1234", "12341234", "12345", "123456", "1234567", "12345678",
	"123456789", "1234567890", "1234qwer", "17081945", "17agustus1945",
	"1q2w3e", "1q2w3e4r", "1qaz2wsx", "654321", "666666", "7777777", "888888",
	"987654321", "abc123", "abcdef", "admin", "admin123", "administrator",
	"agustus", "aku", "akucintakamu", "akusayangkamu", "alhamdulillah",
	"allahuakbar", "anjing", "arema", "asdf1234", "asdfgh", "asdfghjkl",
	"assalamualaikum", "bandung", "bangsat", "barokah", "baseball", "berkah",
	"bintang", "bismillah", "bismillahirrahmanirrahim", "cantik", "changeme",
	"cinta", "cintaku", "computer", "default", "desa", "desaku", "doraemon",
	"dragon", "football", "freedom", "ganteng", "garuda", "google", "guest",
	"hello", "iloveyou", "indonesia", "indonesiaraya", "internet", "jakarta",
	"jogja", "kabupaten", "kades", "kamu", "kantordesa", "katasandi",
	"kecamatan", "kelurahan", "kepaladesa", "kucing", "letmein", "login",
	"master", "masuk", "mawar", "melati", "merahputih", "merdeka", "michael",
	"monkey", "naruto", "nusantara", "p@ssw0rd", "p@ssword", "pamong",
	"pamongbox", "pamongdesa", "pamonghub", "pancasila", "passw0rd",
	"password", "password1", "pemdes", "pemerintahdesa", "perangkatdesa",
	"persib", "persija", "princess", "pusat", "qazwsx", "qwe123", "qwer1234",
	"qwerty", "qwerty123", "qwertyuiop", "rahasia", "rahasiadong",
	"rahasiaku", "rezeki", "root", "samsung", "sandi", "sayang", "sayangku",
	"secret", "sekdes", "sekretariat", "selamat", "selamatdatang", "semarang",
	"shadow", "staf", "staff", "starwars", "subhanallah", "sukses",
	"sunshine", "superman", "surabaya", "terserah", "test", "trustno1",
	"user", "welcome", "whatever", "yogyakarta", "zaq12wsx", "zxcvbnm",
};

/* s lower-cased into out (ASCII only; other bytes kept). */
static void
password__lower(char *out, const char *s, size_t outlen)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < outlen; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[i] = '\0';
}

/* s without leading and trailing ASCII digits, punctuation and blanks. */
static void
password__core(char *s)
{
	size_t start = 0, end = strlen(s);

	while (end > 0 && (unsigned char)s[end - 1] < 0x80 &&
	    !isalpha((unsigned char)s[end - 1]))
		end--;
	while (start < end && (unsigned char)s[start] < 0x80 &&
	    !isalpha((unsigned char)s[start]))
		start++;
	memmove(s, s + start, end - start);
	s[end - start] = '\0';
}

static int
password__listed(const char *s)
{
	size_t i;

	for (i = 0; s[0] != '\0' && i < PB_ARRAY_LEN(password__common); i++)
		if (strcmp(s, password__common[i]) == 0)
			return 1;
	return 0;
}

enum password_problem
password_check(const char *name, const char *pw)
{
	char low[1024], core[1024], lname[128], cname[128];
	size_t chars = 0;
	int kinds = 0, lower = 0, upper = 0, digit = 0, other = 0;
	const char *p;

	for (p = pw; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c & 0xc0) != 0x80)
			chars++;
		if (islower(c))
			lower = 1;
		else if (isupper(c))
			upper = 1;
		else if (isdigit(c))
			digit = 1;
		else
			other = 1;
	}
	kinds = lower + upper + digit + other;
	password__lower(low, pw, sizeof(low));
	snprintf(core, sizeof(core), "%s", low);
	password__core(core);
	password__lower(lname, name, sizeof(lname));
	snprintf(cname, sizeof(cname), "%s", lname);
	password__core(cname);
	if (strcmp(low, lname) == 0 || (core[0] != '\0' && (strcmp(core, lname) == 0 ||
	    strcmp(core, cname) == 0)))
		return PASSWORD_IS_NAME;
	if (password__listed(low) || password__listed(core))
		return PASSWORD_COMMON;
	if (chars < PASSWORD_MIN_LEN)
		return PASSWORD_SHORT;
	if (kinds < 2)
		return PASSWORD_ONE_KIND;
	return PASSWORD_OK;
}

const char *
password_message(enum password_problem p)
{
	switch (p) {
	case PASSWORD_OK:
		return "kata sandi dapat dipakai / the password is acceptable";
	case PASSWORD_SHORT:
		return "kata sandi terlalu pendek: minimal 10 karakter; beberapa kata"
		    " lebih mudah diingat / the password is too short: at least 10"
		    " characters; a few words are easier to remember";
	case PASSWORD_ONE_KIND:
		return "kata sandi perlu lebih dari satu jenis karakter (huruf kecil, huruf"
		    " besar, angka, spasi atau tanda) / the password needs more than one"
		    " kind of character (lower-case, upper-case, digits, spaces or marks)";
	case PASSWORD_COMMON:
		return "kata sandi ini terlalu umum dan mudah ditebak; pilih yang lain /"
		    " this password is too common and easy to guess; choose another";
	case PASSWORD_IS_NAME:
		return "kata sandi tidak boleh sama dengan nama pengguna / the password"
		    " must not be the user name";
	}
	return "kata sandi tidak dapat dipakai / the password is not acceptable";
}
