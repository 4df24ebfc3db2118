/*
 * Readiness: one uv_poll_t per descriptor, on the loop of the thread that
 * made it (napi_get_uv_event_loop, never uv_default_loop, which is the
 * wrong loop inside a worker), and one dispatch per loop turn.
 *
 * Dispatch. A poll callback does not call into JavaScript: it appends
 * (id, events, status) to the loop record's ring, an Int32Array that
 * JavaScript made and reads, and a uv_check_t of the record hands the whole
 * ring to one JavaScript function once the poll phase is over. With a
 * thousand ready conns that is one entry into JavaScript, one async
 * context, one microtask checkpoint for the lot, where a callback per fd
 * paid each of them a thousand times (measured: about 3 % of a busy echo
 * server's CPU, most of it cache misses on the per-handle references). A
 * full ring is handed over at once, from the poll callback that fills it.
 * A handle has at most one entry per turn: libuv calls epoll_wait again
 * when one call filled its 1,024 events, and a level-triggered fd that
 * JavaScript has not yet read comes back then; its events join its entry.
 * The ring goes to JavaScript SK_POLL_CHUNK entries per call, each call
 * followed by its microtasks, so the first conns' replies are written
 * while the kernel still holds the last ones' requests, as they were with
 * a call per fd (measured: a whole ring per call put 2 ms on the p99 of
 * 1,000 echo clients; 64 per call kept the throughput and the p99).
 * libuv runs the check handles last-started first, so this one, started
 * after Node's own, runs before setImmediate's callbacks, where poll
 * callbacks ran before them too.
 *
 * The ring's header is two slots (SK_POLL_RING_*). BATCH is 1 while a
 * dispatch runs, its microtasks included: JavaScript may put off work
 * until they are done (an uv_unref that the next read would undo), asking
 * for SETTLE, which makes the record call the function once more, with -1,
 * after the microtasks. A handle that closes takes its entry out of the
 * ring (id -1), so a number JavaScript reuses at once never sees a stale
 * event.
 *
 * Lifetime. A handle record (sk_poll_t) has two owners, and whichever lets
 * go second frees it:
 *
 *   1. libuv, from uv_poll_init until the close callback has run;
 *   2. the napi external handed to JavaScript, until its finalizer runs.
 *
 * So neither libuv nor a JavaScript call through a live external can ever
 * see freed memory, and a closed handle stays safe to pass to any poll*
 * function. Everything here runs on the loop's own thread, so plain flags
 * without locks are enough. The loop record (sk_poll_loop_t) has the same
 * two owners, its check handle and its external; a handle record points at
 * it only while its own uv_poll_t is open, and JavaScript keeps the loop's
 * external for as long as the environment lives.
 *
 * A third party must be kept waiting: the environment. When a worker exits
 * with a handle still open, Node tears the environment down and then
 * dlclose()s this module, while the loop may still owe us a close callback,
 * which would jump into unmapped code. An async cleanup hook (N-API 8) is
 * Node's answer: the environment starts our close and keeps running the
 * loop until the close callback says it is done, before anything is
 * unloaded. The hook stays registered from pollOpen (pollLoop) to the close
 * callback on every path, so a pollClose just before exit is covered as
 * well. The hooks run last-added first, so every poll handle is closing
 * before the loop record's check handle is.
 *
 * The fd is not this file's: its owner closes it, and at teardown env.c's
 * cleanup hook closes any still open, after these hooks have called
 * uv_close (env.c gives the order and why it is safe).
 *
 * The dispatch function and the ring are held by strong references until
 * the loop record's finalizer releases them.
 */
#include <errno.h>
#include <stdlib.h>
#include <uv.h>

#include "binding.h"

typedef struct sk_poll_s sk_poll_t;
typedef struct sk_poll_loop_s sk_poll_loop_t;

struct sk_poll_loop_s {
  uv_check_t check;
  napi_env env;
  napi_ref dispatch;
  napi_ref ring_ref;
  int32_t* ring;  /* The header, then (id, events, status) per entry. */
  size_t cap;     /* The entries the ring holds. */
  size_t count;   /* The entries in it now (being dispatched included). */
  uint64_t turn;  /* Counts the flushes; an entry is the handle's if its turn matches. */
  size_t handles; /* Handle records pointing here (freed only at 0). */
  napi_async_cleanup_hook_handle hook;
  int closing;
  int closed;
  int finalized;
};

