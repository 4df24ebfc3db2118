/*
 * The socket life cycle: socket, socketpair, bind, listen, accept,
 * connect, shutdown and close.
 *
 * Every descriptor made here is non-blocking and close-on-exec from birth.
 * Linux (and the BSDs that have SOCK_NONBLOCK) sets both atomically in
 * socket(2), socketpair(2) and accept4(2), so no fork in another thread
 * can leak the fd into a child. macOS cannot: there the flags follow with
 * fcntl(2), the same short window Go's syscall package accepts on darwin.
 *
 * Every fd handed to JavaScript here is recorded as the environment's
 * (sk_env_own, env.c), and close forgets it, so that a worker's teardown
 * closes what its JavaScript never got to.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>

#include "binding.h"

#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
# define SK_HAVE_SOCK_FLAGS 1
#endif

#ifndef SK_HAVE_SOCK_FLAGS
/* Gives a descriptor born without SOCK_NONBLOCK|SOCK_CLOEXEC the flags
 * Linux sets atomically, and asks the kernel not to raise SIGPIPE on writes
 * to it (macOS has no MSG_NOSIGNAL for send(2) to use per call). Closes the
 * fd on failure, since the caller never got to own it.
 */
static int sk_socket_prepare(int fd) {
  int flags;
  int err;

  if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
    goto fail;
  flags = fcntl(fd, F_GETFL);
  if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
    goto fail;
#ifdef SO_NOSIGPIPE
  flags = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &flags, sizeof(flags)))
    goto fail;
#endif
  return fd;

fail:
  err = -errno;
  close(fd);
  return err;
}
#endif

static int sk_socket_open(int domain, int type, int protocol) {
  int fd;

#ifdef SK_HAVE_SOCK_FLAGS
  fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  return fd == -1 ? -errno : fd;
#else
  fd = socket(domain, type, protocol);
  if (fd == -1)
    return -errno;
  return sk_socket_prepare(fd);
#endif
}

/* Both fds or neither: when the second cannot be prepared, the first,
 * already prepared, is closed too, so the caller never holds half a pair.
 */
static int sk_socket_pair(int domain, int type, int protocol, int fds[2]) {
#ifdef SK_HAVE_SOCK_FLAGS
  if (socketpair(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol, fds))
    return -errno;
  return 0;
#else
  int err;

  if (socketpair(domain, type, protocol, fds))
    return -errno;
  err = sk_socket_prepare(fds[0]);
  if (err < 0) {
    close(fds[1]);
    return err;
  }
  err = sk_socket_prepare(fds[1]);
  if (err < 0) {
    close(fds[0]);
    return err;
  }
  return 0;
#endif
}

/* Retries EINTR, which only means a signal arrived first (accept(2)).
 * ECONNABORTED and friends come back as they are: whether to retry them is
 * policy, and policy lives in JavaScript (Go retries ECONNABORTED in
 * poll.FD.Accept).
 */
static int sk_socket_accept(int fd) {
  int nfd;

  do {
#ifdef SK_HAVE_SOCK_FLAGS
    nfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    nfd = accept(fd, NULL, NULL);
#endif
  } while (nfd == -1 && errno == EINTR);
  if (nfd == -1)
    return -errno;
#ifdef SK_HAVE_SOCK_FLAGS
  return nfd;
#else
  return sk_socket_prepare(nfd);
#endif
}

/* A connect(2) interrupted by a signal carries on in the background, just
 * like a non-blocking one (POSIX connect: "the connection shall be
 * established asynchronously"); calling connect again would fail with
 * EALREADY. So EINTR reports as EINPROGRESS, and the caller waits for
 * writability, as Go's netFD.connect does.
 */
static int sk_socket_connect(int fd, const void* sa, size_t len) {
  if (len > sizeof(struct sockaddr_storage))
    return -EINVAL;
  if (connect(fd, (const struct sockaddr*) sa, (socklen_t) len) == 0)
    return 0;
  return errno == EINTR ? -EINPROGRESS : -errno;
}

