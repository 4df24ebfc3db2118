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
static int64_t sk_msg_recv(int fd, struct msghdr* msg, int flags,
                           int cloexec) {
  socklen_t namelen;
  size_t controllen;
  ssize_t r;

  namelen = msg->msg_namelen;
  controllen = msg->msg_controllen;
#ifdef SK_HAVE_CMSG_CLOEXEC
  if (cloexec)
    flags |= MSG_CMSG_CLOEXEC;
#else
  (void) cloexec;
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
static int64_t sk_msg_send(int fd, const struct msghdr* msg, int flags) {
  ssize_t r;

  do
    r = sendmsg(fd, msg, SK_MSG_NOSIGNAL | flags);
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

/* The arguments recvmsg and recvmsgRaw share: (fd, buf, off, len, oob,
 * flags, from, info).
 */
typedef struct sk_msg_recv_args_s {
  int32_t fd;
  struct iovec iov;
  void* oob;
  size_t oob_len;
  int32_t flags;
  void* from;
  size_t from_len;
  int32_t* out;
} sk_msg_recv_args_t;

static int sk_msg_recv_args(napi_env env, napi_callback_info info,
                            sk_msg_recv_args_t* a) {
  napi_value argv[8];

  if (sk_napi_args(env, info, 8, argv) ||
      sk_napi_int(env, argv[0], "fd", &a->fd) ||
      sk_napi_range(env, argv[1], argv[2], argv[3], &a->iov.iov_base,
                    &a->iov.iov_len) ||
      sk_napi_bytes_or_null(env, argv[4], "oob", &a->oob, &a->oob_len) ||
      sk_napi_int(env, argv[5], "flags", &a->flags) ||
      sk_napi_bytes(env, argv[6], "from", &a->from, &a->from_len) ||
      sk_napi_int32s(env, argv[7], "info", SK_RECVMSG_INFO_COUNT, &a->out)) {
    return -1;
  }
  return 0;
}

/* recvmsg(fd, buf, off, len, oob, flags, from, info): see the manifest.
 * flags pass through (MSG_PEEK, say); note that Linux's MSG_TRUNC as a
 * request makes the result the datagram's full length, past len.
 */
napi_value sk_msg_recv_js(napi_env env, napi_callback_info info) {
  struct sockaddr_storage ss;
  sk_msg_recv_args_t a;
  struct msghdr msg;
  int64_t r;

  if (sk_msg_recv_args(env, info, &a))
    return NULL;
  if (a.from_len < SK_RECVMSG_FROM_SIZE)
    return sk_msg_from_error(env);

  sk_msg_recv_prepare(&msg, &ss, &a.iov, a.oob, a.oob_len);
  r = sk_msg_recv(a.fd, &msg, a.flags, 1);
  if (r >= 0)
    sk_msg_report(&msg, a.from, a.from_len, a.out);
  return sk_napi_number(env, r);
}

/* recvmsgRaw(fd, buf, off, len, oob, flags, from, info): recvmsg for the
 * syscall layer, which decodes senders of any family (sockaddrDecode,
 * sockaddr.c): `from` gets the sender's sockaddr bytes as the kernel wrote
 * them and info[SK_RECVMSG_INFO_ADDRLEN] their count (0: no address);
 * FLAGS and OOBN are as for recvmsg, and the PORT and SCOPE slots are 0.
 * The kernel writes into local storage, which is copied out, so that
 * `from` needs no alignment.
 */
napi_value sk_msg_recv_raw_js(napi_env env, napi_callback_info info) {
  struct sockaddr_storage ss;
  sk_msg_recv_args_t a;
  struct msghdr msg;
  int32_t* out;
  size_t n;
  int64_t r;

  if (sk_msg_recv_args(env, info, &a))
    return NULL;
  if (a.from_len < sizeof(ss)) {
    return sk_napi_type_error(
        env, "sockit: from must hold a sockaddr_storage (SK_SOCKADDR_STORAGE_SIZE bytes)");
  }
  /* Fds arrive only in a control buffer, so without one MSG_CMSG_CLOEXEC
   * is not asked for: packet(7) and some other families refuse the flag
   * with EINVAL (packet_recvmsg). With one, such a refusal is retried
   * without it; those families never carry SCM_RIGHTS, which is AF_UNIX's.
   */
  sk_msg_recv_prepare(&msg, &ss, &a.iov, a.oob, a.oob_len);
  r = sk_msg_recv(a.fd, &msg, a.flags, a.oob_len > 0);
  if (r == -EINVAL && a.oob_len > 0)
    r = sk_msg_recv(a.fd, &msg, a.flags, 0);
  if (r < 0)
    return sk_napi_number(env, r);
  /* The kernel reports the address's full length even when it cut the
   * copy short; never copy past the storage it wrote.
   */
  n = msg.msg_namelen < sizeof(ss) ? msg.msg_namelen : sizeof(ss);
  if (n > 0)
    memcpy(a.from, &ss, n);
  out = a.out;
  out[SK_RECVMSG_INFO_FAMILY] = n > 0 ? ss.ss_family : 0;
  out[SK_RECVMSG_INFO_ADDRLEN] = (int32_t) n;
  out[SK_RECVMSG_INFO_PORT] = 0;
  out[SK_RECVMSG_INFO_SCOPE] = 0;
  out[SK_RECVMSG_INFO_FLAGS] = msg.msg_flags;
  out[SK_RECVMSG_INFO_OOBN] = (int32_t) msg.msg_controllen;
  return sk_napi_number(env, r);
}

/* sendmsg(fd, buf, off, len, oob, sa[, flags]): see the manifest. An
 * address longer than any sockaddr fails with EINVAL, as bind and connect
 * do (socket.c), and so does a control buffer past INT_MAX, which Linux
 * refuses as well. flags (MSG_DONTROUTE, MSG_EOR, ...) may be left out,
 * for the net layer's calls, which pass none.
 */
napi_value sk_msg_send_js(napi_env env, napi_callback_info info) {
  struct msghdr msg;
  struct iovec iov;
  napi_value argv[7];
  napi_valuetype vtype;
  int32_t fd;
  int32_t flags;
  void* oob;
  size_t oob_len;
  void* sa;
  size_t sa_len;

  if (sk_napi_args(env, info, 7, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_range(env, argv[1], argv[2], argv[3], &iov.iov_base,
                    &iov.iov_len) ||
      sk_napi_bytes_or_null(env, argv[4], "oob", &oob, &oob_len) ||
      sk_napi_bytes_or_null(env, argv[5], "sa", &sa, &sa_len)) {
    return NULL;
  }
  flags = 0;
  if (napi_typeof(env, argv[6], &vtype) != napi_ok ||
      (vtype != napi_undefined &&
       sk_napi_int(env, argv[6], "flags", &flags))) {
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
  return sk_napi_number(env, sk_msg_send(fd, &msg, flags));
}
