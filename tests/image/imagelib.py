"""Helpers of the image tests: find the image make image built, read its
partition table, copy a partition out of it, list and read files of its
file systems without mounting anything (mtools, debugfs)."""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import pbtest  # noqa: E402

ROOT = pbtest.ROOT
IMAGE_DIR = os.environ.get("IMAGE_DIR", os.path.join(ROOT, "build", "image"))
SECTOR = 512


def image_path():
    """The image to test: IMAGE= or the one in build/image."""
    if os.environ.get("IMAGE"):
        return os.environ["IMAGE"]
    found = sorted(glob.glob(os.path.join(IMAGE_DIR, "pamong-box-*-arm64.img")),
                   key=os.path.getmtime)
    if not found:
        print("# no image in %s: run make image" % IMAGE_DIR)
        print("not ok 1 - an image to test")
        sys.exit(1)
    return found[-1]


def run(*cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, **kw)


def partitions(img):
    """sfdisk's view of the image: {label, id, partitions: [{start, size, type, bootable}]}"""
    return json.loads(run("sfdisk", "-J", img).stdout)["partitiontable"]


def extract(img, part, dest):
    """Copy one partition (sfdisk's dict) out of the image, sparse."""
    with open(img, "rb") as src, open(dest, "wb") as out:
        src.seek(part["start"] * SECTOR)
        left = part["size"] * SECTOR
        zero = bytes(1 << 20)
        while left:
            buf = src.read(min(left, 1 << 20))
            if not buf:
                break
            if buf == zero[:len(buf)]:
                out.seek(len(buf), os.SEEK_CUR)
            else:
                out.write(buf)
            left -= len(buf)
        out.truncate(part["size"] * SECTOR)
    return dest


def debugfs(fs, request):
    """One debugfs request on an ext4 image, read-only; its output."""
    return run("debugfs", "-R", request, fs).stdout


def ext4_cat(fs, path):
    return debugfs(fs, "cat " + path)


def tempdir(prefix):
    d = tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("TMPDIR", "/var/tmp"))
    return d


def cleanup(path):
    shutil.rmtree(path, ignore_errors=True)
