/* scaffold.c — the starter course of `pamong-pack new`. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "course.h"
#include "diag.h"
#include "fsutil.h"
#include "scaffold.h"

/* The files, relative to the course folder; "%s" in course.yaml is the id. */
#define SCAFFOLD__COURSE \
    "# Manifes kursus; arti setiap kunci ada di content/FORMAT.md.\n" \
    "id: %s\n" \
    "title: Kursus Baru\n" \
    "summary: >-\n" \
    "  Ringkasan satu paragraf: apa yang dipelajari peserta dalam kursus ini.\n" \
    "language: id\n" \
    "version: 0.1.0\n" \
    "passing_score: 70\n" \
    "feedback: immediate\n" \
    "lessons:\n" \
    "  - id: pengantar\n" \
    "    title: Pengantar\n" \
    "    file: lessons/01-pengantar.md\n" \
    "    minutes: 3\n" \
    "  - id: langkah\n" \
    "    title: Langkah demi Langkah\n" \
    "    file: lessons/02-langkah.md\n" \
    "    minutes: 4\n" \
    "quiz: quiz.yaml\n"

static const char scaffold__lesson1[] =
    "# Pengantar\n"
    "\n"
    "Tulis materi dalam Markdown. Paragraf dipisah baris kosong; **tebal** dan\n"
    "*miring* seperti ini.\n"
    "\n"
    "![Bagan alur tiga langkah](../media/alur.svg)\n"
    "\n"
    "Gambar, audio, video, dan PDF disimpan di folder `media/` dan ditulis\n"
    "relatif terhadap berkas materi ini: `../media/NAMA`.\n";

static const char scaffold__lesson2[] =
    "# Langkah demi Langkah\n"
    "\n"
    "1. Siapkan bahan.\n"
    "2. Kerjakan bersama.\n"
    "3. Laporkan hasilnya.\n"
    "\n"
    "| Langkah | Siapa | Kapan |\n"
    "|---|---|---|\n"
    "| Menyiapkan bahan | Sekretaris desa | Seminggu sebelumnya |\n"
    "| Melaporkan hasil | Kepala desa | Setelah selesai |\n"
    "\n"
    "Tabel yang lebar ditampilkan bertumpuk di ponsel kecil.\n";

static const char scaffold__quiz[] =
    "questions:\n"
    "  - id: q1\n"
    "    type: single\n"
    "    text: Di folder mana gambar untuk materi disimpan?\n"
    "    choices:\n"
    "      - text: media/\n"
    "        correct: true\n"
    "      - text: lessons/\n"
    "    explanation: >-\n"
    "      Semua gambar, audio, video, dan PDF disimpan di folder media/.\n"
    "  - id: q2\n"
    "    type: multiple\n"
    "    text: Mana saja yang ada di tabel langkah?\n"
    "    choices:\n"
    "      - text: Menyiapkan bahan\n"
    "        correct: true\n"
    "      - text: Melaporkan hasil\n"
    "        correct: true\n"
    "      - text: Membeli alat\n"
    "    explanation: >-\n"
    "      Tabel berisi dua langkah: menyiapkan bahan dan melaporkan hasil.\n";

