/*
 * Per-environment state: what the native core keeps for each environment
 * (the main thread's, and each worker's), chiefly the record of the fds
 * sockit owns there.
 *
 * Why a record. A worker can be terminated at any moment, and no
 * JavaScript runs at its teardown: no close(), no FinalizationRegistry.
 * Node closes its own handles' fds then, so the peer of a Node socket in a
 * terminated worker sees EOF, while the peer of a sockit conn would wait
 * forever and the process would keep the fd (issue 7). So every call that
 * hands JavaScript a new fd (socket, accept, socketpair, pipe, dup)
 * records it, adopt records an fd JavaScript took over by other means
 * (newFile), close forgets it, and the environment's cleanup hook closes
 * whatever is still recorded. Fds received with SCM_RIGHTS are not
 * recorded: nobody owns them until newFile adopts them. openFile's fds come
 * from Node's fs.open, which a worker's Node closes at teardown itself; so
 * openFile keeps a dup (recorded) and gives the original back to Node
 * (fileFromNodeFd, src/ipc/file.ts), lest both close the same number.
 *
 * The record is a bitmap indexed by fd number (bit fd % 64 of word
 * fd / 64): O(1) to record and to forget, growth amortised by doubling.
 * It costs one bit per fd number up to the highest recorded, at most two
 * after a doubling: 128 bytes cover fds 0 to 1023. Since the kernel hands
 * out the lowest free number (open(2)), the highest number follows the most
 * fds open at once in the process, not the number of fds ever made.
 *
 * Threads. Only the environment's own thread calls in here (every entry
 * point, and Node runs the cleanup hook on that thread too), so there are
 * no locks. Fd numbers are process-wide, but a number is open for one
 * owner at a time, and close forgets it before the kernel can hand it out
 * again. Two misuses defeat that, and the record cannot see them: an fd
 * that sockit owns closed behind its back (fs.closeSync(conn.fd())), and
 * an fd number handed to another thread and adopted there while this
 * environment still holds it. Either way this record outlives the fd, and
 * the cleanup hook may close whatever has taken the number since: the
 * same hazard as the owner's own later close(), which such code already
 * runs into. One more window is accepted: a regular file's read or write
 * that the threadpool has already taken up (Node cancels the ones still
 * queued before the hooks run) may start after the hook has closed its
 * fd, and then fails with EBADF, or reaches whatever has the number by
 * then if another thread opened one in those few instructions.
 *
 * Lifetime. The state has two owners, and whichever lets go second frees
 * it, as poll.c's handle records do: the cleanup hook (added here at module
 * initialisation, run once at teardown) and the environment's instance
 * data (whose finalizer runs when Node releases the napi_env). Node in fact
 * runs this hook first: an environment's cleanup hooks run last-added
 * first (CleanupQueue::Drain, node/src/cleanup_queue.cc), and the napi_env
 * is released by a hook added before the module's initialisation runs
 * (v8impl::NewEnv, node/src/node_api.cc). The two owners make the memory
 * safe whatever that order, at the cost of two flags.
 *
 * Teardown order. The same last-added-first rule makes this hook run after
 * poll.c's per-handle async cleanup hooks of the environment, which
 * pollOpen adds later than module initialisation: every poll handle still
 * open has had uv_close called by then. uv_close of a uv_poll_t takes the
 * fd out of the loop's epoll set at once (uv__poll_stop calls
 * uv__platform_invalidate_fd, libuv 1.46 src/unix/linux.c), and libuv never
 * uses the number again: the close callback sees only the handle
 * (uv__finish_close does nothing for UV_POLL). So closing the fd between
 * uv_close and its callback is safe. The other order would be nearly as
 * safe, since libuv ignores a failed EPOLL_CTL_DEL ("may be racing with
 * another thread", uv__epoll_ctl_prep), but then a dup of the fd still open
 * elsewhere would keep the epoll registration, and its events, alive.
 *
 * The main thread's environment tears down the same way at exit, where
 * closing what is left is harmless: the kernel would close it a moment
 * later. process.exit() skips the hooks, and the kernel does it all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "binding.h"

#define SK_ENV_WORD_BITS 64

struct sk_env_s {
  napi_async_context context;  /* Callbacks' shared context, or NULL. */
  uint64_t* owned;             /* The record: bit fd % 64 of word fd / 64. */
  size_t words;                /* The words owned holds. */
  int torn_down;               /* The cleanup hook has run: owner 1 done. */
  int finalized;               /* The finalizer has run: owner 2 done. */
};

