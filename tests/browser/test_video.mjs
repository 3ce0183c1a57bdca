// The sample lesson video (desa-administrasi, "Musyawarah Desa") in Chromium
// on a phone: the poster shows and nothing of the video loads before a tap
// (preload="none", no autoplay); it plays, seeks into the middle with Range
// requests the box answers 206 (a Range not from the start, seen by the
// box itself, in tests/integration/test_learner_flow.py), and shows the Indonesian captions of that
// moment.

import { run, ok, eq, note, startBox, browser, open, apiLearner, axe } from './lib.mjs';

await run(async () => {
  const box = await startBox();
  const api = await apiLearner(box.url, 'Penguji Video');
  const { page, ctx, errors } = await browser();
  const [cname, cval] = api.cookie.split('=');
  await ctx.addCookies([{ name: cname, value: cval, url: box.url }]);
  const media = [];
  page.on('response', (r) => {
    if (/\.(mp4|vtt|jpg)(\?|$)/.test(r.url())) media.push({ url: r.url(), status: r.status(), range: r.request().headers().range || null });
  });
  await open(page, box.url + '/#/course/desa-administrasi/lesson/musyawarah-desa');
  await page.waitForSelector('.lesson-body video');
  const v0 = await page.$eval('.lesson-body video', (v) => ({ preload: v.getAttribute('preload'), autoplay: v.autoplay, poster: v.poster,
    paused: v.paused, controls: v.controls, track: v.querySelector('track') && v.querySelector('track').src }));
  ok(v0.preload === 'none' && !v0.autoplay && v0.paused && v0.controls, 'the video waits for a tap: controls, preload="none", no autoplay', v0);
  ok(/\/media\/musyawarah\.jpg$/.test(v0.poster) && /\/media\/musyawarah\.vtt$/.test(v0.track), 'with its poster and captions from the pack', v0);
  await page.waitForFunction(() => { const i = new Image(); i.src = document.querySelector('.lesson-body video').poster; return i.complete; });
  ok(!media.some((m) => /\.mp4/.test(m.url)), 'nothing of the video is fetched before it is played', media);
  const v = await axe(page);
  ok(v.length === 0, 'the lesson with the video: no serious or critical axe-core violations', v);

  // play, then seek into the middle; on a slow link (as a phone far from
  // the box) so the middle is not buffered yet and the seek needs a Range
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 100, downloadThroughput: 16000, uploadThroughput: 16000 });
  const played = await page.evaluate(async () => {
    const v = document.querySelector('.lesson-body video');
    v.muted = true;
    try { await v.play(); } catch (e) { return 'play failed: ' + e.message; }
    await new Promise((r) => { const t = () => (v.currentTime > 0.3 ? r() : setTimeout(t, 50)); t(); });
    return { duration: v.duration, t: v.currentTime };
  });
  ok(typeof played === 'object' && played.duration > 25 && played.duration < 40, 'the video plays (about 30 s)', played);
  const seek = await page.evaluate(async () => {
    const v = document.querySelector('.lesson-body video');
    v.pause();
    const done = new Promise((r) => v.addEventListener('seeked', r, { once: true }));
    v.currentTime = 17;
    await done;
    await new Promise((r) => { const t = () => (v.readyState >= 2 ? r() : setTimeout(t, 50)); t(); });
    const tr = v.textTracks[0];
    // the cue of this moment (a paused video updates activeCues at the seek)
    await new Promise((r) => { const t = () => (tr.activeCues && tr.activeCues.length ? r() : setTimeout(t, 50)); t(); });
    return { t: v.currentTime, mode: tr.mode, kind: tr.kind, cue: tr.activeCues[0].text, duration: v.duration,
      seekable: v.seekable.length ? [v.seekable.start(0), v.seekable.end(0)] : null,
      buffered: Array.from({ length: v.buffered.length }, (_, i) => [v.buffered.start(i), v.buffered.end(i)]) };
  });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  ok(Math.abs(seek.t - 17) < 0.5, 'it seeks to the middle (17 s)', seek);
  ok(seek.mode === 'showing' && seek.kind === 'captions', 'the captions are on by default', seek);
  ok(/hal strategis/.test(seek.cue), 'and show what is said at 17 s', seek.cue);
  // Chromium asks for media with Range only and treats a file as seekable
  // only when the server answers 206 (a 200 would make it unseekable)
  const vids = media.filter((m) => /\.mp4/.test(m.url));
  ok(vids.length >= 1 && vids.every((m) => m.status === 206 && /^bytes=\d+-/.test(m.range || '')), 'every request for the video is a Range request the box answers 206', vids);
  ok(seek.seekable && seek.seekable[0] === 0 && Math.abs(seek.seekable[1] - seek.duration) < 0.1, 'so the whole video is seekable', seek);
  note(`video requests: ${media.filter((m) => /\.mp4/.test(m.url)).map((m) => `${m.status} ${m.range}`).join(', ')}`);
  eq(errors, [], 'no script errors or dialogs in the page');
});