static const char scaffold__svg[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 300 80\" role=\"img\">"
    "<title>Tiga langkah</title>"
    "<g font-family=\"sans-serif\" font-size=\"14\" text-anchor=\"middle\">"
    "<rect x=\"5\" y=\"20\" width=\"80\" height=\"40\" rx=\"8\" fill=\"#dcf1e4\" stroke=\"#0b5d3b\"/>"
    "<text x=\"45\" y=\"45\">Siapkan</text>"
    "<rect x=\"110\" y=\"20\" width=\"80\" height=\"40\" rx=\"8\" fill=\"#dcf1e4\" stroke=\"#0b5d3b\"/>"
    "<text x=\"150\" y=\"45\">Kerjakan</text>"
    "<rect x=\"215\" y=\"20\" width=\"80\" height=\"40\" rx=\"8\" fill=\"#dcf1e4\" stroke=\"#0b5d3b\"/>"
    "<text x=\"255\" y=\"45\">Laporkan</text>"
    "<path d=\"M88 40h18M193 40h18\" stroke=\"#0b5d3b\" stroke-width=\"3\"/>"
    "</g></svg>\n";

/* The last part of path, without trailing slashes, into out. */
static void
scaffold__base(const char *path, char *out, size_t outlen)
{
	size_t n = strlen(path);
	const char *s;

	while (n > 1 && path[n - 1] == '/')
		n--;
	s = path + n;
	while (s > path && s[-1] != '/')
		s--;
	snprintf(out, outlen, "%.*s", (int)(path + n - s), s);
}

/* 1 if dir does not exist or is an empty folder. */
static int
scaffold__empty(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int empty = 1;

	if (d == NULL)
		return errno == ENOENT;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
}

/* Write dir/rel with data; never over an existing file. */
static pb_err
scaffold__file(const char *dir, const char *rel, const char *data, size_t len, char *err,
    size_t errlen)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0 ||
	    write(fd, data, len) != (ssize_t)len) {
		snprintf(err, errlen, TR("%s: tidak bisa ditulis (%s)", "%s: cannot be written (%s)"),
		    path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return PB_ERR_IO;
	}
	if (close(fd) != 0) {
		snprintf(err, errlen, TR("%s: tidak bisa ditulis (%s)", "%s: cannot be written (%s)"),
		    path, strerror(errno));
		return PB_ERR_IO;
	}
	return PB_OK;
}

pb_err
scaffold_write(const char *dir, char *err, size_t errlen)
{
	char id[256], sub[4096], course[sizeof(SCAFFOLD__COURSE) + 64];
	const char *subs[] = {"lessons", "media"};
	pb_err rc;
	size_t i;
	int n;

	scaffold__base(dir, id, sizeof(id));
	if (!course_id_ok(id, 3, 48)) {
		snprintf(err, errlen, TR("%s: nama folder menjadi id kursus, jadi harus 3 sampai 48 "
		    "huruf kecil, angka, atau tanda - (misalnya desa-arsip)",
		    "%s: the folder's name becomes the course id, so it must be 3 to 48 lower-case "
		    "letters, digits or - (e.g. village-archive)"), dir);
		return PB_ERR_INVALID;
	}
	if (!scaffold__empty(dir)) {
		snprintf(err, errlen, TR("%s: folder ini sudah ada dan berisi; pilih folder baru "
		    "(tidak ada yang ditimpa)", "%s: this folder exists and is not empty; choose a new "
		    "one (nothing is overwritten)"), dir);
		return PB_ERR_INVALID;
	}
	for (i = 0; i < PB_ARRAY_LEN(subs); i++) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, subs[i]);
		if (fs_mkdirs(sub, 0755) != PB_OK) {
			snprintf(err, errlen, TR("%s: folder tidak bisa dibuat (%s)",
			    "%s: cannot make the folder (%s)"), sub, strerror(errno));
			return PB_ERR_IO;
		}
	}
	n = snprintf(course, sizeof(course), SCAFFOLD__COURSE, id);
	if ((rc = scaffold__file(dir, "course.yaml", course, (size_t)n, err, errlen)) != PB_OK ||
	    (rc = scaffold__file(dir, "lessons/01-pengantar.md", scaffold__lesson1,
		sizeof(scaffold__lesson1) - 1, err, errlen)) != PB_OK ||
	    (rc = scaffold__file(dir, "lessons/02-langkah.md", scaffold__lesson2,
		sizeof(scaffold__lesson2) - 1, err, errlen)) != PB_OK ||
	    (rc = scaffold__file(dir, "quiz.yaml", scaffold__quiz, sizeof(scaffold__quiz) - 1,
		err, errlen)) != PB_OK ||
	    (rc = scaffold__file(dir, "media/alur.svg", scaffold__svg, sizeof(scaffold__svg) - 1,
		err, errlen)) != PB_OK)
		return rc;
	return PB_OK;
}
