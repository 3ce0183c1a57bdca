/* test_relpath.c — course-relative paths: safety, resolving, escaping. */
#include <stdlib.h>

#include "relpath.h"
#include "tap.h"

static void
check_resolve(const char *base, const char *ref, const char *want, const char *what)
{
	char *got = NULL;
	pb_err rc = relpath_resolve(base, ref, &got);

	if (want == NULL)
		CHECK_EQ_INT(rc, PB_ERR_INVALID, what);
	else
		CHECK_EQ_STR(rc == PB_OK ? got : "(error)", want, what);
	free(got);
}

int
main(void)
{
	char *s = NULL;

	CHECK(relpath_is_safe("lessons/01.md"), "a plain relative path is safe");
	CHECK(relpath_is_safe("./quiz.yaml"), "./ is safe");
	CHECK(relpath_is_safe("a..b/c"), "'..' inside a name is safe");
	CHECK(!relpath_is_safe("../x.md"), "a leading .. is unsafe");
	CHECK(!relpath_is_safe("a/../b"), "a .. in the middle is unsafe");
	CHECK(!relpath_is_safe("a/.."), "a trailing .. is unsafe");
	CHECK(!relpath_is_safe("/etc/passwd"), "an absolute path is unsafe");
	CHECK(!relpath_is_safe("lessons\\01.md"), "a backslash is unsafe");
	CHECK(!relpath_is_safe(""), "an empty path is unsafe");

	check_resolve("lessons", "../media/a.svg", "media/a.svg", "../ from lessons/ reaches media/");
	check_resolve("lessons/bab", "../../media/./a.svg", "media/a.svg", "deeper lessons resolve too");
	check_resolve("", "media//a.svg", "media/a.svg", "empty components are dropped");
	check_resolve("lessons", "../../a.svg", NULL, "leaving the root is refused");
	check_resolve("lessons", "..", NULL, "resolving to the root itself is refused");

	CHECK(relpath_unescape("balai%20desa.png", &s) == PB_OK, "%%20 decodes");
	CHECK_EQ_STR(s, "balai desa.png", "...to a space");
	free(s);
	CHECK_EQ_INT(relpath_unescape("a%2", &s), PB_ERR_INVALID, "a cut escape is refused");
	CHECK_EQ_INT(relpath_unescape("a%00b", &s), PB_ERR_INVALID, "an escaped NUL is refused");
	s = relpath_escape("media/balai desa \"x\".png");
	CHECK_EQ_STR(s, "media/balai%20desa%20%22x%22.png", "unsafe URL bytes are %-escaped");
	free(s);
	s = relpath_join("kursus/", "course.yaml");
	CHECK_EQ_STR(s, "kursus/course.yaml", "join does not double the slash");
	free(s);
	s = relpath_dirname("lessons/01.md");
	CHECK_EQ_STR(s, "lessons", "dirname of a lesson is its folder");
	free(s);
	CHECK(relpath_has_scheme("https://x"), "https: is a scheme");
	CHECK(relpath_has_scheme("mailto:a@b"), "mailto: is a scheme");
	CHECK(!relpath_has_scheme("../media/a:b.png"), "a colon after a slash is no scheme");
	return TAP_DONE();
}
