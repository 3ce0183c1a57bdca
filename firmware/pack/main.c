/* main.c — pamong-pack, the course author's tool: validate course sources,
 * build content packs, make keys, sign and verify packs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "course.h"
#include "diag.h"
#include "log.h"
#include "packfile.h"
#include "preview.h"
#include "scaffold.h"
#include "sign.h"
#include "util.h"

#define EXIT_PROBLEM 1
#define EXIT_USAGE   2

static void
usage(FILE *f)
{
	fputs(TR(
	    "Pemakaian: pamong-pack PERINTAH ...\n"
	    "\n"
	    "  new FOLDER                        buat kursus kecil yang sah untuk dimulai\n"
	    "                                    (nama folder menjadi id kursus)\n"
	    "  preview FOLDER [--port N]         tampilkan kursus seperti di ponsel peserta\n"
	    "                                    di http://127.0.0.1:8088/ (dibaca ulang\n"
	    "                                    setiap kali halaman dimuat)\n"
	    "  validate FOLDER                   periksa sumber kursus; setiap masalah\n"
	    "                                    dicetak sebagai berkas:baris: pesan\n"
	    "  build FOLDER -o PAKET.pack [--dev] periksa, lalu buat paket konten\n"
	    "                                    (--dev: paket pengembangan)\n"
	    "    --media-budget MB               (validate, build) peringatkan berkas\n"
	    "                                    media yang lebih besar (bawaan: 2)\n"
	    "  keygen -o NAMA.key                buat kunci Ed25519: NAMA.key (rahasia)\n"
	    "                                    dan NAMA.pub (publik)\n"
	    "  sign PAKET.pack -k NAMA.key       tandatangani paket (manifest.sig)\n"
	    "  verify PAKET.pack [-p NAMA.pub]   periksa ukuran dan SHA-256 setiap berkas,\n"
	    "                                    dan tanda tangan bila -p diberikan\n"
	    "  --help, --version\n"
	    "\n"
	    "Status keluar: 0 berhasil, 1 ada masalah, 2 pemakaian salah.\n"
	    "Pesan dalam bahasa Indonesia; LANG=en_US.UTF-8 untuk bahasa Inggris.\n"
	    "Format kursus dan paket: content/FORMAT.md\n",
	    "Usage: pamong-pack COMMAND ...\n"
	    "\n"
	    "  new DIR                           write a small valid course to start from\n"
	    "                                    (the folder's name becomes the course id)\n"
	    "  preview DIR [--port N]            show the course as a learner's phone does\n"
	    "                                    on http://127.0.0.1:8088/ (read again\n"
	    "                                    at every page load)\n"
	    "  validate DIR                      check course sources; every problem\n"
	    "                                    is printed as file:line: message\n"
	    "  build DIR -o PACK.pack [--dev]    check, then build the content pack\n"
	    "                                    (--dev: a development pack)\n"
	    "    --media-budget MB               (validate, build) warn of media files\n"
	    "                                    larger than this (default: 2)\n"
	    "  keygen -o NAME.key                make an Ed25519 key: NAME.key (secret)\n"
	    "                                    and NAME.pub (public)\n"
	    "  sign PACK.pack -k NAME.key        sign the pack (manifest.sig)\n"
	    "  verify PACK.pack [-p NAME.pub]    check every file's size and SHA-256,\n"
	    "                                    and the signature when -p is given\n"
	    "  --help, --version\n"
	    "\n"
	    "Exit status: 0 success, 1 problems found, 2 usage error.\n"
	    "Messages in Bahasa Indonesia unless LANG starts with \"en\".\n"
	    "Course and pack format: content/FORMAT.md\n"), f);
}

static int
usage_error(const char *what)
{
	fprintf(stderr, "pamong-pack: %s\n", what);
	fprintf(stderr, "%s\n", TR("Lihat: pamong-pack --help", "See: pamong-pack --help"));
	return EXIT_USAGE;
}

/* Options shared by every command; each command says which it accepts. */
struct cli {
	const char *pos;    /* the one positional argument */
	const char *out;    /* -o */
	const char *key;    /* -k */
	const char *pub;    /* -p */
	int dev;            /* --dev */
	long port;          /* --port */
	const char *webroot; /* --webroot */
	struct course_opts copts; /* --media-budget MB */
};