struct sk_poll_s {
  uv_poll_t handle;
  sk_poll_loop_t* loop;  /* Counted in loop->handles until the close. */
  napi_async_cleanup_hook_handle hook;
  int32_t id;     /* What the ring says for this handle. */
  uint64_t turn;  /* The loop's turn when the handle last added an entry, */
  size_t slot;    /* and the entry's index in the ring. */
  int events;     /* The mask last passed to uv_poll_start. */
  int closing;    /* uv_close has been called; no callback may run. */
  int closed;     /* libuv's close callback has run: owner (1) is done. */
  int finalized;  /* The external's finalizer has run: owner (2) is done. */
};

#define SK_POLL_ENTRY 3
#ifndef SK_POLL_CHUNK
#define SK_POLL_CHUNK 64
#endif

/* Mark our externals, so a foreign external (from another addon, or a
 * forged value) is refused with a TypeError instead of being dereferenced.
 * The words spell "sockit.p" "ollhandl" and "sockit.p" "oll.loop".
 */
static const napi_type_tag sk_poll_tag = {
  0x736f636b69742e70ULL, 0x6f6c6c68616e646cULL
};
static const napi_type_tag sk_poll_loop_tag = {
  0x736f636b69742e70ULL, 0x6f6c6c2e6c6f6f70ULL
};

#define SK_POLL_EVENTS (UV_READABLE | UV_WRITABLE)

/* Calls the dispatch function with (first, n), through sk_env_call (env.c),
 * which runs the microtasks before it returns.
 */
static void sk_poll_loop_call(sk_poll_loop_t* l, int32_t first, int32_t n) {
  napi_value argv[2];

  if (napi_create_int32(l->env, first, &argv[0]) == napi_ok &&
      napi_create_int32(l->env, n, &argv[1]) == napi_ok)
    sk_env_call(l->env, l->dispatch, 2, argv);
}

/* Hands the ring's entries to JavaScript SK_POLL_CHUNK at a time, each
 * chunk followed by its microtasks and by the settling of what it put off.
 * The count stays until the last call returns, so that a handle closed
 * meanwhile can take its later entries out; no poll callback can add any
 * meanwhile.
 */
static void sk_poll_loop_flush(sk_poll_loop_t* l) {
  napi_handle_scope scope;
  size_t first, n;

  if (l->count == 0 || l->closing)
    return;
  if (napi_open_handle_scope(l->env, &scope) != napi_ok)
    return;
  for (first = 0; first < l->count && !l->closing; first += n) {
    n = l->count - first < SK_POLL_CHUNK ? l->count - first : SK_POLL_CHUNK;
    l->ring[SK_POLL_RING_BATCH] = 1;
    sk_poll_loop_call(l, (int32_t) first, (int32_t) n);
    l->ring[SK_POLL_RING_BATCH] = 0;
    if (l->ring[SK_POLL_RING_SETTLE] != 0) {
      l->ring[SK_POLL_RING_SETTLE] = 0;
      sk_poll_loop_call(l, -1, 0);
    }
  }
  l->count = 0;
  l->turn++;
  napi_close_handle_scope(l->env, scope);
}

static void sk_poll_loop_on_check(uv_check_t* check) {
  sk_poll_loop_flush(check->data);
}

/* Frees the loop record once its check handle is closed, its external
 * gone and no handle record points at it any more.
 */
static void sk_poll_loop_maybe_free(sk_poll_loop_t* l) {
  if (l->closed && l->finalized && l->handles == 0)
    free(l);
}

static void sk_poll_loop_on_close(uv_handle_t* handle) {
  sk_poll_loop_t* l;

  l = handle->data;
  l->closed = 1;
  if (l->hook != NULL)
    napi_remove_async_cleanup_hook(l->hook);
  l->hook = NULL;
  sk_poll_loop_maybe_free(l);
}

static void sk_poll_loop_begin_close(sk_poll_loop_t* l) {
  if (l->closing)
    return;
  l->closing = 1;
  l->count = 0;
  uv_close((uv_handle_t*) &l->check, sk_poll_loop_on_close);
}

static void sk_poll_loop_cleanup(napi_async_cleanup_hook_handle hook,
                                 void* arg) {
  (void) hook;
  sk_poll_loop_begin_close(arg);
}

