"""Carrying data home: the learners CSV opened by LibreOffice (headless,
converted to a flat ODF spreadsheet whose cells are read back), Indonesian
names intact, no formula injection; the bad input table."""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Box, eq, ok, run_tests  # noqa: E402

API = "/api/v1/console"
BOX = Box().start()
FAC = BOX.first_facilitator()
TMP = tempfile.mkdtemp(prefix="pb-console-export-")
NAMES = ["Siti Aminah", "I Gusti Ayu Ngurah", "Ma'ruf Amin", "Sri Wahyuningsih", "Kadék Sutéja"]


def register(c, name, village):
    return c.post("/api/v1/register", {"name": name, "position": "sekretaris-desa",
                                       "village": village, "pin": "482913",
                                       "client_time": 1764400000000})


def setup_learners():
    c = BOX.client()
    villages = c.get("/api/v1/villages")[1]["villages"]
    ids = {}
    for i, n in enumerate(NAMES):
        cl = BOX.client()
        st, me, _ = register(cl, n, villages[i % 2]["code"])
        assert st == 201, (st, me)
        ids[n] = me["id"]
        if i == 0:
            course = cl.get("/api/v1/courses/desa-administrasi")[1]
            for les in course["lessons"]:
                cl.post("/api/v1/courses/desa-administrasi/lessons/%s/open" % les["id"], {})
                cl.post("/api/v1/courses/desa-administrasi/lessons/%s/complete" % les["id"], {"seconds": 120})
    return ids, villages


def cells(fods):
    """The rows of the first sheet of a flat ODF spreadsheet: each cell's
    text, and whether it holds a formula."""
    ns = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
          "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
          "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0"}
    root = ET.parse(fods).getroot()
    sheet = root.find(".//table:table", ns)
    rows = []
    formula = "{%s}formula" % ns["table"]
    for tr in sheet.findall("table:table-row", ns):
        row = []
        for tc in tr.findall("table:table-cell", ns):
            rep = int(tc.get("{%s}number-columns-repeated" % ns["table"], "1"))
            text = "\n".join("".join(p.itertext()) for p in tc.findall("text:p", ns))
            row.extend([(text, tc.get(formula) is not None)] * min(rep, 30))
        while row and row[-1] == ("", False):
            row.pop()
        if row:
            rows.append(row)
    return rows


def libreoffice_open(csv_path):
    """Convert with LibreOffice headless (CSV import: comma, double quote,
    UTF-8) into a flat ODF spreadsheet; its path."""
    out = os.path.join(TMP, "out")
    os.makedirs(out, exist_ok=True)
    profile = "file://" + os.path.join(TMP, "lo-profile")
    r = subprocess.run(["soffice", "-env:UserInstallation=" + profile, "--headless",
                        "--infilter=CSV:44,34,76,1", "--convert-to", "fods", "--outdir", out, csv_path],
                       capture_output=True, text=True, timeout=240)
    path = os.path.join(out, os.path.basename(csv_path)[:-4] + ".fods")
    assert os.path.exists(path), r.stdout + r.stderr
    return path


def test_csv_opens_in_libreoffice():
    ids, villages = setup_learners()
    # a name that arrived some other way than the register form (which
    # would refuse it): the export must still not hand a spreadsheet a formula
    BOX.stop()
    db = sqlite3.connect(BOX.db)
    db.execute("UPDATE learners SET name = ? WHERE id = ?", ('=HYPERLINK("http://x.invalid/";"klik")', ids["Sri Wahyuningsih"]))
    db.execute("UPDATE learners SET name = ? WHERE id = ?", ("@SUM(1+1)", ids["Ma'ruf Amin"]))
    db.commit()
    db.close()
    BOX.start()
    FAC.login()
    st, hdrs, data = FAC.raw("GET", API + "/export/learners.csv")
    eq(st, 200, "the CSV downloads")
    ok(hdrs["content-type"].startswith("text/csv") and "attachment" in hdrs.get("content-disposition", ""),
       "as a text/csv attachment", hdrs)
    ok(data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark")
    data.decode("utf-8")
    path = os.path.join(TMP, "peserta.csv")
    with open(path, "wb") as f:
        f.write(data)
    rows = cells(libreoffice_open(path))
    head = [t for t, _ in rows[0]]
    eq(head[:4], ["ID peserta", "Nama", "Jabatan", "Desa"], "LibreOffice reads the header row (BOM not in the first cell)")
    by_id = {}
    for row in rows[1:]:
        by_id.setdefault(row[0][0], []).append([t for t, _ in row])
    eq(sorted(by_id), sorted(ids.values()), "one learner a row (or a row per course)")
    names = {r[0][1] for r in by_id.values()}
    for n in ("Siti Aminah", "I Gusti Ayu Ngurah", "Kadék Sutéja"):
        ok(n in names, "the name %r is intact in its cell" % n, names)
    ok(not any(f for row in rows for _, f in row), "no cell is a formula")
    ok("'=HYPERLINK(\"http://x.invalid/\";\"klik\")" in names and "'@SUM(1+1)" in names,
       "a name that looks like a formula is text, behind an apostrophe", names)
    siti = by_id[ids["Siti Aminah"]]
    adm = [r for r in siti if r[8] == "desa-administrasi"]
    ok(len(adm) == 1 and adm[0][9] == "sedang belajar" and adm[0][10] == adm[0][11] == "4"
       and adm[0][13] == "tidak" and adm[0][15] == "8",
       "Siti's course: in progress (no quiz yet), 4 of 4 lessons, not passed, 8 minutes", siti)
    ok(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?$", adm[0][16] or ""), "times are readable dates", adm[0])
    v0 = villages[0]["name"]
    ok(any(r[3] == v0 for r in siti), "the village is named", siti)


def test_csv_english_semicolon():
    st, hdrs, data = FAC.raw("GET", API + "/export/learners.csv?lang=en&sep=semicolon")
    text = data.decode("utf-8-sig")
    ok(st == 200 and text.startswith('"Learner ID";"Name";"Position"'), "English headers, semicolons (Excel in Indonesia)", text[:80])


def test_bad_input():
    c = FAC
    st, _, data = c.raw("GET", API + "/export/learners.csv?lang=en")
    ok(st == 200 and data.decode("utf-8-sig").startswith('"Learner ID","Name"'), "lang alone keeps commas", data[:60])
    rows = [
        (API + "/export/learners.csv?lang=fr", 400, "invalid_field"),
        (API + "/export/learners.csv?sep=tab", 400, "invalid_field"),
        (API + "/export/other.csv", 404, "not_found"),
    ]
    for path, want, err in rows:
        st, body, _ = c.get(path)
        eq((st, body and body.get("error")), (want, err), "GET %s -> %d" % (path, want))


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
