/* What the app holds for the learner's session, shared by the screens:
 * who is logged in, the lists the box sent once, the route to open after
 * logging in, and the forms' drafts (they survive errors and language
 * switches). Logging out clears the learner's parts (home.js). */

export var session = {
  me: undefined,      /* undefined: not asked yet; null: not logged in */
  positions: null,    /* GET /positions */
  villages: null,     /* GET /villages, with search keys (_n, _d) */
  names: null,        /* GET /learners/names */
  afterLogin: null,   /* the route asked for before logging in */
  drafts: { reg: {}, login: {}, quiz: {} }
};

/* Where the phone remembers the learner's current quiz attempt of a course
 * ({id, finished}): an attempt survives a reload and is resent, never doubled. */
export function attKey(cid) { return 'pb.att.' + (session.me ? session.me.id : '') + '.' + cid; }
