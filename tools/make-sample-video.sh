#!/bin/sh
# Makes the sample lesson video of desa-administrasi (lesson "Musyawarah Desa")
# from the course's own picture and espeak-ng speech: about 30 s, 640x360,
# H.264/AAC in MP4 (plays on old Android Chrome and iPhones), under 2 MB,
# with its poster (JPEG) and Indonesian captions (WebVTT) beside it.
#
#   make sample-video   (installs ffmpeg and espeak-ng, then runs this)
#   tools/make-sample-video.sh [COURSE_DIR]   (default content/desa-administrasi)
#
# Needs ffmpeg (with librsvg and libx264) and espeak-ng; run by hand when the
# slides or the text change, and commit the three files it writes to
# COURSE_DIR/media/: musyawarah.mp4, musyawarah.jpg, musyawarah.vtt.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COURSE=${1:-$ROOT/content/desa-administrasi}
OUT=$COURSE/media
for t in ffmpeg espeak-ng; do
	command -v $t >/dev/null 2>&1 || { echo "$0: needs $t (apt-get install ffmpeg espeak-ng)" >&2; exit 2; }
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# One slide per line: the slide (an SVG of the course, or a title card made
# here) and what is said over it, which is also its caption.
slide() { # file, heading, line 1, line 2
	cat >"$TMP/$1" <<SVG
<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" viewBox="0 0 640 360" font-family="DejaVu Sans, sans-serif">
<rect width="640" height="360" fill="#0b5d3b"/>
<text x="320" y="140" fill="#f5e6a8" font-size="40" font-weight="bold" text-anchor="middle">$2</text>
<text x="320" y="205" fill="#ffffff" font-size="26" text-anchor="middle">$3</text>
<text x="320" y="245" fill="#ffffff" font-size="26" text-anchor="middle">$4</text>
</svg>
SVG
}
slide s1.svg "Musyawarah Desa" "forum BPD, pemerintah desa," "dan unsur masyarakat"
slide s3.svg "Hal strategis" "penataan, perencanaan, kerja sama," "BUM Desa, aset desa"
slide s4.svg "Hasilnya" "dituangkan dalam berita acara" "dan dilaksanakan bersama"
# the course's own picture, scaled onto a white 640x360 frame below
cp "$COURSE/media/struktur.svg" "$TMP/s2.svg"

cat >"$TMP/script.txt" <<'TXT'
s1.svg|Musyawarah desa adalah forum antara BPD, pemerintah desa, dan unsur masyarakat.
s2.svg|BPD menyelenggarakannya, dan pemerintah desa memfasilitasi pelaksanaannya.
s3.svg|Yang dibahas adalah hal strategis, seperti penataan desa, perencanaan, kerja sama, BUM Desa, dan aset desa.
s4.svg|Hasil kesepakatan dituangkan dalam berita acara, lalu dilaksanakan bersama.
TXT

# speech per slide, its length, the captions
i=0
start=0
printf 'WEBVTT\n\n' >"$TMP/captions.vtt"
: >"$TMP/list.txt"
ts() { awk -v s="$1" 'BEGIN { printf "%02d:%02d:%06.3f", int(s / 3600), int(s / 60) % 60, s - 60 * int(s / 60) }'; }
while IFS='|' read -r svg text; do
	i=$((i + 1))
	espeak-ng -v id -s 150 -w "$TMP/a$i.wav" "$text" </dev/null
	len=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$TMP/a$i.wav" </dev/null)
	len=$(awk -v l="$len" 'BEGIN { printf "%.3f", l + 0.6 }') # a breath between slides
	# the slide as a still clip as long as its speech
	ffmpeg -nostdin -v error -y -loop 1 -framerate 5 -i "$TMP/$svg" -i "$TMP/a$i.wav" -t "$len" \
		-vf "scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2:white,format=yuv420p" \
		-c:v libx264 -profile:v main -preset veryslow -tune stillimage -crf 30 -r 5 \
		-c:a aac -b:a 40k -ac 1 -ar 22050 -af apad -shortest "$TMP/c$i.mp4"
	end=$(awk -v s="$start" -v l="$len" 'BEGIN { printf "%.3f", s + l }')
	printf '%s --> %s\n%s\n\n' "$(ts "$start")" "$(ts "$end")" "$text" >>"$TMP/captions.vtt"
	echo "file '$TMP/c$i.mp4'" >>"$TMP/list.txt"
	[ $i -eq 1 ] && ffmpeg -nostdin -v error -y -i "$TMP/$svg" -vf scale=640:360 -q:v 5 "$TMP/poster.jpg"
	start=$end
done <"$TMP/script.txt"

ffmpeg -nostdin -v error -y -f concat -safe 0 -i "$TMP/list.txt" -c copy -movflags +faststart "$TMP/video.mp4"
cp "$TMP/video.mp4" "$OUT/musyawarah.mp4"
cp "$TMP/poster.jpg" "$OUT/musyawarah.jpg"
cp "$TMP/captions.vtt" "$OUT/musyawarah.vtt"
echo "$OUT/musyawarah.mp4: $(wc -c <"$OUT/musyawarah.mp4") bytes, ${start} s; poster and captions beside it"
