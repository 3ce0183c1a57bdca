/* Pamong Belajar: the learner app served by pamongd (docs/API.md).
 * Plain ES2017, no dependencies, no build step. Hash routes:
 *   #/  #/login  #/register  #/course/ID  #/course/ID/lesson/LID
 *   #/course/ID/quiz  #/course/ID/certificate
 * Rules kept throughout: user strings only ever go through textContent
 * (the one innerHTML is the signed pack's own lesson HTML); a failed request
 * shows a retry message and resends the same request; form state survives
 * errors and language switches (drafts). */
(function () {
  'use strict';

  var STR = {
    id: {
      app: 'Pamong Belajar',
      skip: 'Langsung ke isi',
      lang_btn: 'English',
      lang_aria: 'Switch to English',
      loading: 'Memuat…',
      sending: 'Mengirim…',
      net_down: 'Koneksi terputus. Periksa Wi-Fi box lalu coba lagi.',
      net_down_saved: 'Koneksi terputus. Isian Anda masih tersimpan di layar ini. Coba lagi.',
      net_answer: 'Koneksi terputus. Jawaban Anda belum terkirim. Coba lagi.',
      retry: 'Coba lagi',
      retry_in: 'Mencoba lagi otomatis dalam {n} detik…',
      retrying: 'Mencoba lagi…',
      busy: 'Box sedang sibuk. Coba lagi sebentar lagi.',
      error: 'Terjadi kesalahan. Coba lagi.',
      not_found: 'Halaman ini tidak ditemukan.',
      to_home: 'Ke beranda',
      back_home: '← Beranda',
      welcome: 'Selamat datang',
      welcome_p: 'Belajar tugas pemerintahan desa langsung dari ponsel Anda, tanpa internet.',
      login: 'Masuk',
      register: 'Daftar baru',
      register_h: 'Daftar',
      have_account: 'Sudah pernah daftar?',
      no_account: 'Belum punya akun?',
      name: 'Nama lengkap',
      name_hint: 'Huruf, angka, spasi, dan tanda . , \' - saja.',
      position: 'Jabatan',
      position_pick: '— Pilih jabatan —',
      village: 'Desa',
      village_hint: 'Ketik nama desa atau kecamatan, lalu pilih dari daftar.',
      village_list: 'Desa yang cocok',
      village_none: 'Tidak ada desa yang cocok. Coba ejaan lain.',
      village_more: 'Ada {n} desa lain yang cocok. Ketik lebih lengkap.',
      village_count: '{n} desa cocok',
      village_change: 'Ganti',
      village_change_aria: 'Ganti desa',
      district: 'Kec. {d}',
      pin: 'PIN (4–8 angka)',
      pin_hint: 'Ingat PIN ini. Anda memerlukannya untuk masuk.',
      pin2: 'Ulangi PIN',
      pin_login: 'PIN',
      do_register: 'Daftar',
      do_login: 'Masuk',
      name_pick_list: 'Nama yang terdaftar',
      name_pick_hint: 'Ketik nama Anda atau pilih dari daftar.',
      e_name: 'Isi nama lengkap (2–60 huruf).',
      e_name_chars: 'Nama hanya boleh berisi huruf, angka, spasi, dan tanda . , \' -',
      e_name_taken: 'Nama ini sudah terdaftar di box ini. Silakan masuk, atau tambahkan nama belakang.',
      e_position: 'Pilih jabatan Anda.',
      e_village: 'Pilih desa Anda dari daftar.',
      e_pin: 'PIN harus 4 sampai 8 angka.',
      e_pin2: 'PIN tidak sama. Ketik ulang.',
      e_login_name: 'Isi nama Anda.',
      e_login_pin: 'Isi PIN Anda.',
      e_wrong: 'Nama atau PIN salah.',
      e_cooldown: 'Terlalu banyak PIN salah. Tunggu {n} detik, lalu coba lagi.',
      hello: 'Halo, {name}',
      resume: 'Lanjutkan belajar',
      resume_lesson: 'Materi: {t}',
      resume_quiz: 'Kuis akhir',
      resume_go: 'Lanjutkan →',
      start: 'Mulai belajar',
      start_go: 'Mulai →',
      my_courses: 'Kursus saya',
      no_courses: 'Belum ada kursus di box ini. Tanyakan kepada fasilitator.',
      lessons_of: '{d} dari {t} materi',
      lessons_done_of: '{d} dari {t} materi selesai',
      minutes: '{n} menit',
      st_completed: '✓ Selesai',
      st_in_progress: 'Sedang dipelajari',
      st_not_started: 'Belum dimulai',
      best: 'Nilai terbaik {n}',
      progress_of: 'Kemajuan {t}',
      account: 'Akun',
      logout: 'Keluar',
      course_done: 'Anda sudah menyelesaikan kursus ini.',
      quiz_passed: 'Anda sudah lulus kuis.',
      see_cert: 'Lihat tanda selesai',
      continue_lesson: 'Lanjutkan: {t}',
      start_quiz: 'Mulai kuis',
      retake_quiz: 'Ulangi kuis',
      continue_quiz: 'Lanjutkan kuis',
      lessons: 'Materi',
      l_done: 'Selesai',
      l_current: 'Lanjutkan di sini',
      l_new: 'Belum dibuka',
      quiz: 'Kuis',
      quiz_info: '{n} pertanyaan · nilai lulus {p}',
      attempts: 'Sudah dicoba {n} kali',
      no_attempts: 'Belum pernah dicoba',
      passed: 'Lulus',
      not_passed: 'Belum lulus',
      lesson_n: 'Materi {i} dari {n}',
      prev: '← Sebelumnya',
      finish_next: 'Selesai, lanjut →',
      finish_quiz: 'Selesai, ke kuis →',
      finish_course: 'Selesai',
      lesson_saved: 'Materi ditandai selesai.',
      table: 'Tabel, bisa digeser ke samping',
      q_n: 'Pertanyaan {i} dari {n}',
      q_multi: 'Pilih semua jawaban yang benar.',
      q_pick: 'Pilih jawaban dulu.',
      q_check: 'Periksa jawaban',
      q_save: 'Simpan jawaban',
      q_right: 'Benar!',
      q_wrong: 'Belum tepat',
      q_correct_is: 'Jawaban benar: {t}',
      q_next: 'Pertanyaan berikutnya →',
      q_results: 'Lihat hasil →',
      your_answer: 'Jawaban Anda: {t}',
      no_answer: '(tidak dijawab)',
      result: 'Hasil kuis',
      score_of: '{c} dari {t} jawaban benar',
      pass_need: 'Nilai lulus: {p}',
      congrats: 'Selamat! Anda lulus.',
      try_again_p: 'Belum lulus. Baca lagi materinya, lalu coba lagi.',
      try_again: 'Coba kuis lagi',
      review: 'Pembahasan',
      study_again: 'Pelajari materi lagi',
      to_course: 'Ke halaman kursus',
      lessons_left: 'Selesaikan juga semua materi agar kursus ini tercatat selesai dan tanda selesai bisa dilihat.',
      cert: 'Tanda Selesai Kursus',
      cert_given: 'Diberikan kepada',
      cert_did: 'telah menyelesaikan kursus',
      cert_date: 'Tanggal selesai',
      cert_score: 'Nilai kuis',
      cert_place: 'Desa',
      cert_clock: 'Tanggal menurut jam box; mungkin belum tepat.',
      cert_none: 'Tanda selesai belum ada. Selesaikan semua materi dan lulus kuis dulu.',
      village_line: 'Desa {v}, Kec. {d}, {r}'
    },
    en: {
      app: 'Pamong Learning',
      skip: 'Skip to content',
      lang_btn: 'Indonesia',
      lang_aria: 'Ganti ke Bahasa Indonesia',
      loading: 'Loading…',
      sending: 'Sending…',
      net_down: 'Connection lost. Check the box\'s Wi-Fi and try again.',
      net_down_saved: 'Connection lost. What you typed is still here. Try again.',
      net_answer: 'Connection lost. Your answer was not sent yet. Try again.',
      retry: 'Try again',
      retry_in: 'Trying again by itself in {n} s…',
      retrying: 'Trying again…',
      busy: 'The box is busy. Try again in a moment.',
      error: 'Something went wrong. Try again.',
      not_found: 'This page was not found.',
      to_home: 'Go to home',
      back_home: '← Home',
      welcome: 'Welcome',
      welcome_p: 'Learn the work of village government on your phone, without internet.',
      login: 'Log in',
      register: 'Register',
      register_h: 'Register',
      have_account: 'Registered before?',
      no_account: 'No account yet?',
      name: 'Full name',
      name_hint: 'Letters, digits, spaces and . , \' - only.',
      position: 'Position',
      position_pick: '— Choose a position —',
      village: 'Village',
      village_hint: 'Type the village or district name, then pick from the list.',
      village_list: 'Matching villages',
      village_none: 'No village matches. Try another spelling.',
      village_more: '{n} more villages match. Type more letters.',
      village_count: '{n} villages match',
      village_change: 'Change',
      village_change_aria: 'Change village',
      district: '{d} district',
      pin: 'PIN (4–8 digits)',
      pin_hint: 'Remember this PIN. You need it to log in.',
      pin2: 'Repeat PIN',
      pin_login: 'PIN',
      do_register: 'Register',
      do_login: 'Log in',
      name_pick_list: 'Registered names',
      name_pick_hint: 'Type your name or pick it from the list.',
      e_name: 'Enter your full name (2–60 letters).',
      e_name_chars: 'A name may only have letters, digits, spaces and . , \' -',
      e_name_taken: 'This name is already registered on this box. Log in, or add a family name.',
      e_position: 'Choose your position.',
      e_village: 'Pick your village from the list.',
      e_pin: 'The PIN must be 4 to 8 digits.',
      e_pin2: 'The PINs differ. Type it again.',
      e_login_name: 'Enter your name.',
      e_login_pin: 'Enter your PIN.',
      e_wrong: 'Wrong name or PIN.',
      e_cooldown: 'Too many wrong PINs. Wait {n} seconds, then try again.',
      hello: 'Hello, {name}',
      resume: 'Continue learning',
      resume_lesson: 'Lesson: {t}',
      resume_quiz: 'Final quiz',
      resume_go: 'Continue →',
      start: 'Start learning',
      start_go: 'Start →',
      my_courses: 'My courses',
      no_courses: 'No courses on this box yet. Ask your facilitator.',
      lessons_of: '{d} of {t} lessons',
      lessons_done_of: '{d} of {t} lessons done',
      minutes: '{n} min',
      st_completed: '✓ Completed',
      st_in_progress: 'In progress',
      st_not_started: 'Not started',
      best: 'Best score {n}',
      progress_of: 'Progress of {t}',
      account: 'Account',
      logout: 'Log out',
      course_done: 'You have completed this course.',
      quiz_passed: 'You passed the quiz.',
      see_cert: 'See completion page',
      continue_lesson: 'Continue: {t}',
      start_quiz: 'Start the quiz',
      retake_quiz: 'Take the quiz again',
      continue_quiz: 'Continue the quiz',
      lessons: 'Lessons',
      l_done: 'Done',
      l_current: 'Continue here',
      l_new: 'Not opened',
      quiz: 'Quiz',
      quiz_info: '{n} questions · pass mark {p}',
      attempts: 'Tried {n} times',
      no_attempts: 'Not tried yet',
      passed: 'Passed',
      not_passed: 'Not passed',
      lesson_n: 'Lesson {i} of {n}',
      prev: '← Previous',
      finish_next: 'Done, next →',
      finish_quiz: 'Done, to the quiz →',
      finish_course: 'Done',
      lesson_saved: 'Lesson marked as done.',
      table: 'Table, scrolls sideways',
      q_n: 'Question {i} of {n}',
      q_multi: 'Choose every right answer.',
      q_pick: 'Choose an answer first.',
      q_check: 'Check answer',
      q_save: 'Save answer',
      q_right: 'Correct!',
      q_wrong: 'Not quite',
      q_correct_is: 'Right answer: {t}',
      q_next: 'Next question →',
      q_results: 'See results →',
      your_answer: 'Your answer: {t}',
      no_answer: '(not answered)',
      result: 'Quiz result',
      score_of: '{c} of {t} answers right',
      pass_need: 'Pass mark: {p}',
      congrats: 'Well done! You passed.',
      try_again_p: 'Not passed yet. Read the lessons again, then try again.',
      try_again: 'Take the quiz again',
      review: 'Review',
      study_again: 'Study the lessons again',
      to_course: 'To the course page',
      lessons_left: 'Also finish every lesson so that the course counts as completed and its completion page opens.',
      cert: 'Course Completion',
      cert_given: 'Awarded to',
      cert_did: 'has completed the course',
      cert_date: 'Completed on',
      cert_score: 'Quiz score',
      cert_place: 'Village',
      cert_clock: 'Date by the box\'s clock; it may not be exact.',
      cert_none: 'No completion page yet. Finish every lesson and pass the quiz first.',
      village_line: '{v} village, {d} district, {r}'
    }
  };

  /* ---------- small utilities ---------- */

  function store(key, value) {
    try {
      if (value === undefined) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* private mode: keep going without memory */ }
  }
  function recall(key) {
    try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; }
  }

  var lang = recall('pb.lang') === 'en' ? 'en' : 'id';

  function t(key, vars) {
    var s = STR[lang][key];
    if (s == null) s = STR.id[key];
    if (vars) s = s.replace(/\{(\w+)\}/g, function (m, k) { return vars[k] != null ? String(vars[k]) : m; });
    return s;
  }

  /* Element builder: h('p', {class: 'x', onclick: fn}, 'text', child, [kids]).
   * Strings always become text nodes. */
  function h(tag, props) {
    var el = document.createElement(tag);
    var k;
    for (k in props || {}) {
      var v = props[k];
      if (v == null || v === false) continue;
      if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'value') el.value = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
    return el;
  }
  function add(el, kid) {
    if (kid == null || kid === false) return;
    if (Array.isArray(kid)) { kid.forEach(function (k) { add(el, k); }); return; }
    el.appendChild(typeof kid === 'object' ? kid : document.createTextNode(String(kid)));
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }
  function enc(s) { return encodeURIComponent(s); }

  /* Case- and accent-insensitive search key. */
  function norm(s) {
    s = String(s || '');
    if (s.normalize) s = s.normalize('NFD');
    return s.replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  }

  function uuid() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var x = Array.prototype.map.call(b, function (n) { return (n + 256).toString(16).slice(1); }).join('');
    return x.slice(0, 8) + '-' + x.slice(8, 12) + '-' + x.slice(12, 16) + '-' + x.slice(16, 20) + '-' + x.slice(20);
  }

  function fmtDate(ms) {
    try {
      return new Date(ms).toLocaleDateString(lang === 'en' ? 'en-GB' : 'id-ID',
        { day: 'numeric', month: 'long', year: 'numeric' });
    } catch (e) { return new Date(ms).toISOString().slice(0, 10); }
  }

  function announce(msg) {
    var s = document.getElementById('status');
    s.textContent = '';
    setTimeout(function () { s.textContent = msg; }, 50);
  }

  /* ---------- talking to the box ---------- */

  function NetError() { this.name = 'NetError'; }
  function ApiError(status, code, body) {
    this.name = 'ApiError'; this.status = status; this.code = code; this.body = body || {};
  }
  function Stale() { this.name = 'Stale'; }

  function fetchT(url, opts, ms) {
    return new Promise(function (resolve, reject) {
      var ctl = typeof AbortController === 'function' ? new AbortController() : null;
      if (ctl) opts.signal = ctl.signal;
      var timer = setTimeout(function () { if (ctl) ctl.abort(); reject(new Error('timeout')); }, ms);
      fetch(url, opts).then(function (r) { clearTimeout(timer); resolve(r); },
        function (e) { clearTimeout(timer); reject(e); });
    });
  }

  /* One request. Throws NetError when the box cannot be reached (or says it
   * is unavailable: worth retrying), ApiError for an answer with an error. */
  async function request(method, path, body, asText) {
    var opts = { method: method, credentials: 'same-origin', cache: 'no-store', headers: {} };
    if (!asText) opts.headers.Accept = 'application/json';
    /* the box takes writes only as JSON, even empty ones */
    if (body === undefined && (method === 'POST' || method === 'PUT')) body = {};
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return reply(fetchT(path, opts, 20000), asText);
  }

  /* The parsed answer to a request (a promise of its Response). */
  async function reply(pending, asText) {
    var res, raw;
    try {
      res = await pending;
      raw = await res.text();
    } catch (e) {
      throw new NetError();
    }
    var data = null;
    if (!asText || !res.ok) {
      try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = null; }
    }
    if (!res.ok) {
      var code = data && data.error;
      if (res.status === 503 || res.status === 502 || res.status === 504 || res.status === 408) {
        var busy = new NetError();
        busy.busy = res.status === 503;
        throw busy;
      }
      throw new ApiError(res.status, code || 'http_' + res.status, data);
    }
    if (asText) return raw;
    if (raw && data === null) throw new NetError(); /* cut-off body */
    return data;
  }
  function api(method, path, body) { return request(method, '/api/v1' + path, body); }

  /* On a cold start index.html has already asked for /me and the data of
   * the first screen (window.pbEarly) while this script was downloading:
   * round trips saved on a slow hotspot. Each answer is used once. */
  var prefetched = {};
  function takeEarly() {
    var early = window.pbEarly || {};
    window.pbEarly = null;
    Object.keys(early).forEach(function (p) {
      var pr = reply(early[p]);
      pr.catch(function () { /* handled when taken */ });
      prefetched[p] = pr;
    });
  }
  function apiGet(path) {
    var pr = prefetched[path];
    delete prefetched[path];
    return pr || api('GET', path);
  }
  function withTime(body) { body = body || {}; body.client_time = Date.now(); return body; }

  /* ---------- state ---------- */

  var me;              /* undefined: not asked yet; null: not logged in */
  var positions = null;
  var villages = null;
  var names = null;
  var afterLogin = null;
  var drafts = { reg: {}, login: {}, quiz: {} };
  var lessonCache = {};
  var visit = null;    /* the lesson being read: {key, cid, lid, ms, since, sent} */
  var timeLeft = [];   /* lesson time not acknowledged yet: [{cid, lid, seconds, busy}] */
  var timeBusy = null; /* the running timeSend() */
  var renderSeq = 0;
  var errorFails = 0;  /* error pages in a row (their retry backs off) */
  var firstRender = true;
  var shownCount = 0;

  function attKey(cid) { return 'pb.att.' + (me ? me.id : '') + '.' + cid; }

  /* ---------- page scaffolding ---------- */

  var main = document.getElementById('main');

  function loadingCard() { return h('div', { class: 'card loading' }, h('p', null, t('loading'))); }

  function onScreen(el) { return !!el && document.body.contains(el); }
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  /* The retry message of one retry loop, shown in host after a failed
   * request. wait(msg) resolves when it is time to resend: by itself after
   * 2, 4, 8, 16, then every 30 s (a visible countdown), at once when the
   * learner taps the button or the phone says it is online again; it
   * rejects with Stale once the message has left the screen (the learner
   * went elsewhere: nothing more is sent). sending() shows that a resend
   * runs; done() removes the message. fails: failures before this loop. */
  function retrier(host, fails) {
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
  async function load(ctx, fn) {
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
  async function act(btn, host, fn, msgKey, onNetFail) {
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

  function showPage(ctx, title, nodes) {
    if (!ctx.alive()) throw new Stale();
    ctx.shown = true;
    errorFails = 0;
    document.title = title + ' · ' + t('app');
    clear(main);
    add(main, nodes);
    main.setAttribute('data-shown', String(++shownCount)); /* tests wait on this */
    if (!firstRender) {
      window.scrollTo(0, 0);
      var h1 = main.querySelector('h1');
      if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus(); }
    }
    firstRender = false;
  }

  function go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  function problemPage(ctx, msg, linkHash, linkText) {
    showPage(ctx, msg, h('div', { class: 'card' }, h('h1', null, msg),
      h('a', { class: 'btn', href: linkHash || '#/' }, linkText || t('to_home'))));
  }

  /* An unexpected error: the message, and the page loaded again by itself
   * (backing off while the same error repeats) or when asked. */
  function errorPage(ctx, e) {
    if (e instanceof ApiError && e.code === 'not_found') return problemPage(ctx, t('not_found'));
    var host = h('div');
    var fails = errorFails;
    showPage(ctx, t('error'), host);
    errorFails = fails + 1;
    retrier(host, fails).wait(t('error')).then(function () { if (ctx.alive()) route(); }, function () {});
  }

  /* ---------- router ---------- */

  async function route() {
    var seq = ++renderSeq;
    var ctx = { alive: function () { return seq === renderSeq; } };
    var parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(function (p) {
      try { return decodeURIComponent(p); } catch (e) { return p; }
    });
    var key = location.hash;
    if (visit && visit.key !== key) visitEnd();
    /* keep the current page until the next is ready; show progress if
     * that takes a moment */
    if (firstRender) clear(main).appendChild(loadingCard());
    else setTimeout(function () { if (ctx.alive() && !ctx.shown) clear(main).appendChild(loadingCard()); }, 300);
    try {
      if (me === undefined) {
        me = await load(ctx, function () {
          return apiGet('/me').catch(function (e) {
            if (e instanceof ApiError && e.status === 401) return null;
            throw e;
          });
        });
      }
      if (!me) prefetched = {};
      var p0 = parts[0] || '';
      if (p0 === 'login' || p0 === 'register') {
        if (me) { go('#/'); return; }
        return await (p0 === 'login' ? pageLogin(ctx) : pageRegister(ctx));
      }
      if (!me) {
        if (p0) afterLogin = location.hash;
        return await pageWelcome(ctx);
      }
      if (p0 === '') return await pageHome(ctx);
      if (p0 === 'course' && parts[1]) {
        if (parts.length === 2) return await pageCourse(ctx, parts[1]);
        if (parts[2] === 'lesson' && parts[3]) return await pageLesson(ctx, parts[1], parts[3]);
        if (parts[2] === 'quiz') return await pageQuiz(ctx, parts[1]);
        if (parts[2] === 'certificate') return await pageCertificate(ctx, parts[1]);
      }
      problemPage(ctx, t('not_found'));
    } catch (e) {
      if (e instanceof Stale || !ctx.alive()) return;
      if (e instanceof ApiError && e.code === 'not_logged_in') {
        me = null;
        afterLogin = location.hash;
        go('#/login');
        return;
      }
      if (window.console) console.error(e);
      errorPage(ctx, e);
    } finally {
      prefetched = {}; /* only for the first screen */
    }
  }

  /* ---------- welcome, register, log in ---------- */

  async function pageWelcome(ctx) {
    showPage(ctx, t('welcome'), h('div', { class: 'card' },
      h('h1', null, t('welcome')),
      h('p', null, t('welcome_p')),
      h('a', { class: 'btn big', href: '#/login' }, t('login')),
      h('a', { class: 'btn big alt', href: '#/register' }, t('register'))));
  }

  function field(id, labelText, input, hint) {
    var hintEl = hint ? h('p', { class: 'hint', id: id + '-hint' }, hint) : null;
    var errEl = h('p', { class: 'err', id: id + '-err', hidden: true });
    input.id = id;
    input.setAttribute('aria-describedby', (hint ? id + '-hint ' : '') + id + '-err');
    var wrap = h('div', { class: 'field' }, h('label', { for: id }, labelText), input, hintEl, errEl);
    wrap.setError = function (msg) {
      errEl.textContent = msg || '';
      errEl.hidden = !msg;
      if (msg) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    };
    wrap.input = input;
    return wrap;
  }

  function bindDraft(input, draft, key) {
    if (draft[key] != null) input.value = draft[key];
    input.addEventListener('input', function () { draft[key] = input.value; });
    input.addEventListener('change', function () { draft[key] = input.value; });
  }

  function pinInput(autocomplete) {
    return h('input', { type: 'password', inputmode: 'numeric', pattern: '[0-9]*', maxlength: '8',
      autocomplete: autocomplete });
  }

  /* A list of tappable suggestions under a text input. items(query) returns
   * {list: [{label, sub, pick}], more: n, none: bool}. */
  function suggester(input, listLabel, items) {
    var ul = h('ul', { class: 'sugg', 'aria-label': listLabel, hidden: true });
    var note = h('p', { class: 'hint', 'aria-live': 'polite' });
    function update() {
      var r = items(input.value);
      clear(ul);
      r.list.forEach(function (it) {
        ul.appendChild(h('li', null, h('button', { type: 'button', onclick: function () { it.pick(); } },
          it.label, it.sub ? h('span', null, it.sub) : null)));
      });
      ul.hidden = r.list.length === 0;
      note.textContent = r.note || '';
    }
    input.addEventListener('input', update);
    input.setAttribute('autocomplete', input.getAttribute('autocomplete') || 'off');
    return { ul: ul, note: note, update: update };
  }

  function validName(n) {
    n = n.trim().replace(/\s+/g, ' ');
    if (n.length < 2 || n.length > 60) return 'e_name';
    if (/[<>"&;:\/\\@#$%^*()_+=\[\]{}|~`!?]/.test(n)) return 'e_name_chars';
    return null;
  }

  async function pageRegister(ctx) {
    var data = await load(ctx, function () {
      return Promise.all([
        positions || api('GET', '/positions'),
        villages || api('GET', '/villages')
      ]);
    });
    positions = data[0];
    if (!villages) {
      villages = data[1];
      villages.villages.forEach(function (v) { v._n = norm(v.name); v._d = norm(v.district); });
    }
    var d = drafts.reg;

    var name = field('r-name', t('name'), h('input', { type: 'text', autocomplete: 'name', maxlength: '60',
      autocapitalize: 'words' }), t('name_hint'));
    bindDraft(name.input, d, 'name');

    var sel = h('select', null, h('option', { value: '' }, t('position_pick')),
      positions.positions.map(function (p) {
        return h('option', { value: p.id }, lang === 'en' ? p.en_label : p.id_label);
      }));
    var pos = field('r-pos', t('position'), sel);
    bindDraft(sel, d, 'pos');

    var vinput = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
    var vil = field('r-vil', t('village'), vinput, t('village_hint'));
    bindDraft(vinput, d, 'vq');
    var chosen = h('div');
    vil.appendChild(chosen);
    function byCode(code) {
      for (var i = 0; i < villages.villages.length; i++) if (villages.villages[i].code === code) return villages.villages[i];
      return null;
    }
    function showChosen() {
      clear(chosen);
      var v = d.vil ? byCode(d.vil) : null;
      vinput.hidden = !!v;
      sg.ul.hidden = !!v || sg.ul.hidden;
      sg.note.hidden = !!v;
      if (!v) return;
      chosen.appendChild(h('div', { class: 'chosen' },
        h('div', null, h('b', null, v.name), h('br'), h('span', { class: 'small' }, t('district', { d: v.district }) + ', ' + v.regency)),
        h('button', { type: 'button', class: 'btn alt', 'aria-label': t('village_change_aria'), onclick: function () {
          d.vil = null; showChosen(); sg.update(); vinput.focus();
        } }, t('village_change'))));
    }
    var sg = suggester(vinput, t('village_list'), function (q) {
      var nq = norm(q);
      if (!nq && villages.villages.length > 12) return { list: [] };
      var words = nq ? nq.split(' ') : [];
      var hits = [];
      villages.villages.forEach(function (v) {
        var hay = v._n + ' ' + v._d;
        for (var i = 0; i < words.length; i++) if (hay.indexOf(words[i]) < 0) return;
        var rank = v._n.indexOf(nq) === 0 ? 0 : (' ' + v._n).indexOf(' ' + nq) >= 0 ? 1 : v._n.indexOf(nq) >= 0 ? 2 : 3;
        hits.push({ v: v, rank: rank });
      });
      hits.sort(function (a, b) { return a.rank - b.rank || (a.v.name < b.v.name ? -1 : a.v.name > b.v.name ? 1 : 0); });
      var max = 8;
      var list = hits.slice(0, max).map(function (x) {
        return { label: x.v.name, sub: t('district', { d: x.v.district }) + ', ' + x.v.regency,
          pick: function () { d.vil = x.v.code; vil.setError(null); showChosen(); chosen.querySelector('button').focus(); } };
      });
      var note = hits.length === 0 ? t('village_none')
        : hits.length > max ? t('village_more', { n: hits.length - max }) : t('village_count', { n: hits.length });
      return { list: list, note: note };
    });
    vil.insertBefore(sg.ul, chosen);
    vil.insertBefore(sg.note, chosen);

    var pin = field('r-pin', t('pin'), pinInput('new-password'), t('pin_hint'));
    bindDraft(pin.input, d, 'pin');
    var pin2 = field('r-pin2', t('pin2'), pinInput('new-password'));
    bindDraft(pin2.input, d, 'pin2');

    var alertHost = h('div');
    var submit = h('button', { type: 'submit', class: 'btn big' }, t('do_register'));
    var form = h('form', { novalidate: true, onsubmit: onSubmit }, name, pos, vil, pin, pin2, alertHost, submit);

    showPage(ctx, t('register_h'), [
      h('div', { class: 'card' }, h('h1', null, t('register_h')), form),
      h('p', null, t('have_account') + ' ', h('a', { href: '#/login', class: 'back' }, t('login')))
    ]);
    showChosen();
    if (!d.vil && vinput.value) sg.update();

    async function onSubmit(ev) {
      ev.preventDefault();
      if (submit.disabled) return;
      var bad = [];
      function check(f, key) { f.setError(key ? t(key) : null); if (key) bad.push(f); }
      check(name, validName(name.input.value));
      check(pos, sel.value ? null : 'e_position');
      check(vil, d.vil ? null : 'e_village');
      check(pin, /^[0-9]{4,8}$/.test(pin.input.value) ? null : 'e_pin');
      check(pin2, pin.input.value && pin2.input.value !== pin.input.value ? 'e_pin2' : null);
      if (bad.length) { (bad[0].input.hidden ? bad[0].querySelector('button') : bad[0].input).focus(); return; }
      var body = withTime({ name: name.input.value.trim().replace(/\s+/g, ' '), position: sel.value,
        village: d.vil, pin: pin.input.value });
      var dropped = false;
      try {
        me = await act(submit, alertHost, function () { return api('POST', '/register', body); },
          'net_down_saved', function () { dropped = true; });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        if (e.code === 'name_taken' && dropped) {
          /* the first try may have reached the box before the connection
           * dropped: then this name and PIN are ours */
          try { me = await api('POST', '/login', withTime({ name: body.name, pin: body.pin })); } catch (e2) { me = null; }
        }
        if (me) e = null;
        else if (e.code === 'name_taken') { name.setError(t('e_name_taken')); name.input.focus(); return; }
        if (e && e.code === 'invalid_field') {
          var f = { name: [name, 'e_name_chars'], position: [pos, 'e_position'], village: [vil, 'e_village'], pin: [pin, 'e_pin'] }[e.body.field];
          if (f) { f[0].setError(t(f[1])); (f[0].input.hidden ? f[0].querySelector('button') : f[0].input).focus(); return; }
        }
        if (e) {
          alertHost.appendChild(h('div', { class: 'alert bad', role: 'alert' }, h('p', null, t('error'))));
          return;
        }
      }
      drafts.reg = {};
      names = null;
      var next = afterLogin || '#/';
      afterLogin = null;
      go(next);
    }
  }

  async function pageLogin(ctx) {
    var list = await load(ctx, function () { return names || api('GET', '/learners/names'); });
    names = list;
    var d = drafts.login;
    var nameIn = h('input', { type: 'text', autocomplete: 'username', maxlength: '60', autocapitalize: 'words' });
    var name = field('l-name', t('name'), nameIn, t('name_pick_hint'));
    bindDraft(nameIn, d, 'name');
    var sg = suggester(nameIn, t('name_pick_list'), function (q) {
      var nq = norm(q);
      var hits = names.names.filter(function (n) {
        var k = norm(n);
        return !nq || k.indexOf(nq) >= 0;
      });
      if (!nq && hits.length > 8) return { list: [] };
      if (hits.length === 1 && norm(hits[0]) === nq) return { list: [] };
      return { list: hits.slice(0, 8).map(function (n) {
        return { label: n, pick: function () { nameIn.value = n; d.name = n; sg.update(); pin.input.focus(); } };
      }) };
    });
    name.insertBefore(sg.ul, name.lastChild);
    var pin = field('l-pin', t('pin_login'), pinInput('current-password'));
    bindDraft(pin.input, d, 'pin');
    var alertHost = h('div');
    var submit = h('button', { type: 'submit', class: 'btn big' }, t('do_login'));
    var form = h('form', { novalidate: true, onsubmit: onSubmit }, name, pin, alertHost, submit);
    showPage(ctx, t('login'), [
      h('div', { class: 'card' }, h('h1', null, t('login')), form),
      h('p', null, t('no_account') + ' ', h('a', { href: '#/register', class: 'back' }, t('register')))
    ]);
    sg.update();

    async function onSubmit(ev) {
      ev.preventDefault();
      if (submit.disabled) return;
      name.setError(nameIn.value.trim() ? null : t('e_login_name'));
      pin.setError(pin.input.value ? null : t('e_login_pin'));
      if (!nameIn.value.trim()) { nameIn.focus(); return; }
      if (!pin.input.value) { pin.input.focus(); return; }
      var body = withTime({ name: nameIn.value.trim().replace(/\s+/g, ' '), pin: pin.input.value });
      try {
        me = await act(submit, alertHost, function () { return api('POST', '/login', body); });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        var msg = e.code === 'cooldown' ? t('e_cooldown', { n: e.body.retry_after || 60 })
          : e.code === 'wrong_credentials' || e.status === 401 ? t('e_wrong')
          : e.code === 'invalid_field' || e.code === 'bad_request' ? t('e_wrong') : t('error');
        alertHost.appendChild(h('div', { class: 'alert bad', role: 'alert' }, h('p', null, msg)));
        pin.input.value = ''; d.pin = '';
        pin.input.focus();
        return;
      }
      drafts.login = {};
      var next = afterLogin || '#/';
      afterLogin = null;
      go(next);
    }
  }

  /* ---------- home ---------- */

  function progressBar(done, total, label) {
    var pct = total ? Math.round(100 * done / total) : 0;
    return h('div', { class: 'bar-track', role: 'progressbar', 'aria-label': label, 'aria-valuemin': '0',
      'aria-valuemax': '100', 'aria-valuenow': String(pct), 'aria-valuetext': pct + '%' },
    h('div', { class: 'bar-fill', style: 'width:' + pct + '%' }));
  }

  function statusBadge(st) {
    var cls = st === 'completed' ? 'done' : st === 'in_progress' ? 'cur' : 'new';
    return h('span', { class: 'badge ' + cls }, t('st_' + st));
  }

  function positionLabel(id, fallback) {
    if (positions) {
      for (var i = 0; i < positions.positions.length; i++) {
        var p = positions.positions[i];
        if (p.id === id) return lang === 'en' ? p.en_label : p.id_label;
      }
    }
    return fallback || id;
  }

  async function pageHome(ctx) {
    var data = await load(ctx, function () {
      return Promise.all([apiGet('/courses'), apiGet('/resume'),
        positions || apiGet('/positions').catch(function () { return null; })]);
    });
    var courses = data[0].courses;
    var resume = data[1];
    if (data[2]) positions = data[2];
    var first = null;
    if (resume && resume.course) {
      var rhref = '#/course/' + enc(resume.course) + (resume.kind === 'quiz' ? '/quiz' : '/lesson/' + enc(resume.lesson));
      first = h('a', { class: 'card resume', href: rhref, id: 'resume' },
        h('p', { class: 'kicker' }, t('resume')),
        h('p', { class: 't' }, resume.course_title),
        h('p', null, resume.kind === 'quiz' ? t('resume_quiz') : t('resume_lesson', { t: resume.lesson_title })),
        h('span', { class: 'go' }, t('resume_go')));
    } else {
      var next = courses.filter(function (c) { return c.status !== 'completed'; })[0];
      if (next) {
        first = h('a', { class: 'card resume', href: '#/course/' + enc(next.id), id: 'resume' },
          h('p', { class: 'kicker' }, t('start')),
          h('p', { class: 't' }, next.title),
          h('span', { class: 'go' }, t('start_go')));
      }
    }
    var cards = courses.length ? courses.map(function (c) {
      return h('a', { class: 'card course', href: '#/course/' + enc(c.id), 'data-course': c.id },
        h('h3', { lang: c.language }, c.title),
        h('p', { class: 'muted clamp', lang: c.language }, c.summary),
        progressBar(c.lessons_done, c.lessons_total, t('progress_of', { t: c.title })),
        h('div', { class: 'meta' },
          statusBadge(c.status),
          h('span', null, t('lessons_of', { d: c.lessons_done, t: c.lessons_total })),
          c.minutes ? h('span', null, t('minutes', { n: c.minutes })) : null,
          c.best_score != null ? h('span', null, t('best', { n: c.best_score })) : null));
    }) : h('div', { class: 'card' }, h('p', null, t('no_courses')));

    var logoutHost = h('div');
    var logoutBtn = h('button', { type: 'button', class: 'btn alt', id: 'logout', onclick: async function () {
      /* the time of the lesson just left goes with this session */
      visitEnd();
      if (timeBusy) await Promise.race([timeBusy, sleep(5000)]);
      try {
        await act(logoutBtn, logoutHost, function () { return api('POST', '/logout', {}); }, 'net_down');
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 401)) throw e;
      }
      me = null; names = null; visit = null; timeLeft = [];
      go('#/');
    } }, t('logout'));

    showPage(ctx, t('my_courses'), [
      h('h1', null, t('hello', { name: me.name })),
      first,
      h('h2', null, t('my_courses')),
      cards,
      h('section', { class: 'card account', 'aria-labelledby': 'acct-h' },
        h('h2', { id: 'acct-h' }, t('account')),
        h('dl', null,
          h('dt', null, t('name')), h('dd', { id: 'acct-name' }, me.name),
          h('dt', null, t('position')), h('dd', null, positionLabel(me.position, me.position_label)),
          h('dt', null, t('village')), h('dd', null, t('village_line', { v: me.village_name, d: me.district, r: me.regency }))),
        logoutHost, logoutBtn)
    ]);
  }

  /* ---------- course ---------- */

  async function getCourse(ctx, cid) {
    return load(ctx, function () { return apiGet('/courses/' + enc(cid)); });
  }

  function lessonHref(cid, lid) { return '#/course/' + enc(cid) + '/lesson/' + enc(lid); }

  async function pageCourse(ctx, cid) {
    var c = await getCourse(ctx, cid);
    var cur = c.lessons.filter(function (l) { return l.state === 'current'; })[0];
    var att = recall(attKey(cid));
    var quizLabel = att && !att.finished ? t('continue_quiz') : c.quiz.attempts ? t('retake_quiz') : t('start_quiz');
    var quizHref = '#/course/' + enc(cid) + '/quiz';
    var top = [];
    if (c.status === 'completed') {
      top.push(h('div', { class: 'feedback ok' }, h('p', null, h('b', null, t('course_done'))),
        h('a', { class: 'btn', href: '#/course/' + enc(cid) + '/certificate', id: 'see-cert' }, t('see_cert'))));
    } else if (c.quiz.passed) {
      top.push(h('div', { class: 'feedback ok' }, h('p', null, h('b', null, t('quiz_passed'))), h('p', null, t('lessons_left'))));
    }
    if (cur) top.push(h('a', { class: 'btn big', href: lessonHref(cid, cur.id), id: 'continue' }, t('continue_lesson', { t: cur.title })));
    else if (!c.quiz.passed) top.push(h('a', { class: 'btn big', href: quizHref, id: 'continue', onclick: freshAttempt }, quizLabel));

    showPage(ctx, c.title, [
      h('a', { class: 'back', href: '#/' }, t('back_home')),
      h('div', { class: 'card' },
        h('h1', { lang: c.language }, c.title),
        h('p', { class: 'muted', lang: c.language }, c.summary),
        progressBar(c.lessons_done, c.lessons_total, t('progress_of', { t: c.title })),
        h('div', { class: 'meta' }, statusBadge(c.status),
          h('span', null, t('lessons_done_of', { d: c.lessons_done, t: c.lessons_total })),
          c.minutes ? h('span', null, t('minutes', { n: c.minutes })) : null)),
      top,
      h('h2', null, t('lessons')),
      h('ol', { class: 'lessons' }, c.lessons.map(function (l, i) {
        return h('li', null, h('a', { href: lessonHref(cid, l.id), class: l.state, 'data-lesson': l.id },
          h('span', { class: 'num', 'aria-hidden': 'true' }, l.state === 'done' ? '✓' : String(i + 1)),
          h('span', { class: 'lt' }, h('b', { lang: c.language }, l.title),
            h('span', { class: 'small muted' }, t('l_' + l.state) + (l.minutes ? ' · ' + t('minutes', { n: l.minutes }) : '')))));
      })),
      h('h2', null, t('quiz')),
      h('div', { class: 'card', id: 'quiz-card' },
        h('p', null, t('quiz_info', { n: c.quiz.questions, p: c.passing_score })),
        h('p', { class: 'meta' },
          h('span', null, c.quiz.attempts ? t('attempts', { n: c.quiz.attempts }) : t('no_attempts')),
          c.quiz.best_score != null ? h('span', null, t('best', { n: c.quiz.best_score })) : null,
          c.quiz.attempts ? h('span', { class: 'badge ' + (c.quiz.passed ? 'done' : 'fail') }, c.quiz.passed ? t('passed') : t('not_passed')) : null),
        h('a', { class: 'btn' + (cur || c.quiz.passed ? ' alt' : ''), href: quizHref, id: 'quiz-go', onclick: freshAttempt }, quizLabel))
    ]);
    function freshAttempt() {
      var a = recall(attKey(cid));
      if (a && a.finished) store(attKey(cid), { id: uuid() });
    }
  }

  /* ---------- lesson reader ---------- */

  /* Time spent on a lesson: only while the page is visible. The seconds of
   * a visit go to the box once: with "done" (complete), or with /time when
   * the learner leaves the lesson any other way, when the page is hidden
   * (the phone may drop it then) or unloaded. visit.sent counts what has
   * been handed on, so no second is sent twice. */
  function pageHidden() { return document.visibilityState === 'hidden'; }
  function visitPause() {
    if (visit && visit.since) { visit.ms += Date.now() - visit.since; visit.since = 0; }
  }
  /* The seconds of the visit not handed on yet; from now on they count as
   * sent. final rounds the last part instead of keeping it for later. */
  function visitTake(final) {
    if (!visit) return 0;
    var ms = visit.ms + (visit.since ? Date.now() - visit.since : 0);
    var s = (final ? Math.round : Math.floor)(ms / 1000) - visit.sent;
    if (s <= 0) return 0;
    visit.sent += s;
    return s;
  }
  function timeAdd(s) {
    if (visit && s > 0) timeLeft.push({ cid: visit.cid, lid: visit.lid, seconds: Math.min(86400, s) });
  }
  function timeUrl(x) { return '/api/v1/courses/' + enc(x.cid) + '/lessons/' + enc(x.lid) + '/time'; }
  function timeDrop(x) { timeLeft = timeLeft.filter(function (y) { return y !== x; }); }

  /* Ends the visit of the lesson being left and sends its time. */
  function visitEnd() {
    if (!visit) return;
    timeAdd(visitTake(true));
    visit = null;
    timeSend();
  }

  /* Sends the queued times with fetch (keepalive: it may outlive the
   * page), quietly retried a few times; resolves when the queue is empty
   * or given up on. */
  function timeSend() {
    if (timeBusy) return timeBusy;
    timeBusy = (async function () {
      var fails = 0;
      while (timeLeft.length && fails < 6) {
        var x = timeLeft[0];
        x.busy = true;
        try {
          await reply(fetchT(timeUrl(x), { method: 'POST', credentials: 'same-origin', cache: 'no-store', keepalive: true,
            headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
            body: JSON.stringify(withTime({ seconds: x.seconds })) }, 20000));
          timeDrop(x);
        } catch (e) {
          x.busy = false;
          if (!(e instanceof NetError)) { timeDrop(x); continue; } /* refused: not worth resending */
          await sleep(1000 * Math.min(30, 2 << fails++));
        }
      }
    })().then(function () { timeBusy = null; }, function () { timeBusy = null; });
    return timeBusy;
  }

  /* The page is going away (or may be dropped): send what is queued with
   * sendBeacon, which survives the page; fetch only without it. */
  function timeBeacon() {
    timeLeft.slice().forEach(function (x) {
      if (x.busy) return; /* a keepalive fetch carries it already */
      var sent = false;
      try {
        sent = !!(navigator.sendBeacon && navigator.sendBeacon(timeUrl(x),
          new Blob([JSON.stringify(withTime({ seconds: x.seconds }))], { type: 'application/json' })));
      } catch (e) { sent = false; }
      if (sent) timeDrop(x);
    });
    if (timeLeft.length) timeSend();
  }

  document.addEventListener('visibilitychange', function () {
    if (pageHidden()) {
      visitPause();
      timeAdd(visitTake(false));
      timeBeacon();
    } else if (visit && !visit.since) visit.since = Date.now();
  });
  window.addEventListener('pagehide', function () {
    visitPause();
    timeAdd(visitTake(true));
    timeBeacon();
  });
  window.addEventListener('online', function () { if (timeLeft.length) timeSend(); });
  /* A long read is handed on every minute, so a visit whose end is never
   * heard (a dropped unload beacon, a phone that dies) loses at most that.
   * (window.PB_TEST.timeFlushMs: a shorter period, for the browser tests.) */
  setInterval(function () {
    if (visit && !pageHidden()) {
      timeAdd(visitTake(false));
      if (timeLeft.length) timeSend();
    }
  }, (window.PB_TEST && window.PB_TEST.timeFlushMs) || 60000);
  window.addEventListener('pageshow', function () {
    if (visit && !visit.since && !pageHidden()) visit.since = Date.now();
  });

  /* The pack's lesson HTML (trusted, signed content) with its relative
   * media links resolved against the lesson's own URL. */
  function lessonNode(html, url, courseLang, title) {
    var tpl = document.createElement('template');
    tpl.innerHTML = html;
    var frag = tpl.content;
    /* the page has the lesson title as its h1: drop the lesson's own copy
     * and keep one h1 per screen */
    var first = frag.firstElementChild;
    if (first && /^H[12]$/.test(first.tagName) && norm(first.textContent) === norm(title)) frag.removeChild(first);
    Array.prototype.forEach.call(frag.querySelectorAll('h1'), function (h1) {
      var h2 = document.createElement('h2');
      while (h1.firstChild) h2.appendChild(h1.firstChild);
      h1.parentNode.replaceChild(h2, h1);
    });
    var base = location.origin + url;
    Array.prototype.forEach.call(frag.querySelectorAll('script,iframe,object,embed'), function (n) { n.parentNode.removeChild(n); });
    Array.prototype.forEach.call(frag.querySelectorAll('[src],[href],[poster]'), function (el) {
      ['src', 'href', 'poster'].forEach(function (a) {
        var v = el.getAttribute(a);
        if (v == null || /^(#|[a-z][a-z0-9+.-]*:|\/\/)/i.test(v)) return;
        try { var u = new URL(v, base); el.setAttribute(a, u.pathname + u.search + u.hash); } catch (e) { /* leave it */ }
      });
    });
    Array.prototype.forEach.call(frag.querySelectorAll('a[href]'), function (a) {
      var href = a.getAttribute('href');
      if (/\.pdf([?#]|$)/i.test(href)) { a.classList.add('pdf'); a.setAttribute('target', '_blank'); a.setAttribute('rel', 'noopener'); }
      else if (/^[a-z]+:\/\//i.test(href) && href.indexOf(location.origin) !== 0) { a.setAttribute('target', '_blank'); a.setAttribute('rel', 'noopener'); }
    });
    Array.prototype.forEach.call(frag.querySelectorAll('audio,video'), function (m) { m.setAttribute('controls', ''); });
    Array.prototype.forEach.call(frag.querySelectorAll('img'), function (m) { m.setAttribute('decoding', 'async'); });
    Array.prototype.forEach.call(frag.querySelectorAll('table'), function (tb) {
      var wrap = document.createElement('div');
      wrap.className = 'table-wrap';
      wrap.setAttribute('tabindex', '0'); /* scrollable by keyboard too */
      wrap.setAttribute('role', 'region');
      wrap.setAttribute('aria-label', t('table'));
      tb.parentNode.insertBefore(wrap, tb);
      wrap.appendChild(tb);
    });
    var art = h('article', { class: 'lesson-body', lang: courseLang });
    art.appendChild(frag);
    art.addEventListener('click', function (ev) {
      var a = ev.target.closest ? ev.target.closest('a[href^="#"]') : null;
      if (!a || a.getAttribute('href').slice(0, 2) === '#/') return;
      ev.preventDefault();
      var target = document.getElementById(a.getAttribute('href').slice(1));
      if (target) target.scrollIntoView();
    });
    return art;
  }

  async function openLesson(cid, lid, key) {
    /* Records the visit; quietly retried a few times, it is not worth
     * interrupting reading for. */
    for (var i = 0; i < 5; i++) {
      if (!visit || visit.key !== key) return;
      try { await api('POST', '/courses/' + enc(cid) + '/lessons/' + enc(lid) + '/open', withTime()); return; } catch (e) {
        if (!(e instanceof NetError)) return;
      }
      await sleep(2000 * (i + 1));
    }
  }

  async function pageLesson(ctx, cid, lid) {
    var key = location.hash;
    var c = await getCourse(ctx, cid);
    var idx = -1;
    c.lessons.forEach(function (l, i) { if (l.id === lid) idx = i; });
    if (idx < 0) return problemPage(ctx, t('not_found'), '#/course/' + enc(cid), t('to_course'));
    var l = c.lessons[idx];
    var html = await load(ctx, function () {
      return lessonCache[l.url] != null ? lessonCache[l.url] : request('GET', l.url, undefined, true);
    });
    lessonCache[l.url] = html;
    if (!visit || visit.key !== key) {
      visitEnd();
      visit = { key: key, cid: cid, lid: lid, ms: 0, sent: 0, since: pageHidden() ? 0 : Date.now() };
      openLesson(cid, lid, key);
    }
    var prev = idx > 0 ? c.lessons[idx - 1] : null;
    var next = idx < c.lessons.length - 1 ? c.lessons[idx + 1] : null;
    var nextHash = next ? lessonHref(cid, next.id) : c.quiz.passed ? '#/course/' + enc(cid) : '#/course/' + enc(cid) + '/quiz';
    var alertHost = h('div');
    var seconds = null;
    var done = h('button', { type: 'button', class: 'btn big', id: 'lesson-done', onclick: async function () {
      /* the time not sent yet; a resend carries the same seconds */
      if (seconds === null) seconds = visit && visit.key === key ? visitTake(true) : 0;
      await act(done, alertHost, function () {
        return api('POST', '/courses/' + enc(cid) + '/lessons/' + enc(lid) + '/complete', withTime({ seconds: seconds }));
      });
      announce(t('lesson_saved'));
      if (visit && visit.key === key) visit = null;
      go(nextHash);
    } }, next ? t('finish_next') : c.quiz.passed ? t('finish_course') : t('finish_quiz'));

    showPage(ctx, l.title, [
      h('a', { class: 'back', href: '#/course/' + enc(cid), lang: c.language }, '← ' + c.title),
      h('p', { class: 'small muted' }, t('lesson_n', { i: idx + 1, n: c.lessons.length })),
      h('h1', { lang: c.language }, l.title),
      h('div', { class: 'card' }, lessonNode(html, l.url, c.language, l.title)),
      alertHost,
      done,
      prev ? h('a', { class: 'btn alt', href: lessonHref(cid, prev.id), id: 'lesson-prev' }, t('prev')) : null
    ]);
  }

  /* ---------- quiz ---------- */

  async function pageQuiz(ctx, cid) {
    var c = await getCourse(ctx, cid);
    var key = attKey(cid);
    var mine = recall(key);
    if (!mine || !mine.id) { mine = { id: uuid() }; store(key, mine); }
    var att = await load(ctx, function () {
      return api('POST', '/courses/' + enc(cid) + '/attempts', withTime({ attempt: mine.id }));
    });
    var qs = att.questions;
    var answers = att.answers || {};
    var immediate = att.feedback !== 'end';
    var qd = drafts.quiz[mine.id] || (drafts.quiz[mine.id] = {});

    function choiceText(q, ids) {
      return (ids || []).map(function (id) {
        for (var i = 0; i < q.choices.length; i++) if (q.choices[i].id === id) return q.choices[i].text;
        return id;
      }).join('; ') || t('no_answer');
    }

    function firstOpen() {
      for (var i = 0; i < qs.length; i++) if (!answers[qs[i].id]) return i;
      return -1;
    }

    function newAttempt() {
      mine = { id: uuid() };
      store(key, mine);
      route();
    }

    async function finish() {
      var host = h('div');
      showPage(ctx, t('result'), [loadingCard(), host]);
      var again = retrier(host);
      var r;
      for (;;) {
        try {
          r = await api('POST', '/attempts/' + enc(mine.id) + '/finish', withTime());
          break;
        } catch (e) {
          if (!(e instanceof NetError)) throw e;
          if (!ctx.alive()) throw new Stale();
          await again.wait(e.busy ? t('busy') : t('net_down'));
          again.sending();
        }
      }
      mine.finished = true;
      store(key, mine);
      var byId = {};
      qs.forEach(function (q) { byId[q.id] = q; });
      showPage(ctx, t('result'), [
        h('a', { class: 'back', href: '#/course/' + enc(cid) }, '← ' + c.title),
        h('div', { class: 'card', id: 'quiz-result' },
          h('h1', null, t('result')),
          h('p', { class: 'score', id: 'score' }, String(r.score)),
          h('p', null, t('score_of', { c: r.correct, t: r.total })),
          h('p', null, h('span', { class: 'badge ' + (r.passed ? 'done' : 'fail'), id: 'passfail' }, r.passed ? t('passed') : t('not_passed')),
            ' ', t('pass_need', { p: r.passing_score })),
          h('p', null, r.passed ? t('congrats') : t('try_again_p')),
          r.passed && r.course_status !== 'completed' ? h('p', null, t('lessons_left')) : null,
          r.passed && r.course_status === 'completed' ? h('a', { class: 'btn big', href: '#/course/' + enc(cid) + '/certificate', id: 'see-cert' }, t('see_cert')) : null,
          !r.passed ? h('button', { type: 'button', class: 'btn big', id: 'retry-quiz', onclick: newAttempt }, t('try_again')) : null,
          h('a', { class: 'btn alt', href: '#/course/' + enc(cid) }, r.passed ? t('to_course') : t('study_again'))),
        h('h2', null, t('review')),
        h('ol', { class: 'results card', lang: c.language }, (r.results || []).map(function (x) {
          var q = byId[x.question] || { text: x.question, choices: [] };
          return h('li', { class: x.correct ? 'ok' : 'no' },
            h('p', null, h('b', null, q.text)),
            h('p', null, (x.correct ? '✓ ' : '✗ ') + t('your_answer', { t: choiceText(q, x.choices) })),
            !x.correct ? h('p', null, t('q_correct_is', { t: choiceText(q, x.correct_choices) })) : null,
            x.explanation ? h('p', { class: 'muted' }, x.explanation) : null);
        })),
        !r.passed ? h('button', { type: 'button', class: 'btn', onclick: newAttempt }, t('try_again')) : null
      ]);
    }

    function showQuestion(i) {
      var q = qs[i];
      var multi = q.type === 'multiple';
      var sel = qd[q.id] || (qd[q.id] = []);
      var done = answers[q.id];
      var inputs = [];
      var labels = q.choices.map(function (ch) {
        var input = h('input', { type: multi ? 'checkbox' : 'radio', name: 'q-' + q.id, value: ch.id });
        input.checked = done ? done.choices.indexOf(ch.id) >= 0 : sel.indexOf(ch.id) >= 0;
        inputs.push(input);
        var lab = h('label', { class: 'choice' + (input.checked ? ' sel' : '') }, input, h('span', null, ch.text));
        input.addEventListener('change', function () {
          var now = inputs.filter(function (x) { return x.checked; }).map(function (x) { return x.value; });
          qd[q.id] = sel = now;
          inputs.forEach(function (x) { x.parentNode.classList.toggle('sel', x.checked); });
        });
        return lab;
      });
      var alertHost = h('div');
      var fbHost = h('div');
      var btn = h('button', { type: 'submit', class: 'btn big', id: 'q-submit' }, immediate ? t('q_check') : t('q_save'));
      var nextBtn = h('button', { type: 'button', class: 'btn big', id: 'q-next', hidden: true,
        onclick: function () { var n = firstOpen(); if (n < 0) finish(); else showQuestion(n); } },
      firstOpenAfter() ? t('q_next') : t('q_results'));
      function firstOpenAfter() {
        for (var j = 0; j < qs.length; j++) if (j !== i && !answers[qs[j].id]) return true;
        return false;
      }

      function showFeedback(res) {
        inputs.forEach(function (x) {
          x.disabled = true;
          var right = (res.correct_choices || []).indexOf(x.value) >= 0;
          var lab = x.parentNode;
          if (right) { lab.classList.add('right'); lab.appendChild(h('span', { class: 'mark', 'aria-hidden': 'true' }, '✓')); }
          else if (x.checked) { lab.classList.add('wrong'); lab.appendChild(h('span', { class: 'mark', 'aria-hidden': 'true' }, '✗')); }
        });
        var head = h('h2', { tabindex: '-1' }, res.correct ? t('q_right') : t('q_wrong'));
        clear(fbHost).appendChild(h('div', { class: 'feedback ' + (res.correct ? 'ok' : 'no'), id: 'q-feedback' }, head,
          !res.correct ? h('p', null, t('q_correct_is', { t: choiceText(q, res.correct_choices) })) : null,
          res.explanation ? h('p', { lang: c.language }, res.explanation) : null));
        btn.hidden = true;
        nextBtn.hidden = false;
        head.focus();
      }

      var form = h('form', { novalidate: true, onsubmit: onSubmit },
        h('fieldset', null, h('legend', { lang: c.language }, q.text),
          multi ? h('p', { class: 'hint' }, t('q_multi')) : null, labels),
        alertHost, fbHost, btn, nextBtn);

      showPage(ctx, t('q_n', { i: i + 1, n: qs.length }), [
        h('a', { class: 'back', href: '#/course/' + enc(cid) }, '← ' + c.title),
        h('div', { class: 'card' },
          h('h1', { class: 'qhead' }, t('q_n', { i: i + 1, n: qs.length })),
          progressBar(i, qs.length, t('q_n', { i: i + 1, n: qs.length })),
          form)
      ]);
      if (done && immediate && done.correct_choices) showFeedback(done);

      async function onSubmit(ev) {
        ev.preventDefault();
        if (btn.disabled || btn.hidden) return;
        var choices = inputs.filter(function (x) { return x.checked; }).map(function (x) { return x.value; });
        if (!choices.length) {
          clear(alertHost).appendChild(h('div', { class: 'alert', role: 'alert' }, h('p', null, t('q_pick'))));
          return;
        }
        var body = withTime({ choices: choices });
        var res;
        inputs.forEach(function (x) { x.disabled = true; });
        try {
          res = await act(btn, alertHost, function () {
            return api('PUT', '/attempts/' + enc(mine.id) + '/answers/' + enc(q.id), body);
          }, 'net_answer');
        } catch (e) {
          inputs.forEach(function (x) { x.disabled = false; });
          if (e instanceof ApiError && e.code === 'attempt_finished') return finish();
          throw e;
        }
        if (!ctx.alive()) return;
        res.choices = res.choices || choices;
        answers[q.id] = res;
        if (immediate && res.correct_choices) {
          nextBtn.textContent = firstOpenAfter() ? t('q_next') : t('q_results');
          showFeedback(res);
        } else {
          var n = firstOpen();
          if (n < 0) await finish(); else showQuestion(n);
        }
      }
    }


    if (att.finished) return finish();
    var n = firstOpen();
    if (n < 0) return finish();
    showQuestion(n);
  }

  /* ---------- completion page ---------- */

  async function pageCertificate(ctx, cid) {
    var cert;
    try {
      cert = await load(ctx, function () { return api('GET', '/courses/' + enc(cid) + '/certificate'); });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'not_found') {
        return problemPage(ctx, t('cert_none'), '#/course/' + enc(cid), t('to_course'));
      }
      throw e;
    }
    showPage(ctx, t('cert'), [
      h('a', { class: 'back no-print', href: '#/course/' + enc(cid) }, '← ' + cert.course_title),
      h('div', { class: 'card cert', id: 'cert' },
        h('div', { class: 'seal', 'aria-hidden': 'true' }, '✓'),
        h('h1', null, t('cert')),
        h('p', { class: 'muted' }, t('cert_given')),
        h('p', { class: 'who', id: 'cert-name' }, cert.learner),
        h('p', null, t('village_line', { v: cert.village_name, d: cert.district, r: cert.regency })),
        h('p', { class: 'muted' }, t('cert_did')),
        h('p', { class: 'what', id: 'cert-course' }, cert.course_title),
        h('dl', null,
          h('dt', null, t('cert_date')), h('dd', { id: 'cert-date' }, cert.completed_at ? fmtDate(cert.completed_at) : '—'),
          h('dt', null, t('cert_score')), h('dd', { id: 'cert-score' }, String(cert.score))),
        cert.clock === 'unknown' ? h('p', { class: 'small muted' }, t('cert_clock')) : null),
      h('a', { class: 'btn alt no-print', href: '#/' }, t('to_home'))
    ]);
  }

  /* ---------- start ---------- */

  function applyLang() {
    document.documentElement.lang = lang;
    var b = document.getElementById('lang');
    b.textContent = t('lang_btn');
    b.setAttribute('lang', lang === 'id' ? 'en' : 'id');
    b.setAttribute('aria-label', t('lang_aria'));
    document.getElementById('skip').textContent = t('skip');
    var brand = document.getElementById('brand');
    brand.lastChild.textContent = t('app');
  }

  document.getElementById('lang').addEventListener('click', function () {
    lang = lang === 'id' ? 'en' : 'id';
    store('pb.lang', lang);
    applyLang();
    firstRender = true; /* keep the focus on the switch */
    route();
  });
  window.addEventListener('hashchange', route);
  /* Errors from button handlers end here: never a blank or stuck screen. */
  window.addEventListener('unhandledrejection', function (ev) {
    var e = ev.reason;
    ev.preventDefault();
    if (e instanceof Stale) return;
    if (e instanceof ApiError && e.code === 'not_logged_in') {
      me = null; afterLogin = location.hash; go('#/login'); return;
    }
    if (window.console) console.error(e);
    var seq = renderSeq;
    errorPage({ alive: function () { return seq === renderSeq; } }, e);
  });
  applyLang();
  takeEarly();
  route();
})();