/* Parse argv of one command. allowed lists the short options it takes
 * ("o", "k", "p", "d" for --dev, "m" for --media-budget); want_pos says whether it needs the
 * positional argument. Returns 0 or an exit code. */
static int
cli_parse(int argc, char **argv, const char *allowed, int want_pos, struct cli *c)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"key", required_argument, NULL, 'k'},
		{"pub", required_argument, NULL, 'p'},
		{"dev", no_argument, NULL, 'd'},
		{"media-budget", required_argument, NULL, 'm'},
		{"port", required_argument, NULL, 'P'},
		{"webroot", required_argument, NULL, 'w'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	memset(c, 0, sizeof(*c));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":o:k:p:", longopts, NULL)) != -1) {
		if (ch == '?' || ch == ':' || strchr(allowed, ch) == NULL) {
			char msg[128];

			snprintf(msg, sizeof(msg), TR("opsi tidak dikenal atau tanpa nilai untuk %s: %s",
			    "unknown option or missing value for %s: %s"), argv[0], argv[optind - 1]);
			return usage_error(msg);
		}
		switch (ch) {
		case 'o': c->out = optarg; break;
		case 'k': c->key = optarg; break;
		case 'p': c->pub = optarg; break;
		case 'd': c->dev = 1; break;
		case 'w': c->webroot = optarg; break;
		case 'P': {
			char *end;

			c->port = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || c->port < 1 || c->port > 65535)
				return usage_error(TR("--port perlu nomor 1..65535", "--port needs a number 1..65535"));
			break;
		}
		case 'm': {
			char *end;
			double mb = strtod(optarg, &end);

			if (end == optarg || *end != '\0' || !(mb > 0 && mb <= 4096))
				return usage_error(TR("--media-budget perlu ukuran dalam MB, misalnya 2 atau 0.5",
				    "--media-budget needs a size in MB, e.g. 2 or 0.5"));
			c->copts.media_budget = (unsigned long long)(mb * (1 << 20) + 0.5);
			break;
		}
		}
	}
	if (want_pos && argc - optind != 1)
		return usage_error(TR("perlu tepat satu folder atau berkas", "needs exactly one folder or file"));
	if (!want_pos && argc - optind != 0)
		return usage_error(TR("argumen berlebih", "too many arguments"));
	c->pos = want_pos ? argv[optind] : NULL;
	return 0;
}

/* Load and check a course; prints every problem. Returns 0 or 1. */
static int
load_course(const char *dir, const struct course_opts *co, struct course *c)
{
	struct diags d = {0};
	pb_err rc = course_load_with(dir, co, c, &d);

	diag_print(&d, stderr);
	diag_free(&d);
	return rc == PB_OK ? 0 : EXIT_PROBLEM;
}

static int
cmd_new(int argc, char **argv)
{
	struct cli o;
	char err[512];
	int rc;

	if ((rc = cli_parse(argc, argv, "", 1, &o)) != 0)
		return rc;
	if (scaffold_write(o.pos, err, sizeof(err)) != PB_OK) {
		fprintf(stderr, "pamong-pack: %s\n", err);
		return EXIT_PROBLEM;
	}
	printf(TR("OK: kursus baru di %s (course.yaml, 2 materi, quiz.yaml, media/alur.svg)\n"
	    "Lalu:  pamong-pack preview %s     lihat seperti di ponsel peserta\n"
	    "       pamong-pack validate %s\n"
	    "       pamong-pack build %s -o KURSUS.pack\n",
	    "OK: a new course in %s (course.yaml, 2 lessons, quiz.yaml, media/alur.svg)\n"
	    "Then:  pamong-pack preview %s     see it as a learner's phone does\n"
	    "       pamong-pack validate %s\n"
	    "       pamong-pack build %s -o COURSE.pack\n"), o.pos, o.pos, o.pos, o.pos);
	return 0;
}

