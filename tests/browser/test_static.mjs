// The app shell as shipped: JavaScript that parses as ES2017 (Chrome 61,
// Safari 12), the shell at most 60 KB compressed, no external resources,
// the head a phone needs, and every text in both languages.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { run, ok, eq, note, WEBROOT } from './lib.mjs';

const require = createRequire(import.meta.url);
const acorn = require('acorn');

await run(async () => {
  const read = (f) => fs.readFileSync(path.join(WEBROOT, f), 'utf8');
  const html = read('index.html');
  const css = read('app.css');
  const js = read('app.js');

  let ast = null;
  try {
    ast = acorn.parse(js, { ecmaVersion: 2017, sourceType: 'script' });
    ok(true, 'app.js parses as ES2017');
  } catch (e) {
    ok(false, 'app.js parses as ES2017', e.message);
  }
  for (const m of html.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
    try { acorn.parse(m[1], { ecmaVersion: 5 }); ok(true, 'the inline script of index.html parses as ES5'); } catch (e) { ok(false, 'the inline script of index.html parses as ES5', e.message); }
  }
  // the check itself must be able to fail: ES2018 syntax is refused
  let refused = false;
  try { acorn.parse('var o = {...a};', { ecmaVersion: 2017 }); } catch (e) { refused = true; }
  ok(refused, 'the ES2017 check refuses newer syntax (object spread)');

  const files = ['index.html', 'app.css', 'app.js', 'favicon.svg'];
  let total = 0;
  for (const f of files) {
    const gz = zlib.gzipSync(fs.readFileSync(path.join(WEBROOT, f)), { level: 9 }).length;
    note(`${f}: ${fs.statSync(path.join(WEBROOT, f)).size} bytes, ${gz} gzip`);
    total += gz;
  }
  ok(total <= 60 * 1024, `the app shell is at most 60 KB compressed (${total} bytes)`);

  const ext = /(?:src|href)\s*=\s*["']?(?:https?:)?\/\/|url\(\s*["']?(?:https?:)?\/\/|@import|fetch\(\s*["']https?:/i;
  ok(!ext.test(html) && !ext.test(css) && !/["']https?:\/\//.test(js), 'the shell loads nothing from other hosts');

  ok(/<html lang="id">/.test(html), 'the page starts in Bahasa Indonesia (lang="id")');
  ok(/<meta name="viewport" content="width=device-width, initial-scale=1">/.test(html), 'it has a phone viewport');
  ok(/<meta name="theme-color" content="#[0-9a-f]{6}">/i.test(html), 'it has a theme colour');
  ok(/<link rel="icon" href="\/favicon.svg" type="image\/svg\+xml">/.test(html), 'it has an SVG favicon');
  ok(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/.test(read('favicon.svg')), 'the favicon is an SVG file');

  // every text in both languages: the STR object literal's id and en keys
  const keys = {};
  const walk = (n) => {
    if (!n || typeof n.type !== 'string') return;
    if (n.type === 'VariableDeclarator' && n.id.name === 'STR' && n.init.type === 'ObjectExpression') {
      for (const p of n.init.properties) keys[p.key.name] = p.value.properties.map((x) => x.key.name).sort();
    }
    for (const k of Object.keys(n)) {
      const v = n[k];
      if (Array.isArray(v)) v.forEach(walk); else if (v && typeof v === 'object') walk(v);
    }
  };
  if (ast) walk(ast);
  ok(keys.id && keys.id.length > 50, 'the Indonesian texts are found', keys.id && keys.id.length);
  const missingEn = (keys.id || []).filter((k) => !(keys.en || []).includes(k));
  const missingId = (keys.en || []).filter((k) => !(keys.id || []).includes(k));
  eq([missingEn, missingId], [[], []], 'every text exists in Bahasa Indonesia and in English');
  const used = new Set(Array.from(js.matchAll(/\bt\('([a-z0-9_]+)'/g), (m) => m[1]));
  // t('st_' + status): a prefix must begin some keys
  const unknown = [...used].filter((k) => (k.endsWith('_') ? !(keys.id || []).some((x) => x.startsWith(k)) : !(keys.id || []).includes(k)));
  eq(unknown, [], 'every text the app asks for exists');
});
