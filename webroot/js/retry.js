/* Sending again after a failure: the retry message with its backoff and
 * countdown, and the two loops the screens use, load() for a screen's data
 * and act() for a write from a form. Each resends the same request. */
import { h, clear, main, onScreen } from './dom.js';
import { t } from './i18n.js';
import { NetError } from './api.js';

/* The screen a request belongs to has gone (the learner went elsewhere):
 * nothing more is sent or drawn for it. */
export function Stale() { this.name = 'Stale'; }

/* The retry message of one retry loop, shown in host after a failed
 * request. wait(msg) resolves when it is time to resend: by itself after
 * 2, 4, 8, 16, then every 30 s (a visible countdown), at once when the
 * learner taps the button or the phone says it is online again; it
 * rejects with Stale once the message has left the screen (the learner
 * went elsewhere: nothing more is sent). sending() shows that a resend
 * runs; done() removes the message. fails: failures before this loop. */
export function retrier(host, fails) {
  var box = null, msgEl, stateEl, btn, timer = null, fire = null;
  fails = fails || 0;
  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
    window.removeEventListener('online', now);
  }
  function now() {
    var f = fire;
    fire = null;
    stop();
    if (f) f();
  }
  return {
    wait: function (msg) {
      return new Promise(function (resolve, reject) {
        if (!box) {
          /* only the message is a live region: the countdown is not
           * read out every second */
          msgEl = h('p', { role: 'alert' }, msg);
          stateEl = h('p', { class: 'retry-state' });
          btn = h('button', { type: 'button', class: 'btn', onclick: now }, t('retry'));
          box = h('div', { class: 'alert' }, msgEl, stateEl, btn);
          clear(host).appendChild(box);
        } else if (msgEl.textContent !== msg) msgEl.textContent = msg;
        var left = Math.min(30, 2 << Math.min(fails, 4));
        fails++;
        function tick() {
          if (!onScreen(box)) { stop(); fire = null; reject(new Stale()); return; }
          if (left <= 0) { now(); return; }
          stateEl.textContent = t('retry_in', { n: left });
          left--;
        }
        fire = resolve;
        tick();
        if (fire) {
          timer = setInterval(tick, 1000);
          window.addEventListener('online', now);
        }
      });
    },
    sending: function () { if (box) stateEl.textContent = t('retrying'); },
    done: function () {
      stop();
      fire = null;
      if (box && box.parentNode) box.parentNode.removeChild(box);
      box = null;
    }
  };
}

/* Loads page data; on a network failure the page shows the retry message
 * and tries again (the same request) by itself or when asked. */
export async function load(ctx, fn) {
  var host = h('div');
  var r = retrier(host);
  for (;;) {
    if (!ctx.alive()) throw new Stale();
    try {
      var v = await fn();
      if (!ctx.alive()) throw new Stale();
      return v;
    } catch (e) {
      if (!(e instanceof NetError)) throw e;
      if (!ctx.alive()) throw new Stale();
      if (!onScreen(host)) {
        ctx.shown = true;
        clear(main).appendChild(host);
      }
      await r.wait(e.busy ? t('busy') : t('net_down'));
      r.sending();
    }
  }
}

/* Runs a write from a form: disables the button while it runs, and on a
 * network failure shows the retry message in host and resends the same
 * request (by itself after a while, or when asked). Other errors are
 * thrown to the caller; Stale when the learner left the screen. */
export async function act(btn, host, fn, msgKey, onNetFail) {
  var label = btn ? btn.textContent : '';
  var r = retrier(host);
  clear(host);
  try {
    for (;;) {
      if (btn) { btn.disabled = true; btn.textContent = t('sending'); }
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof NetError)) throw e;
        if (onNetFail) onNetFail();
        if (btn) btn.textContent = label; /* stays disabled: the retry resends */
        await r.wait(e.busy ? t('busy') : t(msgKey || 'net_down_saved'));
        r.sending();
      }
    }
  } finally {
    r.done();
    if (btn) { btn.disabled = false; btn.textContent = label; }
  }
}
