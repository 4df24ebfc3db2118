/*
 * Waits that no poller can serve: a file lock that is held, a semaphore at
 * zero. They have no fd to poll, so each blocked call runs on a waiter
 * thread of its own, made for it and joined when it ends (docs/design.md,
 * "Waiting without an fd", gives the reasons and the bound).
 *
 * A wait (sk_waiter_t) is started by a family (lock.c, sem.c) with its
 * operation: `run`, the blocking call made on the thread (0 or -errno);
 * `abandon`, what to undo when the environment is torn down and nobody
 * will see the result (a semaphore decremented just then is posted back);
 * and `release`, which frees the operation's argument on the loop's thread.
 * The thread reports through a uv_async_t, whose callback joins the thread
 * and calls the JavaScript callback with the result. A result that arrives
 * after a cancel is still reported as it is: the layer above knows it
 * cancelled, and undoes what was taken (policy lives in TypeScript).
 *
 * Cancelling. The thread runs with every signal blocked but SK_WAITER_SIGNAL,
 * whose handler does nothing and is installed without SA_RESTART, so
 * pthread_kill makes the blocking call fail with EINTR (signal(7): flock,
 * fcntl F_SETLKW and sem_wait are all interrupted so). The thread reads the
 * cancelled flag before each call and after each EINTR. One race is left:
 * the signal may land after the flag was read and before the call blocks,
 * and is then lost. So a cancel also starts a timer that sends the signal
 * again, after 1 ms and then every 5 ms, until the thread has finished. The
 * signal is a real-time one that Node, libuv, V8 and glibc leave alone, and
 * that Node's process.on cannot name.
 *
 * Lifetime. The record has two owners, as poll.c's have: libuv (the async
 * and timer handles, until both close callbacks have run) and the napi
 * external handed to JavaScript (until its finalizer). The thread is a
 * third party that never outlives the first: the handles are closed only
 * after the join. An async cleanup hook holds the environment's teardown
 * until the thread is joined and the handles closed: the hook cancels the
 * wait, the loop keeps turning (and the timer re-sending) until the thread
 * ends, and the close callback removes the hook.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "binding.h"

#ifdef SIGRTMIN
# define SK_WAITER_SIGNAL (SIGRTMAX - 6)
#else
# define SK_WAITER_SIGNAL SIGUSR2
#endif

/* A waiter thread makes one blocking syscall; 64 KiB is room for it and a
 * signal frame many times over, where the default would reserve 8 MiB of
 * address space per wait.
 */
#define SK_WAITER_STACK (64 * 1024)

/* The re-sends of a cancel's signal: the first after 1 ms, then every 5. */
#define SK_WAITER_RESEND_FIRST_MS 1
#define SK_WAITER_RESEND_MS 5

struct sk_waiter_s {
  uv_async_t done;         /* Sent by the thread as its last act. */
  uv_timer_t resend;       /* Re-sends the signal while a cancel is pending. */
  pthread_t thread;
  napi_env env;
  napi_ref callback;
  napi_async_cleanup_hook_handle hook;
  const sk_waiter_ops_t* ops;
  void* arg;
  atomic_int cancelled;    /* Set by a cancel; read by the thread. */
  atomic_int finished;     /* Set by the thread before it sends `done`. */
  int result;              /* The thread's result; read after the join. */
  int joined;
  int torn_down;           /* The cleanup hook ran: no JavaScript to call. */
  int open_handles;        /* Handles not yet through their close callback. */
  int closing;
  int finalized;           /* Owner 2 is done. */
};

/* "sockit.w" and "aithandl". */
static const napi_type_tag sk_waiter_tag = {
  0x736f636b69742e77ULL, 0x61697468616e646cULL
};

static pthread_once_t sk_waiter_once = PTHREAD_ONCE_INIT;
static int sk_waiter_init_err;

int sk_waiter_signal(void) {
  return SK_WAITER_SIGNAL;
}

static void sk_waiter_on_signal(int sig) {
  (void) sig;
}

/* Installed once per process; no SA_RESTART, so blocking calls fail with
 * EINTR instead of being restarted.
 */
