/*
 * Readiness: one uv_poll_t per descriptor, on the loop of the thread that
 * made it (napi_get_uv_event_loop, never uv_default_loop, which is the
 * wrong loop inside a worker).
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
 * without locks are enough.
 *
 * A third party must be kept waiting: the environment. When a worker exits
 * with a handle still open, Node tears the environment down and then
 * dlclose()s this module, while the loop may still owe us a close callback,
 * which would jump into unmapped code. An async cleanup hook (N-API 8) is
 * Node's answer: the environment starts our close and keeps running the
 * loop until the close callback says it is done, before anything is
 * unloaded. The hook stays registered from pollOpen to the close callback
 * on every path, so a pollClose just before exit is covered as well.
 *
 * The fd is not this file's: its owner closes it, and at teardown env.c's
 * cleanup hook closes any still open, after these hooks have called
 * uv_close (env.c gives the order and why it is safe).
 *
 * The JavaScript callback is held by a strong reference from pollOpen
 * until pollClose (or the finalizer) releases it. JavaScript must therefore
 * call pollClose: a callback that closes over the handle keeps both alive.
 */
#include <errno.h>
#include <stdlib.h>
#include <uv.h>

#include "binding.h"

typedef struct sk_poll_s sk_poll_t;

struct sk_poll_s {
  uv_poll_t handle;
  napi_env env;
  napi_ref callback;
  napi_async_cleanup_hook_handle hook;
  int events;     /* The mask last passed to uv_poll_start. */
  int closing;    /* uv_close has been called; no callback may run. */
  int closed;     /* libuv's close callback has run: owner (1) is done. */
  int finalized;  /* The external's finalizer has run: owner (2) is done. */
};

/* Marks our externals, so a foreign external (from another addon, or a
 * forged value) is refused with a TypeError instead of being dereferenced.
 * The words spell "sockit.p" and "ollhandl".
 */
static const napi_type_tag sk_poll_tag = {
  0x736f636b69742e70ULL, 0x6f6c6c68616e646cULL
};

#define SK_POLL_EVENTS (UV_READABLE | UV_WRITABLE)

/* The last callback libuv makes for the handle. Removing the async cleanup
 * hook here, not earlier, tells a departing environment that we are done
 * with its loop (if it is departing; otherwise it just unregisters).
 */
static void sk_poll_on_close(uv_handle_t* handle) {
  sk_poll_t* h;

  h = (sk_poll_t*) handle->data;
  h->closed = 1;
  if (h->hook != NULL)
    napi_remove_async_cleanup_hook(h->hook);
  h->hook = NULL;
  if (h->finalized)
    free(h);
}

/* After uv_close libuv never runs the poll callback again, even for events
 * it has already collected in this loop iteration (uv_poll_stop
 * invalidates them through uv__platform_invalidate_fd).
 */
static void sk_poll_begin_close(sk_poll_t* h) {
  if (h->closing)
    return;
  h->closing = 1;
  uv_close((uv_handle_t*) &h->handle, sk_poll_on_close);
}

/* Releases the JavaScript values. Called only where N-API may be used:
 * pollClose, a failed pollOpen, and the finalizer.
 */
static void sk_poll_release(napi_env env, sk_poll_t* h) {
  if (h->callback != NULL)
    napi_delete_reference(env, h->callback);
  h->callback = NULL;
}

/* The environment is going away with the handle still open (or its close
 * still pending). Only libuv is touched: JavaScript can no longer run, and
 * the finalizer, which the environment runs later, releases the values.
 */
static void sk_poll_cleanup(napi_async_cleanup_hook_handle hook, void* arg) {
  (void) hook;
  sk_poll_begin_close(arg);
}

/* Runs when the external is garbage, or at environment teardown. For a
 * module built without NAPI_EXPERIMENTAL, Node defers finalizers to a
 * SetImmediate (or runs them from its teardown), so this never runs inside
 * sk_poll_cb and may call N-API. If JavaScript dropped the handle without
 * pollClose, close it now; the memory then goes in sk_poll_on_close.
 */
