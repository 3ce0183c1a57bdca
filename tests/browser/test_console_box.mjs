// The console's Box screen in Chromium on a fake Pi (sysfs with a CPU
// temperature and under-voltage flags): the state, sync now, the clock from
// this phone, the area search and saving settings; checked with axe-core at
// 360x640 and 1280x800 and photographed into tests/out/screenshots/console/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, ok, eq, Box, browser, screen, shown, onCleanup } from './lib.mjs';
import { checkConsole, go, setupCode, FAC } from './console.mjs';

await run(async () => {
  const sys = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-fake-pi-'));
  onCleanup(() => fs.rmSync(sys, { recursive: true, force: true }));
  fs.mkdirSync(path.join(sys, 'class/thermal/thermal_zone0'), { recursive: true });
  fs.mkdirSync(path.join(sys, 'devices/platform/soc/soc:firmware'), { recursive: true });
  fs.writeFileSync(path.join(sys, 'class/thermal/thermal_zone0/temp'), '61250\n');
  fs.writeFileSync(path.join(sys, 'devices/platform/soc/soc:firmware/get_throttled'), '0x50005\n');
  const box = new Box();
  await box.init();
  const apply = path.join(sys, 'hotspot-apply');
  fs.appendFileSync(box.conf, `[console]\nsys_dir = ${sys}\n[hotspot]\napply_file = ${apply}\n`);
  await box.start();
  const { page, errors } = await browser();

  await go(page, box.url, '#/');
  const before = await shown(page);
  await page.fill('input[name=code]', setupCode(box));
  await page.fill('input[name=username]', FAC.username);
  await page.fill('input[name=password]', FAC.password);
  await page.click('form button[type=submit]');
  await screen(page, before);

  await go(page, box.url, '#/box');
  const text = await page.textContent('main');
  ok(text.includes('61,2 °C') || text.includes('61.2 °C'), 'the CPU temperature from sysfs', text.slice(0, 400));
  ok(text.includes('TEGANGAN KURANG'), 'under-voltage is told plainly');
  ok(text.includes('belum diketahui'), 'the clock is not known yet');
  await checkConsole(page, 'box-01-status');

  await page.click('button:has-text("Kirim sekarang")');
  await page.waitForSelector('.banner:not([hidden])');
  eq(await page.textContent('.banner:not([hidden])'), 'Kotak ini belum punya alamat pusat.', 'sync now on a box without a hub says so');
  await page.click('button:has-text("Setel jam dari ponsel ini")');
  await page.waitForSelector('.banner.ok:not([hidden])');
  eq(await page.textContent('.banner.ok:not([hidden])'), 'Jam kotak disetel dari ponsel ini.', 'the clock is set from this phone');
  await page.reload();
  await screen(page);
  ok((await page.textContent('main')).includes('dari ponsel fasilitator (konsol)'), 'the clock is then said to come from a facilitator\'s phone');
  eq(await page.locator('button:has-text("Setel jam dari ponsel ini")').count(), 0, 'and its button is gone');
  await page.click('button:has-text("Mulai ulang")');
  await page.waitForSelector('[role=alertdialog]');
  ok((await page.textContent('[role=alertdialog]')).includes('Mulai ulang kotak?'), 'restart is asked first, on the page');
  await page.click('[role=alertdialog] .btn.alt');
  eq(await page.locator('[role=alertdialog]').count(), 0, 'cancelled, nothing happens');
  ok(box.proc.exitCode === null, 'the box still runs');

  await page.fill('input[name=area_q]', 'kebasen');
  await page.waitForSelector('button:has-text("Tambah 33.02.05")');
  await page.click('button:has-text("Tambah 33.02.05")');
  eq(await page.inputValue('input[name=area_codes]'), '33.02,33.02.05', 'a district found by name is added to the area');
  ok((await page.textContent('main')).includes('Nama dan kata sandi hotspot berlaku saat itu juga'), 'the page says the hotspot applies at once');
  await page.fill('input[name=hotspot_ssid]', 'Pamong Kebasen');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.banner.ok:has-text("Tersimpan")');
  ok(fs.readFileSync(box.conf, 'utf8').includes('ssid = Pamong Kebasen'), 'the settings are written to the config file');
  eq(await page.textContent('.banner.ok:has-text("Tersimpan")'),
    'Tersimpan. Hotspot kini memakai nama dan kata sandi baru: ponsel perlu tersambung lagi dengannya. Pengaturan lain berlaku setelah kotak dimulai ulang.',
    'the hotspot is applied at once, the area after a restart');
  ok(fs.existsSync(apply), 'pamongd asked for the hotspot to be applied');
  await checkConsole(page, 'box-02-settings-saved');
  await page.fill('input[name=hotspot_passphrase]', 'pendek');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.err:not([hidden])');
  ok((await page.getAttribute('input[name=hotspot_passphrase]', 'aria-invalid')) === 'true', 'a short hotspot password is marked at its field');
  eq(errors, [], 'no page errors');
});