static void sk_waiter_install(void) {
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = sk_waiter_on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  if (sigaction(SK_WAITER_SIGNAL, &sa, NULL))
    sk_waiter_init_err = -errno;
}

static void* sk_waiter_main(void* p) {
  sk_waiter_t* w;
  int rc;

  w = p;
  rc = -EINTR;
  while (!atomic_load(&w->cancelled)) {
    rc = w->ops->run(w->arg);
    if (rc != -EINTR)
      break;
  }
  w->result = rc;
  atomic_store(&w->finished, 1);
  uv_async_send(&w->done);
  return NULL;
}

static void sk_waiter_free(sk_waiter_t* w) {
  if (w->ops != NULL && w->ops->release != NULL)
    w->ops->release(w->arg);
  free(w);
}

static void sk_waiter_on_close(uv_handle_t* handle) {
  sk_waiter_t* w;

  w = handle->data;
  if (--w->open_handles > 0)
    return;
  if (w->hook != NULL)
    napi_remove_async_cleanup_hook(w->hook);
  w->hook = NULL;
  if (w->finalized)
    sk_waiter_free(w);
}

static void sk_waiter_begin_close(sk_waiter_t* w) {
  if (w->closing)
    return;
  w->closing = 1;
  uv_close((uv_handle_t*) &w->done, sk_waiter_on_close);
  uv_close((uv_handle_t*) &w->resend, sk_waiter_on_close);
}

static void sk_waiter_on_resend(uv_timer_t* timer) {
  sk_waiter_t* w;

  w = timer->data;
  if (!atomic_load(&w->finished))
    pthread_kill(w->thread, SK_WAITER_SIGNAL);
}

/* Asks the thread to stop; idempotent, and a no-op once it has finished.
 * The result still comes through `done`.
 */
static void sk_waiter_cancel(sk_waiter_t* w) {
  if (w->joined || atomic_load(&w->finished) || atomic_load(&w->cancelled))
    return;
  atomic_store(&w->cancelled, 1);
  pthread_kill(w->thread, SK_WAITER_SIGNAL);
  uv_timer_start(&w->resend, sk_waiter_on_resend, SK_WAITER_RESEND_FIRST_MS,
                 SK_WAITER_RESEND_MS);
}

/* The thread has stored its result (before `finished`, which orders it) and
 * has nothing left to do but return. The result is reported first and the
 * thread joined after, so that the caller's continuation, which runs inside
 * the callback, does not wait for the thread's exit (on a single CPU the
 * exit needs the CPU this callback holds). The handles close after the
 * join, so nothing fires again; the thread never outlives them.
 */
static void sk_waiter_on_done(uv_async_t* handle) {
  napi_handle_scope scope;
  napi_value argv[1];
  sk_waiter_t* w;
  napi_env env;

  w = handle->data;
  if (w->joined || !atomic_load(&w->finished))
    return;
  uv_timer_stop(&w->resend);
  if (!w->torn_down) {
    env = w->env;
    if (napi_open_handle_scope(env, &scope) == napi_ok) {
      if (napi_create_int32(env, w->result, &argv[0]) == napi_ok)
        sk_env_call(env, w->callback, 1, argv);
      napi_close_handle_scope(env, scope);
    }
    /* The callback is called once: let it go, or the strong reference
     * would keep it, and the external it closes over, alive for good. `w`
     * is still ours: its handles close and its finalizer runs only later.
     */
    napi_delete_reference(env, w->callback);
    w->callback = NULL;
  }
  pthread_join(w->thread, NULL);
  w->joined = 1;
  sk_waiter_begin_close(w);
  if (w->torn_down && w->ops->abandon != NULL)
    w->ops->abandon(w->arg, w->result);
}

static void sk_waiter_cleanup(napi_async_cleanup_hook_handle hook, void* arg) {
  sk_waiter_t* w;

  (void) hook;
  w = arg;
  w->torn_down = 1;
  sk_waiter_cancel(w);
}

static void sk_waiter_finalize(napi_env env, void* data, void* hint) {
  sk_waiter_t* w;

  (void) hint;
  w = data;
  w->finalized = 1;
  if (w->callback != NULL)
    napi_delete_reference(env, w->callback);
  w->callback = NULL;
  if (w->open_handles == 0)
    sk_waiter_free(w);
}