static int
cmd_preview(int argc, char **argv)
{
	struct preview_opts po = {0};
	struct cli o;
	pb_err rc;
	int r;

	if ((r = cli_parse(argc, argv, "mPw", 1, &o)) != 0)
		return r;
	po.dir = o.pos;
	po.port = o.port;
	po.webroot = o.webroot;
	po.media_budget = o.copts.media_budget;
	rc = preview_run(&po);
	return rc == PB_OK ? 0 : EXIT_PROBLEM;
}

static int
cmd_validate(int argc, char **argv)
{
	struct course c;
	struct cli o;
	int rc;

	if ((rc = cli_parse(argc, argv, "m", 1, &o)) != 0)
		return rc;
	if ((rc = load_course(o.pos, &o.copts, &c)) == 0)
		printf(TR("OK: %s %s — %zu materi, %zu pertanyaan, %zu berkas media\n",
		    "OK: %s %s — %zu lessons, %zu questions, %zu media files\n"), c.id, c.version,
		    c.nlessons, c.nquestions, c.nmedia);
	course_free(&c);
	return rc;
}

/* A warning when out already holds a pack of this course and version with
 * other contents: a box that installed that version skips this one. */
static void
warn_same_version(const char *out, const struct course *c, const struct pack *p)
{
	const struct pack_entry *m_old, *m_new = pack_find(p, "manifest.json");
	struct pack old = {0};
	char err[512], *want = NULL;

	if (access(out, F_OK) != 0 || pack_read(out, &old, err, sizeof(err)) != PB_OK)
		goto out;
	m_old = pack_find(&old, "manifest.json");
	if (m_old == NULL || m_new == NULL || asprintf(&want, "\"version\": \"%s\"", c->version) < 0)
		goto out;
	/* the same id and version, other files */
	if (memmem(m_old->data, m_old->len, want, strlen(want)) != NULL &&
	    (m_old->len != m_new->len || memcmp(m_old->data, m_new->data, m_new->len) != 0))
		fprintf(stderr, TR("%s: peringatan: versi %s sama dengan paket yang sudah ada di sini, "
		    "tetapi isinya berbeda: kotak yang sudah memasang %s melewati paket ini; naikkan "
		    "version di course.yaml (misalnya ke versi PATCH berikutnya)\n",
		    "%s: warning: version %s is the same as the pack already here, but its contents "
		    "differ: a box that installed %s skips this pack; raise version in course.yaml "
		    "(e.g. to the next PATCH)\n"), out, c->version, c->version);
out:
	free(want);
	pack_free(&old);
}

static int
cmd_build(int argc, char **argv)
{
	struct pack p = {0};
	struct course c;
	struct cli o;
	char err[512];
	int rc;

	if ((rc = cli_parse(argc, argv, "odm", 1, &o)) != 0)
		return rc;
	if (o.out == NULL)
		return usage_error(TR("build perlu -o PAKET.pack", "build needs -o PACK.pack"));
	if ((rc = load_course(o.pos, &o.copts, &c)) != 0)
		goto out;
	rc = EXIT_PROBLEM;
	if (build_pack(&c, o.pos, o.dev, &p, err, sizeof(err)) == PB_OK)
		warn_same_version(o.out, &c, &p);
	else
		goto fail;
	if (pack_write(&p, o.out, err, sizeof(err)) != PB_OK)
		goto fail;
	printf(TR("OK: %s (%s %s, %zu berkas tercantum di manifest.json%s)\n",
	    "OK: %s (%s %s, %zu files listed in manifest.json%s)\n"), o.out, c.id, c.version,
	    build_manifest_count(&p), o.dev ? TR(", pengembangan", ", development") : "");
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "pamong-pack: %s\n", err);
out:
	pack_free(&p);
	course_free(&c);
	return rc;
}

