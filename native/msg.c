/*
 * Message I/O on sockets: recvmsg and sendmsg, for datagrams (with their
 * addresses and boundaries) and for control messages on any socket.
 *
 * As in io.c, the JavaScript buffers (data, control bytes, the encoded
 * address to send to, and the `from` and `info` results) are used in place
 * for the length of one non-blocking syscall, with no call back into
 * JavaScript in between, so their memory cannot move or be freed under it.
 * EINTR is retried; EAGAIN goes back to JavaScript, which waits through
 * poll.c and tries again.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "binding.h"

#if defined(MSG_CMSG_CLOEXEC)
# define SK_HAVE_CMSG_CLOEXEC 1
#endif

/* Where MSG_NOSIGNAL is missing, socket.c has set SO_NOSIGPIPE on every
 * socket instead (see io.c).
 */
#ifdef MSG_NOSIGNAL
# define SK_MSG_NOSIGNAL MSG_NOSIGNAL
#else
# define SK_MSG_NOSIGNAL 0
#endif

#ifndef SK_HAVE_CMSG_CLOEXEC
/* Without MSG_CMSG_CLOEXEC (macOS), received fds get FD_CLOEXEC just after
 * recvmsg, as libuv's uv__stream_recv_cmsg does there: the same short
 * window as socket.c's fcntl fallback. fcntl cannot fail on an fd the
 * kernel has just installed in our table, so its result is not checked.
 */