/* Starts the thread with every signal blocked but SK_WAITER_SIGNAL: the
 * thread inherits the mask it is made with, so no process signal is ever
 * delivered to it, and the caller's mask is back at once.
 */
static int sk_waiter_spawn(sk_waiter_t* w) {
  pthread_attr_t attr;
  sigset_t mask;
  sigset_t old;
  size_t stack;
  int err;

  stack = SK_WAITER_STACK;
  if (stack < (size_t) PTHREAD_STACK_MIN)
    stack = (size_t) PTHREAD_STACK_MIN;
  if ((err = pthread_attr_init(&attr)) != 0)
    return -err;
  err = pthread_attr_setstacksize(&attr, stack);
  if (err == 0) {
    sigfillset(&mask);
    sigdelset(&mask, SK_WAITER_SIGNAL);
    pthread_sigmask(SIG_SETMASK, &mask, &old);
    err = pthread_create(&w->thread, &attr, sk_waiter_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
  }
  pthread_attr_destroy(&attr);
  return -err;
}

napi_value sk_waiter_start(napi_env env, napi_value callback,
                         const sk_waiter_ops_t* ops, void* arg) {
  napi_valuetype type;
  napi_value ext;
  uv_loop_t* loop;
  sk_waiter_t* w;
  int err;

  if (napi_typeof(env, callback, &type) != napi_ok || type != napi_function) {
    if (ops->release != NULL)
      ops->release(arg);
    return sk_napi_type_error(env, "sockit: onDone must be a function");
  }
  pthread_once(&sk_waiter_once, sk_waiter_install);
  err = sk_waiter_init_err;
  w = NULL;
  if (err == 0 && napi_get_uv_event_loop(env, &loop) != napi_ok)
    err = -EINVAL;
  if (err == 0 && (w = calloc(1, sizeof(*w))) == NULL)
    err = -ENOMEM;
  if (err != 0) {
    if (ops->release != NULL)
      ops->release(arg);
    return sk_napi_number(env, err);
  }
  w->env = env;
  w->ops = ops;
  w->arg = arg;
  w->finalized = 1; /* Until the external exists. */
  uv_async_init(loop, &w->done, sk_waiter_on_done);
  uv_timer_init(loop, &w->resend);
  w->done.data = w;
  w->resend.data = w;
  w->open_handles = 2;
  /* The async handle keeps the loop alive while the wait runs, as a
   * pending fs call does; the timer never does.
   */
  uv_unref((uv_handle_t*) &w->resend);

  if (napi_create_reference(env, callback, 1, &w->callback) != napi_ok ||
      napi_create_external(env, w, sk_waiter_finalize, NULL, &ext) != napi_ok) {
    if (w->callback != NULL)
      napi_delete_reference(env, w->callback);
    w->callback = NULL;
    sk_waiter_begin_close(w);
    return NULL;
  }
  w->finalized = 0;
  if (napi_type_tag_object(env, ext, &sk_waiter_tag) != napi_ok ||
      napi_add_async_cleanup_hook(env, sk_waiter_cleanup, w, &w->hook) !=
          napi_ok) {
    w->hook = NULL;
    w->joined = 1;
    sk_waiter_begin_close(w);
    return NULL;
  }
  err = sk_waiter_spawn(w);
  if (err != 0) {
    w->joined = 1;
    sk_waiter_begin_close(w);
    return sk_napi_number(env, err);
  }
  return ext;
}

/* waiterCancel(w): asks a wait to stop. Its callback still runs, once, with
 * what the call returned: -EINTR when the cancel stopped it, else the
 * result it had reached first.
 */
napi_value sk_waiter_cancel_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool ours;
  void* data;

  if (sk_napi_args(env, info, 1, argv))
    return NULL;
  if (napi_check_object_type_tag(env, argv[0], &sk_waiter_tag, &ours) !=
          napi_ok ||
      !ours || napi_get_value_external(env, argv[0], &data) != napi_ok) {
    return sk_napi_type_error(env, "sockit: w must be a wait handle");
  }
  sk_waiter_cancel(data);
  return NULL;
}
