/*
 * Stream I/O on any descriptor: read, write, and send for sockets; writev
 * (sendmsg on sockets) for a batch of buffers in one syscall.
 *
 * The buffers are JavaScript Uint8Arrays used in place: the pointer comes
 * from napi_get_typedarray_info and is used only for the length of the
 * syscall, with no call back into JavaScript in between, so the memory
 * cannot move or be freed under it. Every call is a single non-blocking
 * syscall (EINTR retried); EAGAIN comes back to JavaScript, which waits
 * for readiness through poll.c and tries again.
 */
#include <errno.h>
#include <stdbool.h>
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

/* writev(2), or sendmsg(2) with MSG_NOSIGNAL for sockets (the reason is
 * the one given above sk_io_send), of up to SK_IOV_MAX buffers.
 */
static int64_t sk_io_writev(int fd, const struct iovec* iov, int cnt,
                            bool use_send) {
  ssize_t r;

#ifdef MSG_NOSIGNAL
  if (use_send) {
    struct msghdr msg;

    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = (struct iovec*) iov;
    msg.msg_iovlen = cnt;
    do
      r = sendmsg(fd, &msg, MSG_NOSIGNAL);
    while (r == -1 && errno == EINTR);
    return r == -1 ? -errno : r;
  }
#else
  (void) use_send;
#endif
  do
    r = writev(fd, iov, cnt);
  while (r == -1 && errno == EINTR);
  return r == -1 ? -errno : r;
}

/* writev(fd, bufs, start, off, send): writes bufs[start..] (the first from
 * byte off) in one syscall and returns the count, which JavaScript uses to
 * resume after a partial write. At most SK_IOV_MAX buffers go per call
 * (more is EINVAL); the caller loops for the rest. Empty buffers are left
 * out of the iovec so they do not use up slots. The pointers stay valid
 * for the syscall: the caller (poll/fd.ts) passes a plain array of
 * Uint8Arrays it built, whose elements have no accessors, so nothing calls
 * back into JavaScript between napi_get_typedarray_info and writev and no
 * buffer can be detached or freed in between. The iovec array lives on the
 * stack (16 KiB at SK_IOV_MAX 1024).
 */
napi_value sk_io_writev_js(napi_env env, napi_callback_info info) {
  struct iovec iov[SK_IOV_MAX];
  napi_value argv[5];
  napi_value item;
  bool is_array;
  bool use_send;
  uint32_t count;
  uint32_t i;
  int32_t fd;
  size_t start;
  size_t off;
  size_t len;
  void* data;
  int cnt;

  if (sk_napi_args(env, info, 5, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_size(env, argv[2], "start", &start) ||
      sk_napi_size(env, argv[3], "off", &off) ||
      sk_napi_bool(env, argv[4], "send", &use_send)) {
    return NULL;
  }
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[1], &count) != napi_ok) {
    return sk_napi_type_error(env, "sockit: bufs must be an Array");
  }
  cnt = 0;
  for (i = (uint32_t) (start < count ? start : count);
       i < count && cnt < SK_IOV_MAX; i++) {
    if (napi_get_element(env, argv[1], i, &item) != napi_ok ||
        sk_napi_bytes(env, item, "bufs[i]", &data, &len)) {
      return NULL;
    }
    if (i == start) {
      if (off > len)
        return sk_napi_type_error(env, "sockit: off is past bufs[start]");
      data = (char*) data + off;
      len -= off;
    }
    if (len == 0)
      continue;
    iov[cnt].iov_base = data;
    iov[cnt].iov_len = len;
    cnt++;
  }
  if (cnt == 0)
    return sk_napi_number(env, 0);
  return sk_napi_number(env, sk_io_writev(fd, iov, cnt, use_send));
}
