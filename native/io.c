/*
 * Stream I/O on any descriptor: read, write and writev.
 *
 * The buffers are JavaScript Uint8Arrays used in place: the pointer comes
 * from napi_get_typedarray_info and is used only for the length of the
 * syscall, with no call back into JavaScript in between, so the memory
 * cannot move or be freed under it. Every call is a single non-blocking
 * syscall (EINTR retried); EAGAIN comes back to JavaScript, which waits
 * for readiness through poll.c and tries again.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "binding.h"

static int64_t sk_io_read(int fd, void* p, size_t n) {
  ssize_t r;

  do
    r = read(fd, p, n);
  while (r == -1 && errno == EINTR);
  return r == -1 ? -errno : r;
}

/* Writing to a socket whose peer has gone must fail with EPIPE, never kill
 * the process with SIGPIPE, whatever the host did with that signal (Node
 * ignores it, an embedder may not). send(2) with MSG_NOSIGNAL says so per
 * call on Linux; a pipe or tty is no socket (ENOTSOCK), so it falls back to
 * write(2). Where MSG_NOSIGNAL is missing, socket.c has set SO_NOSIGPIPE on
 * every socket instead.
 */
static int64_t sk_io_write(int fd, const void* p, size_t n) {
  ssize_t r;

#ifdef MSG_NOSIGNAL
  do
    r = send(fd, p, n, MSG_NOSIGNAL);
  while (r == -1 && errno == EINTR);
  if (r != -1 || errno != ENOTSOCK)
    return r == -1 ? -errno : r;
#endif
  do
    r = write(fd, p, n);
  while (r == -1 && errno == EINTR);
  return r == -1 ? -errno : r;
}

/* writev(2) with the same SIGPIPE rule as sk_io_write, through sendmsg(2).
 */
static int64_t sk_io_writev(int fd, struct iovec* iov, int count) {
  ssize_t r;
#ifdef MSG_NOSIGNAL
  struct msghdr msg;

  memset(&msg, 0, sizeof(msg));
  msg.msg_iov = iov;
  msg.msg_iovlen = count;
  do
    r = sendmsg(fd, &msg, MSG_NOSIGNAL);
  while (r == -1 && errno == EINTR);
  if (r != -1 || errno != ENOTSOCK)
    return r == -1 ? -errno : r;
#endif
  do
    r = writev(fd, iov, count);
  while (r == -1 && errno == EINTR);
  return r == -1 ? -errno : r;
}

/* Shared argument handling of read and write: (fd, buf, off, len). */
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

/* The iovec array lives on the stack: SK_IOV_MAX entries are 16 KiB, well
 * within the stack of the main thread and of workers, and it saves an
 * allocation per call.
 */
napi_value sk_io_writev_js(napi_env env, napi_callback_info info) {
  struct iovec iov[SK_IOV_MAX];
  napi_value argv[2];
  napi_value item;
  bool is_array;
  uint32_t count;
  uint32_t i;
  int32_t fd;

  if (sk_napi_args(env, info, 2, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd)) {
    return NULL;
  }
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[1], &count) != napi_ok) {
    return sk_napi_type_error(env, "sockit: bufs must be an Array");
  }
  if (count > SK_IOV_MAX)
    return sk_napi_type_error(env, "sockit: bufs must hold at most IOV_MAX");
  for (i = 0; i < count; i++) {
    if (napi_get_element(env, argv[1], i, &item) != napi_ok ||
        sk_napi_bytes(env, item, "bufs[i]", &iov[i].iov_base,
                      &iov[i].iov_len)) {
      return NULL;
    }
  }
  return sk_napi_number(env, sk_io_writev(fd, iov, (int) count));
}