static void sk_poll_loop_release(napi_env env, sk_poll_loop_t* l) {
  if (l->dispatch != NULL)
    napi_delete_reference(env, l->dispatch);
  if (l->ring_ref != NULL)
    napi_delete_reference(env, l->ring_ref);
  l->dispatch = NULL;
  l->ring_ref = NULL;
}

/* JavaScript keeps the loop's external for the environment's life, so this
 * runs at teardown, or for a loop record that was made and then dropped.
 */
static void sk_poll_loop_finalize(napi_env env, void* data, void* hint) {
  sk_poll_loop_t* l;

  (void) hint;
  l = data;
  l->finalized = 1;
  sk_poll_loop_release(env, l);
  sk_poll_loop_begin_close(l);
  sk_poll_loop_maybe_free(l);
}

/* Takes a closing handle's entry, if it has one, out of the ring. */
static void sk_poll_loop_forget(sk_poll_t* h) {
  sk_poll_loop_t* l;

  l = h->loop;
  if (h->turn == l->turn && h->slot < l->count)
    l->ring[SK_POLL_RING_HEADER + h->slot * SK_POLL_ENTRY] = -1;
}

/* The last callback libuv makes for the handle. Removing the async cleanup
 * hook here, not earlier, tells a departing environment that we are done
 * with its loop (if it is departing; otherwise it just unregisters).
 */
static void sk_poll_on_close(uv_handle_t* handle) {
  sk_poll_t* h;

  h = (sk_poll_t*) handle->data;
  h->closed = 1;
  h->loop->handles--;
  sk_poll_loop_maybe_free(h->loop);
  if (h->hook != NULL)
    napi_remove_async_cleanup_hook(h->hook);
  h->hook = NULL;
  if (h->finalized)
    free(h);
}

/* After uv_close libuv never runs the poll callback again, even for events
 * it has already collected in this loop iteration (uv_poll_stop
 * invalidates them through uv__platform_invalidate_fd); what the ring
 * already holds for the handle goes too.
 */
static void sk_poll_begin_close(sk_poll_t* h) {
  if (h->closing)
    return;
  h->closing = 1;
  sk_poll_loop_forget(h);
  uv_close((uv_handle_t*) &h->handle, sk_poll_on_close);
}

/* The environment is going away with the handle still open (or its close
 * still pending). Only libuv is touched: JavaScript can no longer run.
 */
static void sk_poll_cleanup(napi_async_cleanup_hook_handle hook, void* arg) {
  (void) hook;
  sk_poll_begin_close(arg);
}

/* Runs when the external is garbage, or at environment teardown. For a
 * module built without NAPI_EXPERIMENTAL, Node defers finalizers to a
 * SetImmediate (or runs them from its teardown), so this never runs inside
 * a dispatch. If JavaScript dropped the handle without pollClose, close it
 * now; the memory then goes in sk_poll_on_close.
 */
static void sk_poll_finalize(napi_env env, void* data, void* hint) {
  sk_poll_t* h;

  (void) env;
  (void) hint;
  h = data;
  h->finalized = 1;
  if (h->closed)
    free(h);
  else
    sk_poll_begin_close(h);
}

/* Appends the event to the ring, handing the ring over first if it is full.
 * `h` is not touched after that: JavaScript may have closed it.
 */
static void sk_poll_cb(uv_poll_t* handle, int status, int events) {
  sk_poll_loop_t* l;
  sk_poll_t* h;
  int32_t* e;

  h = (sk_poll_t*) handle->data;
  l = h->loop;
  if (h->closing || l->closing)
    return;
  if (h->turn == l->turn) {
    e = l->ring + SK_POLL_RING_HEADER + h->slot * SK_POLL_ENTRY;
    e[1] |= events;
    if (status < 0)
      e[2] = status;
    return;
  }
  if (l->count == l->cap) {
    sk_poll_loop_flush(l);
    if (h->closing || l->count == l->cap)
      return;
  }
  h->turn = l->turn;
  h->slot = l->count;
  e = l->ring + SK_POLL_RING_HEADER + l->count * SK_POLL_ENTRY;
  e[0] = h->id;
  e[1] = events;
  e[2] = status;
  l->count++;
}