static int sk_msg_cloexec(void* arg, int level, int type,
                          const unsigned char* data, size_t n) {
  size_t i;
  int fd;

  (void) arg;
  if (level != SOL_SOCKET || type != SCM_RIGHTS)
    return 0;
  for (i = 0; i + sizeof(fd) <= n; i += sizeof(fd)) {
    memcpy(&fd, data + i, sizeof(fd));
    fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  return 0;
}
#endif

/* recvmsg(2) into msg, which the caller has filled. A failed call leaves
 * msg as it was on Linux, but the name and control lengths are reset on
 * every try anyway, so that no retry can see lengths shortened by the
 * one before.
 */
static int64_t sk_msg_recv(int fd, struct msghdr* msg, int flags) {
  socklen_t namelen;
  size_t controllen;
  ssize_t r;

  namelen = msg->msg_namelen;
  controllen = msg->msg_controllen;
#ifdef SK_HAVE_CMSG_CLOEXEC
  flags |= MSG_CMSG_CLOEXEC;
#endif
  do {
    msg->msg_namelen = namelen;
    msg->msg_controllen = controllen;
    r = recvmsg(fd, msg, flags);
  } while (r == -1 && errno == EINTR);
  if (r == -1)
    return -errno;
#ifdef SK_HAVE_CMSG_CLOEXEC
  /* Linux echoes MSG_CMSG_CLOEXEC in msg_flags (____sys_recvmsg); it is a
   * request of ours, not news about the message.
   */
  msg->msg_flags &= ~MSG_CMSG_CLOEXEC;
#else
  if (msg->msg_controllen > 0)
    sk_cmsg_walk(msg->msg_control, msg->msg_controllen, sk_msg_cloexec,
                 NULL);
#endif
  return r;
}

/* sendmsg(2) with the SIGPIPE rule of io.c. A datagram is sent whole or
 * not at all, and a stream socket reports EINTR only when nothing was
 * sent, so the retry can never send anything twice.
 */
static int64_t sk_msg_send(int fd, const struct msghdr* msg) {
  ssize_t r;

  do
    r = sendmsg(fd, msg, SK_MSG_NOSIGNAL);
  while (r == -1 && errno == EINTR);
  return r == -1 ? -errno : r;
}

/* Writes the sender's address and the message's facts into from and info.
 * No name (msg_namelen 0) reads as family 0: Linux gives none for a
 * connected stream and for an unbound unix sender (checked on 6.18). A
 * unix name of only its family reads as AF_UNIX with no bytes. A family we
 * do not decode reads as itself with no bytes, so that the data is not
 * lost and JavaScript can fail as Go's anyToSockaddr does (EAFNOSUPPORT).
 */
static void sk_msg_report(const struct msghdr* msg, unsigned char* from,
                          size_t from_len, int32_t* info) {
  sk_sockaddr_parts_t parts;
  size_t n;

  memset(&parts, 0, sizeof(parts));
  if (msg->msg_namelen > 0)
    sk_sockaddr_parse(msg->msg_name, msg->msg_namelen, &parts);
  /* No length the kernel reports exceeds SK_RECVMSG_FROM_SIZE, but from is
   * JavaScript's memory: it is never written past its end, whatever the
   * kernel says.
   */
  n = parts.len < from_len ? parts.len : from_len;
  if (n > 0)
    memcpy(from, parts.addr, n);
  info[SK_RECVMSG_INFO_FAMILY] = parts.family;
  info[SK_RECVMSG_INFO_ADDRLEN] = (int32_t) n;
  info[SK_RECVMSG_INFO_PORT] = (int32_t) parts.port;
  info[SK_RECVMSG_INFO_SCOPE] = (int32_t) parts.scope_id;
  info[SK_RECVMSG_INFO_FLAGS] = msg->msg_flags;
  info[SK_RECVMSG_INFO_OOBN] = (int32_t) msg->msg_controllen;
}

/* Points msg at the receive buffers. A zeroed family reads as "no
 * address" if the kernel gives none. The control length is capped where
 * socklen_t (macOS) and Linux's own limit agree; the kernel never fills
 * more than that anyway.
 */
static void sk_msg_recv_prepare(struct msghdr* msg,
                                struct sockaddr_storage* ss,
                                struct iovec* iov, void* oob,
                                size_t oob_len) {
  memset(ss, 0, sizeof(*ss));
  memset(msg, 0, sizeof(*msg));
  msg->msg_name = ss;
  msg->msg_namelen = sizeof(*ss);
  msg->msg_iov = iov;
  msg->msg_iovlen = 1;
  msg->msg_control = oob;
  msg->msg_controllen = oob_len > INT_MAX ? INT_MAX : oob_len;
}

/* The message names the size, which differs between platforms (110 bytes
 * on Linux, 106 on macOS); only misuse of the binding gets here.
 */
static napi_value sk_msg_from_error(napi_env env) {
  char message[96];

  snprintf(message, sizeof(message),
           "sockit: from must be a Uint8Array of at least %zu bytes",
           (size_t) SK_RECVMSG_FROM_SIZE);
  return sk_napi_type_error(env, message);
}

/* recvmsg(fd, buf, off, len, oob, flags, from, info): see the manifest.
 * flags pass through (MSG_PEEK, say); note that Linux's MSG_TRUNC as a
 * request makes the result the datagram's full length, past len.
 */
napi_value sk_msg_recv_js(napi_env env, napi_callback_info info) {
  struct sockaddr_storage ss;
  struct msghdr msg;
  struct iovec iov;
  napi_value argv[8];
  int32_t* out;
  int32_t fd;
  int32_t flags;
  void* oob;
  size_t oob_len;
  void* from;
  size_t from_len;
  int64_t r;

  if (sk_napi_args(env, info, 8, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_range(env, argv[1], argv[2], argv[3], &iov.iov_base,
                    &iov.iov_len) ||
      sk_napi_bytes_or_null(env, argv[4], "oob", &oob, &oob_len) ||
      sk_napi_int(env, argv[5], "flags", &flags) ||
      sk_napi_bytes(env, argv[6], "from", &from, &from_len) ||
      sk_napi_int32s(env, argv[7], "info", SK_RECVMSG_INFO_COUNT, &out)) {
    return NULL;
  }
  if (from_len < SK_RECVMSG_FROM_SIZE)
    return sk_msg_from_error(env);

  sk_msg_recv_prepare(&msg, &ss, &iov, oob, oob_len);
  r = sk_msg_recv(fd, &msg, flags);
  if (r >= 0)
    sk_msg_report(&msg, from, from_len, out);
  return sk_napi_number(env, r);
}

/* sendmsg(fd, buf, off, len, oob, sa): see the manifest. An address longer
 * than any sockaddr fails with EINVAL, as bind and connect do (socket.c),
 * and so does a control buffer past INT_MAX, which Linux refuses as well.
 */
napi_value sk_msg_send_js(napi_env env, napi_callback_info info) {
  struct msghdr msg;
  struct iovec iov;
  napi_value argv[6];
  int32_t fd;
  void* oob;
  size_t oob_len;
  void* sa;
  size_t sa_len;

  if (sk_napi_args(env, info, 6, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_range(env, argv[1], argv[2], argv[3], &iov.iov_base,
                    &iov.iov_len) ||
      sk_napi_bytes_or_null(env, argv[4], "oob", &oob, &oob_len) ||
      sk_napi_bytes_or_null(env, argv[5], "sa", &sa, &sa_len)) {
    return NULL;
  }
  if (sa_len > sizeof(struct sockaddr_storage) || oob_len > INT_MAX)
    return sk_napi_number(env, -EINVAL);

  memset(&msg, 0, sizeof(msg));
  msg.msg_name = sa;
  msg.msg_namelen = (socklen_t) sa_len;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = oob;
  msg.msg_controllen = oob_len;
  return sk_napi_number(env, sk_msg_send(fd, &msg));
}
