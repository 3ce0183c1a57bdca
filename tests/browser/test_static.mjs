// The app shell as shipped: every JavaScript module parses as ES2017 (Chrome
// 61, Safari 12), index.html loads exactly the module graph at once, the
// shell at most 60 KB compressed, no external resources, the head a phone
// needs, and every text in both languages.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { run, ok, eq, note, WEBROOT } from './lib.mjs';

const require = createRequire(import.meta.url);
const acorn = require('acorn');

// every file under dir, as paths relative to WEBROOT with forward slashes
function filesUnder(dir) {
  const out = [];
  for (const e of fs.readdirSync(path.join(WEBROOT, dir), { withFileTypes: true })) {
    const rel = dir + '/' + e.name;
    if (e.isDirectory()) out.push(...filesUnder(rel)); else out.push(rel);
  }
  return out.sort();
}

function walk(n, fn) {
  if (!n || typeof n.type !== 'string') return;
  fn(n);
  for (const k of Object.keys(n)) {
    const v = n[k];
    if (Array.isArray(v)) v.forEach((x) => walk(x, fn)); else if (v && typeof v === 'object') walk(v, fn);
  }
}

await run(async () => {
  const read = (f) => fs.readFileSync(path.join(WEBROOT, f), 'utf8');
  const html = read('index.html');
  const css = read('app.css');
  const modules = filesUnder('js');
  ok(modules.length > 0 && modules.every((f) => f.endsWith('.js')), 'webroot/js holds the JavaScript modules and nothing else', modules);

  // every module parses as an ES2017 module: import/export, nothing newer
  const asts = {};
  for (const f of modules) {
    try {
      asts[f] = acorn.parse(read(f), { ecmaVersion: 2017, sourceType: 'module' });
      ok(true, `${f} parses as an ES2017 module`);
    } catch (e) {
      ok(false, `${f} parses as an ES2017 module`, e.message);
    }
  }
  for (const m of html.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
    try { acorn.parse(m[1], { ecmaVersion: 5 }); ok(true, 'the inline script of index.html parses as ES5'); } catch (e) { ok(false, 'the inline script of index.html parses as ES5', e.message); }
  }
  // the check itself must be able to fail: newer syntax is refused
  const refuses = (src) => { try { acorn.parse(src, { ecmaVersion: 2017, sourceType: 'module' }); return false; } catch (e) { return true; } };
  ok(refuses('var o = {...a};'), 'the ES2017 check refuses newer syntax (object spread)');
  ok(refuses("import('./x.js');"), 'the ES2017 check refuses dynamic import()');
  ok(refuses('await x;'), 'the ES2017 check refuses top-level await');
  ok(refuses('var v = a?.b;'), 'the ES2017 check refuses optional chaining');

  // index.html names every module of the app in a module script, js/main.js
  // last: a phone asks for them all at once (no modulepreload needed, which
  // Safari before 17 and Chrome before 66 lack), and no classic scripts
  const scripts = Array.from(html.matchAll(/<script type="module" src="\/([^"]+)"><\/script>/g), (m) => m[1]);
  eq(scripts[scripts.length - 1], 'js/main.js', 'index.html loads js/main.js as its last module script');
  ok(!/<script[^>]*\ssrc=/.test(html.replace(/<script type="module" src="[^"]+"><\/script>/g, '')), 'index.html loads no classic script file');
  const graph = new Set();
  const unresolved = [];
  const visit = (f) => {
    if (graph.has(f)) return;
    graph.add(f);
    if (!asts[f]) return;
    walk(asts[f], (n) => {
      if (!/^(ImportDeclaration|ExportNamedDeclaration|ExportAllDeclaration)$/.test(n.type) || !n.source) return;
      const spec = n.source.value;
      const dep = path.posix.normalize(path.posix.join(path.posix.dirname(f), spec));
      if (!/^\.\.?\//.test(spec) || !modules.includes(dep)) { unresolved.push(`${f}: '${spec}'`); return; }
      visit(dep);
    });
  };
  visit('js/main.js');
  eq(unresolved, [], 'every import is a relative path to a module in webroot/js');
  eq(modules.filter((f) => !graph.has(f)), [], 'every module in webroot/js is part of the app (imported from js/main.js)');
  eq(scripts.slice().sort(), [...graph].sort(), 'index.html names every module once (the import graph of js/main.js)');

  // the shell: what index.html loads before the first screen
  const files = ['index.html', 'app.css', 'favicon.svg', ...modules];
  let total = 0;
  for (const f of files) {
    const gz = zlib.gzipSync(fs.readFileSync(path.join(WEBROOT, f)), { level: 9 }).length;
    note(`${f}: ${fs.statSync(path.join(WEBROOT, f)).size} bytes, ${gz} gzip`);
    total += gz;
  }
  ok(total <= 60 * 1024, `the app shell (index.html, app.css, favicon.svg and ${modules.length} modules) is at most 60 KB compressed (${total} bytes)`);

  const js = modules.map(read).join('\n');
  const ext = /(?:src|href)\s*=\s*["']?(?:https?:)?\/\/|url\(\s*["']?(?:https?:)?\/\/|@import|fetch\(\s*["']https?:/i;
  ok(!ext.test(html) && !ext.test(css) && !/["']https?:\/\//.test(js), 'the shell loads nothing from other hosts');
  // user strings only ever as text: the one innerHTML takes the signed pack's lesson HTML
  const inner = modules.flatMap((f) => Array.from(read(f).matchAll(/\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write/g), () => f));
  eq(inner.length, 1, 'the modules set HTML in one place only (the pack\'s lesson HTML)');

  ok(/<html lang="id">/.test(html), 'the page starts in Bahasa Indonesia (lang="id")');
  ok(/<meta name="viewport" content="width=device-width, initial-scale=1">/.test(html), 'it has a phone viewport');
  ok(/<meta name="theme-color" content="#[0-9a-f]{6}">/i.test(html), 'it has a theme colour');
  ok(/<link rel="icon" href="\/favicon.svg" type="image\/svg\+xml">/.test(html), 'it has an SVG favicon');
  ok(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/.test(read('favicon.svg')), 'the favicon is an SVG file');

  // every text in both languages: the object each js/strings-LANG.js exports
  const keys = {};
  for (const lang of ['id', 'en']) {
    const ast = asts[`js/strings-${lang}.js`];
    const d = ast && ast.body.find((n) => n.type === 'ExportDefaultDeclaration');
    if (d && d.declaration.type === 'ObjectExpression') keys[lang] = d.declaration.properties.map((p) => p.key.name).sort();
  }
  ok(keys.id && keys.id.length > 50, 'the Indonesian texts are found (js/strings-id.js)', keys.id && keys.id.length);
  ok(keys.en && keys.en.length > 50, 'the English texts are found (js/strings-en.js)', keys.en && keys.en.length);
  const missingEn = (keys.id || []).filter((k) => !(keys.en || []).includes(k));
  const missingId = (keys.en || []).filter((k) => !(keys.id || []).includes(k));
  eq([missingEn, missingId], [[], []], 'every text exists in Bahasa Indonesia and in English');
  const used = new Set(Array.from(js.matchAll(/\bt\('([a-z0-9_]+)'/g), (m) => m[1]));
  ok(used.size > 50, 'the texts the modules ask for are found', used.size);
  // t('st_' + status): a prefix must begin some keys
  const unknown = [...used].filter((k) => (k.endsWith('_') ? !(keys.id || []).some((x) => x.startsWith(k)) : !(keys.id || []).includes(k)));
  eq(unknown, [], 'every text the app asks for exists');
});
