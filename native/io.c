/*
 * Stream I/O on any descriptor: read, write, and send for sockets.
 *
 * The buffers are JavaScript Uint8Arrays used in place: the pointer comes
 * from napi_get_typedarray_info and is used only for the length of the
 * syscall, with no call back into JavaScript in between, so the memory
 * cannot move or be freed under it. Every call is a single non-blocking
 * syscall (EINTR retried); EAGAIN comes back to JavaScript, which waits
 * for readiness through poll.c and tries again.
 */
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "binding.h"

static int64_t sk_io_read(int fd, void* p, size_t n) {
  ssize_t r;

  do
    r = read(fd, p, n);
  while (r == -1 && errno == EINTR);
  return r == -1 ? -errno : r;
}

/* write(2), for pipes, FIFOs, ttys and files. On a socket whose peer has
 * gone it raises SIGPIPE, which Node ignores but an embedder may not; the
 * caller knows what the fd is and uses send for sockets.
 */
static int64_t sk_io_write(int fd, const void* p, size_t n) {
  ssize_t r;

  do
    r = write(fd, p, n);
  while (r == -1 && errno == EINTR);
  return r == -1 ? -errno : r;
}

/* Writing to a socket whose peer has gone must fail with EPIPE, never kill
 * the process with SIGPIPE, whatever the host did with that signal.
 * send(2) with MSG_NOSIGNAL says so per call on Linux. Where MSG_NOSIGNAL
 * is missing (older macOS), socket.c has set SO_NOSIGPIPE on every socket
 * instead, so plain write(2) is as safe. No ENOTSOCK fallback: the caller
 * chooses write or send once per fd, which saves a failed syscall per
 * write on every pipe.
 */
static int64_t sk_io_send(int fd, const void* p, size_t n) {
#ifdef MSG_NOSIGNAL
  ssize_t r;

  do
    r = send(fd, p, n, MSG_NOSIGNAL);
  while (r == -1 && errno == EINTR);
  return r == -1 ? -errno : r;
#else
  return sk_io_write(fd, p, n);
#endif
}

/* Shared argument handling of read, write and send: (fd, buf, off, len).
 */
static int sk_io_args(napi_env env, napi_callback_info info, int32_t* fd,
                      void** p, size_t* n) {
  napi_value argv[4];

  if (sk_napi_args(env, info, 4, argv) ||
      sk_napi_int(env, argv[0], "fd", fd) ||
      sk_napi_range(env, argv[1], argv[2], argv[3], p, n)) {
    return -1;
  }
  return 0;
}

napi_value sk_io_read_js(napi_env env, napi_callback_info info) {
  int32_t fd;
  void* p;
  size_t n;

  if (sk_io_args(env, info, &fd, &p, &n))
    return NULL;
  return sk_napi_number(env, sk_io_read(fd, p, n));
}

napi_value sk_io_write_js(napi_env env, napi_callback_info info) {
  int32_t fd;
  void* p;
  size_t n;

  if (sk_io_args(env, info, &fd, &p, &n))
    return NULL;
  return sk_napi_number(env, sk_io_write(fd, p, n));
}

napi_value sk_io_send_js(napi_env env, napi_callback_info info) {
  int32_t fd;
  void* p;
  size_t n;

  if (sk_io_args(env, info, &fd, &p, &n))
    return NULL;
  return sk_napi_number(env, sk_io_send(fd, p, n));
}
