#!/bin/sh
# Prints ID<TAB>TITLE for every course source: tools/course-titles.sh content/*/course.yaml
# (the hub's `[courses] file`). Reads the top-level `id:` and `title:` lines,
# plain or quoted, as pamong-pack writes and validates them.
set -e
for f in "$@"; do
	awk '
	function unq(s) {
		sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s)
		if (s ~ /^".*"$/ || s ~ /^'\''.*'\''$/) s = substr(s, 2, length(s) - 2)
		gsub(/\t/, " ", s)
		return s
	}
	/^id:/ { id = unq(substr($0, 4)) }
	/^title:/ { title = unq(substr($0, 7)) }
	END { if (id != "" && title != "") print id "\t" title }
	' "$f"
done