/* Reads an external of ours tagged `tag`; a TypeError for anything else. A
 * closed handle is still returned: its record lives at least as long as
 * the external that JavaScript is passing in.
 */
static void* sk_poll_unwrap(napi_env env, napi_value v,
                            const napi_type_tag* tag, const char* message) {
  bool ours;
  void* data;

  if (napi_check_object_type_tag(env, v, tag, &ours) != napi_ok || !ours ||
      napi_get_value_external(env, v, &data) != napi_ok) {
    sk_napi_type_error(env, message);
    return NULL;
  }
  return data;
}

static sk_poll_t* sk_poll_from(napi_env env, napi_value v) {
  return sk_poll_unwrap(env, v, &sk_poll_tag,
                        "sockit: h must be a poll handle");
}

/* Wraps `data` in an external tagged `tag`. Until the external exists no
 * finalizer will ever run, so the caller counts owner (2) as done before
 * calling and as not done once this returns 0.
 */
static int sk_poll_external(napi_env env, void* data, napi_finalize fin,
                            const napi_type_tag* tag, napi_value* ext) {
  if (napi_create_external(env, data, fin, NULL, ext) != napi_ok)
    return -1;
  return napi_type_tag_object(env, *ext, tag) != napi_ok ? -2 : 0;
}

/* Only N-API itself failing (out of memory) gets here; no errno says
 * what went wrong, so this is the one place poll.c throws.
 */
static napi_value sk_poll_fail(napi_env env) {
  bool pending;

  if (napi_is_exception_pending(env, &pending) == napi_ok && !pending)
    napi_throw_error(env, NULL, "sockit: cannot create a poll handle");
  return NULL;
}

napi_value sk_poll_loop_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  napi_valuetype type;
  napi_value ext;
  uv_loop_t* loop;
  sk_poll_loop_t* l;
  int32_t* ring;
  size_t len;
  int rc = 0;

  if (sk_napi_args(env, info, 2, argv))
    return NULL;
  if (napi_typeof(env, argv[0], &type) != napi_ok || type != napi_function)
    return sk_napi_type_error(env, "sockit: dispatch must be a function");
  if (sk_napi_int32s(env, argv[1], "ring",
                     SK_POLL_RING_HEADER + SK_POLL_ENTRY, &ring) ||
      napi_get_typedarray_info(env, argv[1], NULL, &len, NULL, NULL, NULL) !=
          napi_ok) {
    return NULL;
  }
  if (napi_get_uv_event_loop(env, &loop) != napi_ok)
    return sk_napi_number(env, -EINVAL);
  if (sk_env_callback_context(env) == NULL)
    return sk_poll_fail(env);
  l = calloc(1, sizeof(*l));
  if (l == NULL)
    return sk_napi_number(env, -ENOMEM);
  l->env = env;
  l->ring = ring;
  l->cap = (len - SK_POLL_RING_HEADER) / SK_POLL_ENTRY;
  l->turn = 1; /* Handles start at turn 0: in no turn of the ring. */
  ring[SK_POLL_RING_BATCH] = 0;
  ring[SK_POLL_RING_SETTLE] = 0;
  /* uv_check_init cannot fail on Unix; closing it frees the record. */
  uv_check_init(loop, &l->check);
  l->check.data = l;
  l->finalized = 1;
  if (napi_create_reference(env, argv[0], 1, &l->dispatch) != napi_ok ||
      napi_create_reference(env, argv[1], 1, &l->ring_ref) != napi_ok ||
      (rc = sk_poll_external(env, l, sk_poll_loop_finalize,
                             &sk_poll_loop_tag, &ext)) == -1) {
    sk_poll_loop_release(env, l);
    sk_poll_loop_begin_close(l);
    return sk_poll_fail(env);
  }
  l->finalized = 0;
  if (rc != 0 || napi_add_async_cleanup_hook(env, sk_poll_loop_cleanup, l,
                                             &l->hook) != napi_ok) {
    sk_poll_loop_begin_close(l);
    return sk_poll_fail(env);
  }
  /* Running every turn, it never keeps the loop alive by itself. */
  uv_check_start(&l->check, sk_poll_loop_on_check);
  uv_unref((uv_handle_t*) &l->check);
  return ext;
}

