/* Small helpers with no DOM: the phone's memory (localStorage), URL parts,
 * search keys, ids, waiting. */

/* Remembers value under key (undefined forgets it); without storage
 * (private mode) the app keeps going without memory. */
export function store(key, value) {
  try {
    if (value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch (e) { /* private mode: keep going without memory */ }
}
export function recall(key) {
  try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; }
}

export function enc(s) { return encodeURIComponent(s); }

/* Case- and accent-insensitive search key. */
export function norm(s) {
  s = String(s || '');
  if (s.normalize) s = s.normalize('NFD');
  return s.replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

/* A random (version 4) UUID. */
export function uuid() {
  var b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  var x = Array.prototype.map.call(b, function (n) { return (n + 256).toString(16).slice(1); }).join('');
  return x.slice(0, 8) + '-' + x.slice(8, 12) + '-' + x.slice(12, 16) + '-' + x.slice(16, 20) + '-' + x.slice(20);
}

export function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