static int sk_socket_bind(int fd, const void* sa, size_t len) {
  if (len > sizeof(struct sockaddr_storage))
    return -EINVAL;
  if (bind(fd, (const struct sockaddr*) sa, (socklen_t) len))
    return -errno;
  return 0;
}

/* EINTR is not retried: on Linux the fd is already released when close(2)
 * reports it, and a retry could close a descriptor another thread has just
 * been given. It and EINPROGRESS (HP-UX, some BSDs) mean the close is under
 * way, so both count as success, as in libuv's uv__close_nocheckstdio.
 */
static int sk_socket_close(int fd) {
  if (close(fd) == 0 || errno == EINTR || errno == EINPROGRESS)
    return 0;
  return -errno;
}

napi_value sk_socket_open_js(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t domain;
  int32_t type;
  int32_t protocol;
  int fd;

  if (sk_napi_args(env, info, 3, argv) ||
      sk_napi_int(env, argv[0], "domain", &domain) ||
      sk_napi_int(env, argv[1], "type", &type) ||
      sk_napi_int(env, argv[2], "protocol", &protocol)) {
    return NULL;
  }
  fd = sk_socket_open(domain, type, protocol);
  return sk_napi_number(env, sk_env_own(env, fd));
}

/* socketpair(domain, type, protocol, out): the fds go to out[0] and
 * out[1], which are written only on success.
 */
napi_value sk_socket_pair_js(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t domain;
  int32_t type;
  int32_t protocol;
  int32_t* out;
  int fds[2];
  int err;

  if (sk_napi_args(env, info, 4, argv) ||
      sk_napi_int(env, argv[0], "domain", &domain) ||
      sk_napi_int(env, argv[1], "type", &type) ||
      sk_napi_int(env, argv[2], "protocol", &protocol) ||
      sk_napi_int32s(env, argv[3], "out", 2, &out)) {
    return NULL;
  }
  err = sk_socket_pair(domain, type, protocol, fds);
  if (err == 0)
    err = sk_env_own_pair(env, fds);
  if (err == 0) {
    out[0] = fds[0];
    out[1] = fds[1];
  }
  return sk_napi_number(env, err);
}

napi_value sk_socket_close_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;

  if (sk_napi_args(env, info, 1, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd)) {
    return NULL;
  }
  /* Forgotten first: once close(2) returns, the kernel may give the number
   * to another thread at once, and this environment's record must not
   * claim it then.
   */
  sk_env_disown(env, fd);
  return sk_napi_number(env, sk_socket_close(fd));
}

/* Shared body of bind and connect, which take the same (fd, sa) pair. */
static napi_value sk_socket_addr_call(napi_env env, napi_callback_info info,
                                      int (*call)(int, const void*, size_t)) {
  napi_value argv[2];
  int32_t fd;
  void* sa;
  size_t len;

  if (sk_napi_args(env, info, 2, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_bytes(env, argv[1], "sa", &sa, &len)) {
    return NULL;
  }
  return sk_napi_number(env, call(fd, sa, len));
}

napi_value sk_socket_bind_js(napi_env env, napi_callback_info info) {
  return sk_socket_addr_call(env, info, sk_socket_bind);
}

napi_value sk_socket_connect_js(napi_env env, napi_callback_info info) {
  return sk_socket_addr_call(env, info, sk_socket_connect);
}

napi_value sk_socket_listen_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  int32_t backlog;

  if (sk_napi_args(env, info, 2, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_int(env, argv[1], "backlog", &backlog)) {
    return NULL;
  }
  return sk_napi_number(env, listen(fd, backlog) ? -errno : 0);
}

napi_value sk_socket_accept_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;

  if (sk_napi_args(env, info, 1, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd)) {
    return NULL;
  }
  return sk_napi_number(env, sk_env_own(env, sk_socket_accept(fd)));
}

napi_value sk_socket_shutdown_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  int32_t how;

  if (sk_napi_args(env, info, 2, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_int(env, argv[1], "how", &how)) {
    return NULL;
  }
  return sk_napi_number(env, shutdown(fd, how) ? -errno : 0);
}