napi_value sk_poll_open_js(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  napi_value ext;
  uv_loop_t* loop;
  sk_poll_loop_t* l;
  sk_poll_t* h;
  int32_t fd;
  int32_t id;
  int err;
  int rc;

  if (sk_napi_args(env, info, 3, argv) ||
      (l = sk_poll_unwrap(env, argv[0], &sk_poll_loop_tag,
                          "sockit: loop must be a poll loop")) == NULL ||
      sk_napi_int(env, argv[1], "fd", &fd) ||
      sk_napi_int(env, argv[2], "id", &id)) {
    return NULL;
  }
  if (id < 0)
    return sk_napi_type_error(env, "sockit: id must not be negative");
  if (fd < 0)
    return sk_napi_number(env, -EBADF);
  if (l->closing || napi_get_uv_event_loop(env, &loop) != napi_ok ||
      loop != l->check.loop) {
    return sk_napi_number(env, -EINVAL);
  }
  h = calloc(1, sizeof(*h));
  if (h == NULL)
    return sk_napi_number(env, -ENOMEM);

  /* uv_poll_init registers nothing when it fails (EEXIST when a started
   * handle of this loop already watches fd, EPERM for a regular file under
   * epoll), so the record can simply be freed. libuv's error codes are
   * negative errnos on Unix, so they pass through as they are.
   */
  err = uv_poll_init(loop, &h->handle, fd);
  if (err) {
    free(h);
    return sk_napi_number(env, err);
  }
  h->handle.data = h;
  h->loop = l;
  h->id = id;
  l->handles++;
  /* Stopped (uv_poll_init starts nothing) and unreferenced: an idle
   * handle must not keep the process alive until JavaScript says so.
   */
  uv_unref((uv_handle_t*) &h->handle);

  h->finalized = 1;
  rc = sk_poll_external(env, h, sk_poll_finalize, &sk_poll_tag, &ext);
  if (rc == 0) {
    h->finalized = 0;
    if (napi_add_async_cleanup_hook(env, sk_poll_cleanup, h, &h->hook) ==
        napi_ok) {
      return ext;
    }
  } else if (rc == -2) {
    h->finalized = 0;
  }
  sk_poll_begin_close(h);
  return sk_poll_fail(env);
}

/* Starting a handle that is already active with the same mask is skipped:
 * uv_poll_start would stop and re-arm it, an epoll_ctl per wait. libuv
 * stops the handle itself when it reports an error (status < 0), which
 * uv_is_active sees, so the next update really restarts it.
 */
static int sk_poll_update(sk_poll_t* h, int events) {
  int err;

  if (h->closing)
    return UV_EBADF;
  if (events == 0)
    return uv_poll_stop(&h->handle);
  if (events == h->events && uv_is_active((uv_handle_t*) &h->handle))
    return 0;
  err = uv_poll_start(&h->handle, events, sk_poll_cb);
  if (err == 0)
    h->events = events;
  return err;
}

napi_value sk_poll_update_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t events;
  sk_poll_t* h;

  if (sk_napi_args(env, info, 2, argv) ||
      (h = sk_poll_from(env, argv[0])) == NULL ||
      sk_napi_int(env, argv[1], "events", &events)) {
    return NULL;
  }
  /* libuv asserts on unknown bits, so they must not get that far. */
  if (events & ~SK_POLL_EVENTS)
    return sk_napi_type_error(env, "sockit: events must be a POLL_* mask");
  return sk_napi_number(env, sk_poll_update(h, events));
}

napi_value sk_poll_ref_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  sk_poll_t* h;
  bool ref;

  if (sk_napi_args(env, info, 2, argv) ||
      (h = sk_poll_from(env, argv[0])) == NULL) {
    return NULL;
  }
  if (napi_get_value_bool(env, argv[1], &ref) != napi_ok)
    return sk_napi_type_error(env, "sockit: ref must be a boolean");
  if (!h->closing) {
    if (ref)
      uv_ref((uv_handle_t*) &h->handle);
    else
      uv_unref((uv_handle_t*) &h->handle);
  }
  return NULL;
}

napi_value sk_poll_close_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  sk_poll_t* h;

  if (sk_napi_args(env, info, 1, argv) ||
      (h = sk_poll_from(env, argv[0])) == NULL) {
    return NULL;
  }
  sk_poll_begin_close(h);
  return NULL;
}