static int
cmd_keygen(int argc, char **argv)
{
	struct cli o;
	char err[512];
	char *pub;
	int rc;

	if ((rc = cli_parse(argc, argv, "o", 0, &o)) != 0)
		return rc;
	if (o.out == NULL)
		return usage_error(TR("keygen perlu -o NAMA.key", "keygen needs -o NAME.key"));
	if (sign_keygen(o.out, err, sizeof(err)) != PB_OK) {
		fprintf(stderr, "pamong-pack: %s\n", err);
		return EXIT_PROBLEM;
	}
	pub = sign_pub_path(o.out);
	printf(TR("OK: %s (rahasia, simpan baik-baik) dan %s (publik)\n",
	    "OK: %s (secret, keep it safe) and %s (public)\n"), o.out, pub ? pub : "?");
	free(pub);
	return 0;
}

static int
cmd_sign(int argc, char **argv)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	struct sign_info info;
	struct pack p = {0};
	struct cli o;
	char err[512];
	int rc;

	if ((rc = cli_parse(argc, argv, "k", 1, &o)) != 0)
		return rc;
	if (o.key == NULL)
		return usage_error(TR("sign perlu -k NAMA.key", "sign needs -k NAME.key"));
	rc = EXIT_PROBLEM;
	if (sign_load_secret(o.key, sk, err, sizeof(err)) != PB_OK) {
		fprintf(stderr, "pamong-pack: %s\n", err);
		goto out;
	}
	/* a pack whose files do not match its manifest must not get signed */
	if (pack_read(o.pos, &p, err, sizeof(err)) != PB_OK ||
	    sign_check(&p, NULL, &info, err, sizeof(err)) != PB_OK ||
	    sign_pack(&p, sk, err, sizeof(err)) != PB_OK ||
	    pack_write(&p, o.pos, err, sizeof(err)) != PB_OK) {
		fprintf(stderr, "%s: %s\n", o.pos, err);
		goto out;
	}
	printf(TR("OK: %s ditandatangani\n", "OK: %s signed\n"), o.pos);
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	pack_free(&p);
	return rc;
}

static int
cmd_verify(int argc, char **argv)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	struct sign_info info;
	struct pack p = {0};
	struct cli o;
	char err[512];
	const char *sig;
	int rc;

	if ((rc = cli_parse(argc, argv, "p", 1, &o)) != 0)
		return rc;
	rc = EXIT_PROBLEM;
	if (o.pub != NULL && sign_load_public(o.pub, pk, err, sizeof(err)) != PB_OK) {
		fprintf(stderr, "pamong-pack: %s\n", err);
		goto out;
	}
	if (pack_read(o.pos, &p, err, sizeof(err)) != PB_OK ||
	    sign_check(&p, o.pub != NULL ? pk : NULL, &info, err, sizeof(err)) != PB_OK) {
		fprintf(stderr, "%s: %s\n", o.pos, err);
		goto out;
	}
	if (info.sig_checked)
		sig = TR("tanda tangan sah", "signature verified");
	else if (info.has_sig)
		sig = TR("bertanda tangan (tidak diperiksa: tanpa -p)", "signed (not checked: no -p)");
	else
		sig = TR("tidak bertanda tangan", "unsigned");
	printf(TR("OK: %s %s%s, %zu berkas tercantum di manifest.json, %s\n",
	    "OK: %s %s%s, %zu files listed in manifest.json, %s\n"), info.id,
	    info.version, info.dev ? TR(" (pengembangan)", " (development)") : "", info.nfiles, sig);
	rc = 0;
out:
	pack_free(&p);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"new", cmd_new}, {"preview", cmd_preview}, {"validate", cmd_validate}, {"build", cmd_build}, {"keygen", cmd_keygen},
		{"sign", cmd_sign}, {"verify", cmd_verify},
	};
	size_t i;

	diag_init_lang();
	log_init("pamong-pack", 1, 0);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("pamong-pack %s\n", PB_VERSION);
		return 0;
	}
	if (util_init() != PB_OK) {
		fprintf(stderr, "pamong-pack: libsodium\n");
		return EXIT_PROBLEM;
	}
	for (i = 0; i < PB_ARRAY_LEN(cmds); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	return usage_error(TR("perintah tidak dikenal", "unknown command"));
}
