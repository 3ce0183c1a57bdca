// Helpers of the facilitator console's browser tests: a console screen's
// check at the phone (360x640) and laptop (1280x800) sizes — axe-core (no
// serious or critical violations), no horizontal scrolling of the page, a
// screenshot of each in tests/out/screenshots/console/ — and getting in.
import fs from 'node:fs';
import path from 'node:path';
import { ok, axe, screen, shown, SHOTS } from './lib.mjs';

export const CONSOLE_SHOTS = path.join(SHOTS, 'console');
export const SIZES = [{ width: 360, height: 640 }, { width: 1280, height: 800 }];
export const FAC = { username: 'fasilitator', password: 'kotak-pamong-2026' };

export async function checkConsole(page, name) {
  await screen(page).catch(() => {});
  fs.mkdirSync(CONSOLE_SHOTS, { recursive: true });
  const orig = page.viewportSize();
  for (const vp of SIZES) {
    await page.setViewportSize(vp);
    await page.waitForFunction((w) => window.innerWidth === w, vp.width);
    const v = await axe(page);
    ok(v.length === 0, `${name} at ${vp.width}x${vp.height}: no serious or critical axe-core violations`, v);
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    ok(over <= 1, `${name} at ${vp.width}x${vp.height}: the page does not scroll sideways`, over);
    await page.screenshot({ path: path.join(CONSOLE_SHOTS, `${name}-${vp.width}.png`), fullPage: true });
  }
  await page.setViewportSize(orig);
}

// Opens a console route and waits for its screen.
export async function go(page, url, hash) {
  const before = await shown(page).catch(() => 0);
  if (!page.url().startsWith(url + '/console/')) {
    await page.goto(url + '/console/' + hash);
    await screen(page);
    return;
  }
  await page.evaluate((h) => { location.hash = h; }, hash);
  await screen(page, before);
}

// The setup code pamongd wrote in a browser test box's data dir.
export function setupCode(box) {
  return fs.readFileSync(path.join(box.dir, 'console-setup-code'), 'utf8').trim();
}

// Logs in through the page (the login screen must be shown).
export async function login(page, user = FAC) {
  const before = await shown(page);
  await page.fill('input[name=username]', user.username);
  await page.fill('input[name=password]', user.password);
  await page.click('form button[type=submit]');
  await screen(page, before);
}