static void sk_poll_finalize(napi_env env, void* data, void* hint) {
  sk_poll_t* h;

  (void) hint;
  h = data;
  h->finalized = 1;
  sk_poll_release(env, h);
  if (h->closed)
    free(h);
  else
    sk_poll_begin_close(h);
}

/* Calls onEvent(events, status), through sk_env_call (env.c). `h` is not
 * touched once JavaScript has run: it may have called pollClose, and the
 * record is only guaranteed until the loop reaches the close callbacks,
 * which is after this returns.
 */
static void sk_poll_cb(uv_poll_t* handle, int status, int events) {
  napi_handle_scope scope;
  napi_value argv[2];
  napi_env env;
  sk_poll_t* h;

  h = (sk_poll_t*) handle->data;
  if (h->closing)
    return;
  env = h->env;
  if (napi_open_handle_scope(env, &scope) != napi_ok)
    return;
  if (napi_create_int32(env, events, &argv[0]) == napi_ok &&
      napi_create_int32(env, status, &argv[1]) == napi_ok) {
    sk_env_call(env, h->callback, 2, argv);
  }
  napi_close_handle_scope(env, scope);
}

/* Reads a poll handle argument; a TypeError for anything but our own
 * externals. A closed handle is still returned: its record lives at least
 * as long as the external that JavaScript is passing in.
 */
static sk_poll_t* sk_poll_from(napi_env env, napi_value v) {
  bool ours;
  void* data;

  if (napi_check_object_type_tag(env, v, &sk_poll_tag, &ours) != napi_ok ||
      !ours ||
      napi_get_value_external(env, v, &data) != napi_ok) {
    sk_napi_type_error(env, "sockit: h must be a poll handle");
    return NULL;
  }
  return data;
}

/* Makes the JavaScript side of a fresh handle: the callback reference, the
 * tagged external and the async cleanup hook (and, once per environment, the
 * shared async context, env.c). On
 * failure the caller releases what was made and closes the handle; an
 * external that was made is left to its finalizer.
 */
static int sk_poll_wrap(napi_env env, sk_poll_t* h, napi_value fn,
                        napi_value* ext) {
  /* Until the external exists no finalizer will ever run, so owner (2)
   * counts as done and a failed open frees the record on close.
   */
  h->finalized = 1;
  if (sk_env_callback_context(env) == NULL ||
      napi_create_reference(env, fn, 1, &h->callback) != napi_ok) {
    return -1;
  }
  if (napi_create_external(env, h, sk_poll_finalize, NULL, ext) != napi_ok)
    return -1;
  h->finalized = 0;
  if (napi_type_tag_object(env, *ext, &sk_poll_tag) != napi_ok ||
      napi_add_async_cleanup_hook(env, sk_poll_cleanup, h, &h->hook) !=
          napi_ok) {
    return -1;
  }
  return 0;
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

napi_value sk_poll_open_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  napi_valuetype type;
  napi_value ext;
  uv_loop_t* loop;
  sk_poll_t* h;
  int32_t fd;
  int err;

  if (sk_napi_args(env, info, 2, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd)) {
    return NULL;
  }
  if (napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function)
    return sk_napi_type_error(env, "sockit: onEvent must be a function");
  if (fd < 0)
    return sk_napi_number(env, -EBADF);
  if (napi_get_uv_event_loop(env, &loop) != napi_ok)
    return sk_napi_number(env, -EINVAL);
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
  h->env = env;
  /* Stopped (uv_poll_init starts nothing) and unreferenced: an idle
   * handle must not keep the process alive until JavaScript says so.
   */
  uv_unref((uv_handle_t*) &h->handle);

  if (sk_poll_wrap(env, h, argv[1], &ext)) {
    sk_poll_release(env, h);
    sk_poll_begin_close(h);
    return sk_poll_fail(env);
  }
  return ext;
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
  sk_poll_release(env, h);
  sk_poll_begin_close(h);
  return NULL;
}
