#!/bin/sh
# The facilitator card: docs/card/facilitator-card.html with its QR codes
# (qrencode, SVG) filled in, printed to one A5 PDF page by Debian's Chromium.
# Usage: tools/make-card.sh OUT.pdf [SSID PASSWORD]
# Without SSID the Wi-Fi QR is a space for the box's sticker and the name and
# password are lines to write on (one card for every box); with them, a card
# for that box (its QR joins the Wi-Fi at once).
set -eu
cd "$(dirname "$0")/.."
out=$1 ssid=${2:-} pass=${3:-}
app_url=http://10.42.0.1/
version=$(git describe --always 2>/dev/null || echo dev)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
qr() { qrencode -t SVG --svg-path -m 1 -l M -o - "$1" | sed -n '/<svg/,$p'; }
# Wi-Fi QR (the format phones' cameras read): \ ; , : " escaped
wifi_escape() { printf %s "$1" | sed 's/[\\;,:"]/\\&/g'; }
if [ -n "$ssid" ]; then
	qr "WIFI:T:WPA;S:$(wifi_escape "$ssid");P:$(wifi_escape "$pass");;" >"$tmp/wifi.svg"
	name_html=$ssid pass_html=$pass
else
	cat >"$tmp/wifi.svg" <<'SVG'
<svg viewBox="0 0 100 100" xmlns="http://www.w3.org/2000/svg"><rect x="2" y="2" width="96" height="96" rx="6" fill="none" stroke="#111" stroke-width="1.5" stroke-dasharray="5 4"/><text x="50" y="44" font-size="10" text-anchor="middle" font-family="DejaVu Sans">tempel stiker</text><text x="50" y="58" font-size="10" text-anchor="middle" font-family="DejaVu Sans">QR Wi-Fi kotak</text></svg>
SVG
	name_html='<span class="blank"></span>' pass_html='<span class="blank"></span>'
fi
qr "$app_url" >"$tmp/app.svg"
html_escape() { printf %s "$1" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g'; }
[ -z "$ssid" ] || { name_html=$(html_escape "$ssid"); pass_html=$(html_escape "$pass"); }
python3 - "$tmp" "$name_html" "$pass_html" "$app_url" "$version" <<'PY'
import sys
tmp, ssid, pw, url, ver = sys.argv[1:]
s = open("docs/card/facilitator-card.html", encoding="utf-8").read()
for k, v in (("{{WIFI_QR}}", open(tmp + "/wifi.svg").read()), ("{{APP_QR}}", open(tmp + "/app.svg").read()),
             ("{{SSID}}", ssid), ("{{PASSWORD}}", pw), ("{{APP_URL}}", url), ("{{VERSION}}", ver)):
    s = s.replace(k, v)
open(tmp + "/card.html", "w", encoding="utf-8").write(s)
PY
chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
	--user-data-dir="$tmp/profile" --print-to-pdf="$tmp/card.pdf" "file://$tmp/card.html" 2>"$tmp/chromium.log" ||
	{ cat "$tmp/chromium.log" >&2; exit 1; }
mv "$tmp/card.pdf" "$out"
echo "card: $out ($(pdfinfo "$out" | awk '/^Pages:/ { print $2 }') page, $(pdfinfo "$out" | awk -F': *' '/^Page size:/ { print $2 }'))"