/* close(2) of an fd nobody will use again. Its result means nothing here:
 * on Linux the number is released even when close reports EINTR or EIO,
 * and a retry could close an fd another thread has just been given (see
 * sk_socket_close in socket.c).
 */
static void sk_env_close_fd(int fd) {
  (void) close(fd);
}

static sk_env_t* sk_env_get(napi_env env) {
  void* data;

  if (napi_get_instance_data(env, &data) != napi_ok)
    return NULL;
  return data;
}

/* Sets fd's bit, growing the bitmap to at least twice its size when fd is
 * past its end. The fds come from the kernel just now, or were checked to
 * be open (adopt), so fd is below the process's fd limit and the size stays
 * bounded by it.
 */
static int sk_env_add(sk_env_t* s, int fd) {
  uint64_t* owned;
  size_t words;
  size_t w;

  w = (size_t) fd / SK_ENV_WORD_BITS;
  if (w >= s->words) {
    words = s->words * 2;
    if (words <= w)
      words = w + 1;
    owned = realloc(s->owned, words * sizeof(*owned));
    if (owned == NULL)
      return -ENOMEM;
    memset(owned + s->words, 0, (words - s->words) * sizeof(*owned));
    s->owned = owned;
    s->words = words;
  }
  s->owned[w] |= (uint64_t) 1 << (fd % SK_ENV_WORD_BITS);
  return 0;
}

static void sk_env_remove(sk_env_t* s, int fd) {
  size_t w;

  w = (size_t) fd / SK_ENV_WORD_BITS;
  if (w < s->words)
    s->owned[w] &= ~((uint64_t) 1 << (fd % SK_ENV_WORD_BITS));
}

static void sk_env_free(sk_env_t* s) {
  free(s->owned);
  free(s);
}

/* The environment is going away: closes every recorded fd. Runs on the
 * environment's thread with JavaScript already stopped for good, so no
 * call can record or close an fd meanwhile. The bits are cleared as they
 * go, so the record says what is still open even if the finalizer, not
 * this hook, is the one to free it.
 */
static void sk_env_cleanup(void* arg) {
  sk_env_t* s;
  uint64_t bits;
  size_t w;
  int b;

  s = arg;
  for (w = 0; w < s->words; w++) {
    bits = s->owned[w];
    s->owned[w] = 0;
    for (b = 0; bits != 0; b++, bits >>= 1) {
      if (bits & 1)
        sk_env_close_fd((int) (w * SK_ENV_WORD_BITS) + b);
    }
  }
  s->torn_down = 1;
  if (s->finalized)
    sk_env_free(s);
}

/* Node releases the napi_env: the async context goes with it. The fds are
 * left to the cleanup hook, which runs at teardown whatever the order.
 */
static void sk_env_finalize(napi_env env, void* data, void* hint) {
  sk_env_t* s;

  (void) hint;
  s = data;
  if (s->context != NULL)
    napi_async_destroy(env, s->context);
  s->context = NULL;
  s->finalized = 1;
  if (s->torn_down)
    sk_env_free(s);
}

int sk_env_init(napi_env env) {
  sk_env_t* s;

  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return -1;
  if (napi_add_env_cleanup_hook(env, sk_env_cleanup, s) != napi_ok) {
    free(s);
    return -1;
  }
  if (napi_set_instance_data(env, s, sk_env_finalize, NULL) != napi_ok) {
    napi_remove_env_cleanup_hook(env, sk_env_cleanup, s);
    free(s);
    return -1;
  }
  return 0;
}

/* One async context per environment, shared by every callback sockit
 * makes into JavaScript (poll.c's readiness, wait.c's completions): a
 * context per handle (napi_async_init) cost about 400 bytes of each conn,
 * and it told async_hooks nothing a shared one does not, since the promises
 * our callbacks settle carry their own contexts. It is made on first use
 * and destroyed with the state when Node releases the environment.
 */
