#!/usr/bin/env node
// make-wilayah.mjs — builds content/area/wilayah.tsv.gz, the official list of
// Indonesian regions (Kemendagri codes), from the idn-area-data npm package.
//
// Usage: node tools/make-wilayah.mjs [PACKAGE_DIR]
//   PACKAGE_DIR is the installed idn-area-data package (the folder holding
//   package.json and data/); default $IDN_AREA_DATA, then /tmp/idn/node_modules/idn-area-data.
//
// Output: one line per unit, "CODE<TAB>NAME", codes in dotted form (PP, PP.RR,
// PP.RR.DD, PP.RR.DD.VVVV), sorted by code, UTF-8, compressed with `gzip -n -9`
// so the same input always gives the same bytes. Also copies the data licence
// to content/area/LICENSE-data.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = resolve(process.argv[2] || process.env.IDN_AREA_DATA ||
    '/tmp/idn/node_modules/idn-area-data');
const outDir = join(repo, 'content', 'area');

function die(msg) {
	console.error(`make-wilayah: ${msg}`);
	process.exit(1);
}

// A minimal RFC 4180 reader: quoted fields may hold commas and "" escapes; a
// quote inside an unquoted field is kept as it is (as papaparse, which the
// package itself uses, does).
function parseCsv(text, file) {
	const rows = [];
	let row = [], field = '', i = 0, quoted = false, atStart = true;
	const endField = () => { row.push(field); field = ''; atStart = true; };
	while (i < text.length) {
		const c = text[i];
		if (quoted) {
			if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
			if (c === '"') { quoted = false; i++; continue; }
			field += c; i++; continue;
		}
		if (c === '"' && atStart) { quoted = true; atStart = false; i++; continue; }
		if (c === ',') { endField(); i++; continue; }
		if (c === '\r' && text[i + 1] === '\n') { i++; continue; }
		if (c === '\n') { endField(); rows.push(row); row = []; i++; continue; }
		field += c; atStart = false; i++;
	}
	if (quoted) die(`${file}: unterminated quoted field`);
	if (field !== '' || row.length) { endField(); rows.push(row); }
	const header = rows.shift();
	return rows.filter((r) => r.length > 1 || r[0] !== '').map((r, n) => {
		if (r.length !== header.length)
			die(`${file}:${n + 2}: ${r.length} fields, expected ${header.length}`);
		return Object.fromEntries(header.map((h, k) => [h, r[k]]));
	});
}

function readCsv(name) {
	const file = join(pkgDir, 'data', `${name}.csv`);
	let text;
	try {
		text = readFileSync(file, 'utf8');
	} catch (e) {
		die(`${file}: ${e.message} (install the package: npm install idn-area-data)`);
	}
	return parseCsv(text.replace(/^\uFEFF/, ''), file);
}

// Provinces and regencies come in capitals ("KABUPATEN BANYUMAS"): make them
// "Kabupaten Banyumas", keeping acronyms such as DKI and lower-case "dan".
const KEEP_UPPER = new Set(['DKI', 'DI']);
const LOWER = new Set(['DAN']);
function properCase(s) {
	return s.split(' ').map((w) => {
		if (KEEP_UPPER.has(w)) return w;
		if (LOWER.has(w)) return w.toLowerCase();
		return w.toLowerCase().replace(/(^|[-(])(\p{L})/gu, (m, p, l) => p + l.toUpperCase());
	}).join(' ');
}

// Districts and villages are already in mixed case; only tidy them: one
// apostrophe form (the data has "Soka\"an" and "Regapu’u"), single spaces, and
// a capital first letter for the few names written all in lower case.
function tidy(s) {
	let t = s.replace(/["\u2019\u2018`]/g, "'").replace(/\s+/g, ' ').trim();
	if (!/\p{Lu}/u.test(t))
		t = t.replace(/(^|[ -])(\p{L})/gu, (m, p, l) => p + l.toUpperCase());
	return t;
}

const LEVELS = [
	{ file: 'provinces', re: /^\d{2}$/, parent: null, fix: properCase },
	{ file: 'regencies', re: /^\d{2}\.\d{2}$/, parent: 'province_code', fix: properCase },
	{ file: 'districts', re: /^\d{2}\.\d{2}\.\d{2}$/, parent: 'regency_code', fix: tidy },
	{ file: 'villages', re: /^\d{2}\.\d{2}\.\d{2}\.\d{4}$/, parent: 'district_code', fix: tidy },
];

const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
if (pkg.name !== 'idn-area-data') die(`${pkgDir} is ${pkg.name}, not idn-area-data`);

const names = new Map(); // code -> name
const counts = {};
for (const level of LEVELS) {
	const rows = readCsv(level.file);
	counts[level.file] = rows.length;
	for (const r of rows) {
		// Normalise codes to the dotted form whatever the package uses
		// (dotted "33.02.01.2001" or plain "3302012001").
		let code = r.code.trim();
		if (/^\d+$/.test(code))
			code = code.replace(/^(\d{2})(\d{2})?(\d{2})?(\d{4})?$/, (m, ...g) =>
				g.slice(0, 4).filter(Boolean).join('.'));
		if (!level.re.test(code)) die(`${level.file}: bad code "${r.code}"`);
		if (level.parent) {
			const parent = code.slice(0, code.lastIndexOf('.'));
			if (!names.has(parent)) die(`${level.file}: ${code} has no parent ${parent}`);
		}
		const name = level.fix(r.name);
		if (!name || /[\t\n\r]/.test(name)) die(`${level.file}: bad name for ${code}`);
		if (names.has(code)) die(`${level.file}: duplicate code ${code}`);
		names.set(code, name);
	}
}

// Plain code-unit order: "33" < "33.02" < "33.02.01" < "33.02.01.2001" since
// '.' sorts before the digits, so every parent precedes its children.
const codes = [...names.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const tsv = codes.map((c) => `${c}\t${names.get(c)}\n`).join('');
const gz = execFileSync('gzip', ['-n', '-9', '-c'], { input: Buffer.from(tsv, 'utf8'),
	maxBuffer: 64 << 20 });

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'wilayah.tsv.gz'), gz);
copyFileSync(join(pkgDir, 'data', 'LICENSE.md'), join(outDir, 'LICENSE-data'));
console.log(`make-wilayah: ${pkg.name} ${pkg.version}: ${counts.provinces} provinces, ` +
    `${counts.regencies} regencies, ${counts.districts} districts, ` +
    `${counts.villages} villages; wilayah.tsv.gz ${gz.length} bytes`);
