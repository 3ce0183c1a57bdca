"""The facilitator card (make docs): tools/make-card.sh prints
docs/card/facilitator-card.html to a PDF that is one A5 page, for every
box (a space for the Wi-Fi sticker) and for one box (its Wi-Fi QR code);
rendered to PNG, the QR codes read back as the Wi-Fi network and the app's
address. The committed docs/FACILITATOR-CARD.pdf is one A5 page too."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import ROOT, eq, ok, run_tests  # noqa: E402

TMP = tempfile.mkdtemp(prefix="pb-card-")


def pdfinfo(pdf):
    out = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
    w, h = (float(x) for x in re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", out, re.M).groups())
    return pages, w, h


def is_a5(w, h):  # 148 x 210 mm in points
    return abs(w - 419.5) < 2 and abs(h - 595.3) < 2


def render(pdf, name):
    png = os.path.join(TMP, name)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", pdf, png], check=True)
    return png + ".png"


def qr_codes(png):
    r = subprocess.run(["zbarimg", "-q", "--raw", png], capture_output=True, text=True)
    return sorted(r.stdout.split("\n")[:-1]) if r.stdout else []


def make(out, *args):
    return subprocess.run([os.path.join(ROOT, "tools", "make-card.sh"), out, *args],
                          capture_output=True, text=True, cwd=ROOT)


def test_committed_card():
    pdf = os.path.join(ROOT, "docs", "FACILITATOR-CARD.pdf")
    pages, w, h = pdfinfo(pdf)
    eq(pages, 1, "docs/FACILITATOR-CARD.pdf is one page")
    ok(is_a5(w, h), "docs/FACILITATOR-CARD.pdf is A5 (%.0f x %.0f pt)" % (w, h))


def test_card_for_every_box():
    pdf = os.path.join(TMP, "card.pdf")
    r = make(pdf)
    ok(r.returncode == 0, "make-card.sh prints the card", r.stdout + r.stderr)
    pages, w, h = pdfinfo(pdf)
    eq(pages, 1, "the card is one page")
    ok(is_a5(w, h), "the card is A5")
    png = render(pdf, "card")
    ok(os.path.getsize(png) > 20000, "rendered to PNG (%s)" % png)
    eq(qr_codes(png), ["http://10.42.0.1/"], "its QR code opens the app's address")
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
    for words in ("Menyalakan", "Arti lampu", "Tombol", "berkedip cepat", "tempel stiker"):
        ok(words in text, "the card says " + words)


def test_card_for_one_box():
    pdf = os.path.join(TMP, "box.pdf")
    r = make(pdf, "PamongBox-7F3A", "x6pp;jzye-df27-mrnm")
    ok(r.returncode == 0, "make-card.sh prints one box's card", r.stdout + r.stderr)
    eq(pdfinfo(pdf)[0], 1, "one box's card is one page")
    codes = qr_codes(render(pdf, "box"))
    eq(codes, sorted(["WIFI:T:WPA;S:PamongBox-7F3A;P:x6pp\\;jzye-df27-mrnm;;", "http://10.42.0.1/"]),
       "its QR codes join the box's Wi-Fi (special characters escaped) and open the app")


try:
    run_tests(globals())
finally:
    shutil.rmtree(TMP, ignore_errors=True)