napi_async_context sk_env_callback_context(napi_env env) {
  napi_value name;
  sk_env_t* s;

  s = sk_env_get(env);
  if (s == NULL)
    return NULL;
  if (s->context != NULL)
    return s->context;
  if (napi_create_string_utf8(env, "SOCKIT", NAPI_AUTO_LENGTH, &name) !=
          napi_ok ||
      napi_async_init(env, NULL, name, &s->context) != napi_ok) {
    s->context = NULL;
    return NULL;
  }
  return s->context;
}

/* An exception thrown by a callback has no JavaScript caller to catch it;
 * N-API holds it as pending. Hand it to Node as uncaught, as Node does for
 * its own callbacks: 'uncaughtException', else exit (or a worker's 'error'
 * event). Checking for a pending exception first matters: while the
 * environment shuts down, napi_make_callback fails without one.
 */
static void sk_env_uncaught(napi_env env) {
  napi_value error;
  bool pending;

  if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
      napi_get_and_clear_last_exception(env, &error) == napi_ok) {
    napi_fatal_exception(env, error);
  }
}

/* napi_make_callback, rather than napi_call_function, enters the shared
 * async context and, since nothing else is on the JavaScript stack when a
 * libuv callback runs, drains process.nextTick and the microtask queue
 * afterwards, so promises settled by the callback settle before the loop
 * moves on. The caller holds a handle scope.
 */
void sk_env_call(napi_env env, napi_ref fn, size_t argc,
                 const napi_value* argv) {
  napi_value result;
  napi_value recv;
  napi_value f;

  if (napi_get_reference_value(env, fn, &f) != napi_ok || f == NULL ||
      napi_get_global(env, &recv) != napi_ok) {
    return;
  }
  if (napi_make_callback(env, sk_env_callback_context(env), recv, f, argc,
                         argv, &result) != napi_ok) {
    sk_env_uncaught(env);
  }
}

/* A new fd that cannot be recorded is closed at once rather than handed
 * out: an fd that outlives its worker is the leak this file exists to
 * stop, and the caller sees ENOMEM, as from any allocation. The state is
 * missing only if N-API itself failed.
 */
int sk_env_own(napi_env env, int fd) {
  sk_env_t* s;

  if (fd < 0)
    return fd;
  s = sk_env_get(env);
  if (s != NULL && sk_env_add(s, fd) == 0)
    return fd;
  sk_env_close_fd(fd);
  return -ENOMEM;
}

/* Both fds or neither, as socketpair and pipe promise. */
int sk_env_own_pair(napi_env env, const int fds[2]) {
  int err;

  err = sk_env_own(env, fds[0]);
  if (err < 0) {
    sk_env_close_fd(fds[1]);
    return err;
  }
  err = sk_env_own(env, fds[1]);
  if (err < 0) {
    sk_env_disown(env, fds[0]);
    sk_env_close_fd(fds[0]);
    return err;
  }
  return 0;
}

void sk_env_disown(napi_env env, int fd) {
  sk_env_t* s;

  if (fd < 0)
    return;
  s = sk_env_get(env);
  if (s != NULL)
    sk_env_remove(s, fd);
}

/* adopt(fd): records an fd JavaScript has taken over, once it holds it;
 * recording one already recorded changes nothing. F_GETFD is the cheapest
 * call that says whether the number is open: recording a closed number
 * would give the cleanup hook an fd nobody owns (and an absurd one would
 * size the bitmap after it).
 */
napi_value sk_env_adopt_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  sk_env_t* s;
  int32_t fd;

  if (sk_napi_args(env, info, 1, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd)) {
    return NULL;
  }
  if (fd < 0)
    return sk_napi_number(env, -EBADF);
  if (fcntl(fd, F_GETFD) == -1)
    return sk_napi_number(env, -errno);
  s = sk_env_get(env);
  if (s == NULL)
    return sk_napi_number(env, -ENOMEM);
  return sk_napi_number(env, sk_env_add(s, fd));
}
