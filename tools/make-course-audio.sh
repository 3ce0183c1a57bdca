#!/usr/bin/env bash
# Regenerates the spoken summaries of the sample courses in content/.
#
# The clips are synthetic speech from espeak-ng's Indonesian voice ("-v id"),
# encoded as small mono MP3 (24 kbit/s CBR, 22.05 kHz) so that old Android
# Chrome and iPhones play them. The text each lesson shows under the player
# is the same as the text here (written there for reading, here for speaking:
# acronyms are spelled out letter by letter so the voice says them right).
#
# Usage: tools/make-course-audio.sh [course-id ...]   (default: all three)
# Needs: espeak-ng, lame (Debian packages of the same names).
set -euo pipefail

cd "$(dirname "$0")/.."

for tool in espeak-ng lame; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "make-course-audio: $tool is missing (apt-get install $tool)" >&2
		exit 1
	fi
done

text_for() {
	case "$1" in
	desa-administrasi)
		cat <<'TXT'
Ringkasan kursus Administrasi Pemerintahan Desa.
Pemerintah desa adalah kepala desa yang dibantu perangkat desa.
Kepala desa memimpin pemerintahan, pembangunan, pembinaan kemasyarakatan,
dan pemberdayaan masyarakat desa.
Perangkat desa terdiri atas sekretariat desa, pelaksana kewilayahan, dan pelaksana teknis.
B P D menyepakati rancangan peraturan desa, menyalurkan aspirasi warga,
dan mengawasi kinerja kepala desa.
Hal strategis diputuskan bersama dalam musyawarah desa.
TXT
		;;
	desa-keuangan)
		cat <<'TXT'
Ringkasan kursus Siklus Keuangan Desa.
R P J M Desa dijabarkan setiap tahun dalam R K P Desa.
R K P Desa menjadi dasar A P B Desa, yang disepakati bersama B P D
dan ditetapkan dengan peraturan desa.
Semua uang desa masuk dan keluar melalui rekening kas desa,
dan dicatat oleh Kaur Keuangan.
Di akhir siklus, kepala desa melaporkan dan mempertanggungjawabkan realisasi A P B Desa,
lalu mengumumkannya kepada warga.
TXT
		;;
	literasi-digital)
		cat <<'TXT'
Ringkasan kursus Literasi Digital.
Pakai kata sandi yang panjang dan berbeda untuk setiap akun,
lalu aktifkan verifikasi dua langkah.
Kode O T P adalah kunci akun. Jangan berikan kepada siapa pun,
termasuk yang mengaku petugas.
Sebelum membagikan kabar, periksa sumber dan tanggalnya.
Lindungi data pribadi warga: jangan sebarkan foto K T P, N I K, atau kartu keluarga.
TXT
		;;
	*)
		echo "make-course-audio: no summary text for '$1'" >&2
		return 1
		;;
	esac
}

title_for() {
	case "$1" in
	desa-administrasi) echo "Ringkasan: Administrasi Pemerintahan Desa" ;;
	desa-keuangan)     echo "Ringkasan: Siklus Keuangan Desa" ;;
	literasi-digital)  echo "Ringkasan: Literasi Digital untuk Aparatur Desa" ;;
	esac
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "$#" -eq 0 ]; then
	set -- desa-administrasi desa-keuangan literasi-digital
fi

for course in "$@"; do
	out="content/$course/media/ringkasan.mp3"
	if [ ! -d "content/$course" ]; then
		echo "make-course-audio: content/$course does not exist" >&2
		exit 1
	fi
	text=$(text_for "$course")
	mkdir -p "content/$course/media"
	# -s 145: a little slower than the default, easier on a phone speaker.
	espeak-ng -v id -s 145 -w "$tmp/$course.wav" "$text"
	lame --quiet -m m -b 24 --cbr --resample 22.05 \
		--tt "$(title_for "$course")" --ta "espeak-ng (suara sintetis)" \
		--tl "Pamong Box" \
		"$tmp/$course.wav" "$out"
	secs=$(python3 -c 'import sys,wave; w=wave.open(sys.argv[1]); print(round(w.getnframes()/w.getframerate(),1))' "$tmp/$course.wav")
	echo "$out: ${secs} s, $(stat -c %s "$out") bytes"
done
