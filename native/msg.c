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

#if defined(__linux__)
# include <stdbool.h>
#endif

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
 * The length also goes to info's SK_RECVMSG_INFO_N slot, as recvmmsg's.
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
  if (r >= 0) {
    sk_msg_report(&msg, a.from, a.from_len, a.out);
    a.out[SK_RECVMSG_INFO_N] = (int32_t) r;
  }
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

/* The most messages one recvmmsg or sendmmsg call takes here (the kernel's
 * own bound, UIO_MAXIOV, is 1024); JavaScript splits longer batches.
 * SK_MMSG_MAX is exported (constants.c) so both sides agree.
 */
#if defined(__linux__)
/* Reads element i of the JavaScript array `arr` as a Uint8Array (and, with
 * `nullable`, null as no bytes). On failure a TypeError is pending.
 */
static int sk_msg_element(napi_env env, napi_value arr, uint32_t i,
                          const char* what, int nullable, void** data,
                          size_t* len) {
  napi_value v;

  if (napi_get_element(env, arr, i, &v) != napi_ok)
    return -1;
  if (nullable)
    return sk_napi_bytes_or_null(env, v, what, data, len);
  return sk_napi_bytes(env, v, what, data, len);
}

/* Reads the array argument and the count of a batch call: count must be
 * 1..SK_MMSG_MAX and no more than the array holds.
 */
static int sk_msg_batch_count(napi_env env, napi_value arr, napi_value cnt,
                              uint32_t* count) {
  bool is_array;
  uint32_t length;
  int32_t n;

  if (napi_is_array(env, arr, &is_array) != napi_ok || !is_array) {
    sk_napi_type_error(env, "sockit: bufs must be an Array");
    return -1;
  }
  if (napi_get_array_length(env, arr, &length) != napi_ok ||
      sk_napi_int(env, cnt, "count", &n)) {
    return -1;
  }
  if (n < 1 || n > SK_MMSG_MAX || (uint32_t) n > length) {
    sk_napi_type_error(env, "sockit: count must be 1 to SK_MMSG_MAX, within bufs");
    return -1;
  }
  *count = (uint32_t) n;
  return 0;
}
#endif

/* recvmmsg(fd, bufs, count, flags, from, info): receives up to `count`
 * messages in one recvmmsg(2), message i into bufs[i] whole; returns how
 * many arrived (at least 1) or -errno (EAGAIN when none was waiting).
 * Message i's sender and facts go to from[i * SK_RECVMSG_FROM_SIZE] and
 * info[i * SK_RECVMSG_INFO_COUNT] as recvmsg reports one, its length to
 * the SK_RECVMSG_INFO_N slot. No control bytes (readMsg has them).
 * -ENOSYS off Linux.
 */
napi_value sk_msg_recvmmsg_js(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int32_t fd;
  int32_t flags;
  void* from;
  size_t from_len;
  int32_t* out;
  size_t out_len;
  napi_typedarray_type type;

  if (sk_napi_args(env, info, 6, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_int(env, argv[3], "flags", &flags) ||
      sk_napi_bytes(env, argv[4], "from", &from, &from_len)) {
    return NULL;
  }
  if (napi_get_typedarray_info(env, argv[5], &type, &out_len, (void**) &out,
                               NULL, NULL) != napi_ok ||
      type != napi_int32_array) {
    return sk_napi_type_error(env, "sockit: info must be an Int32Array");
  }
#if defined(__linux__)
  {
    struct mmsghdr mm[SK_MMSG_MAX];
    struct iovec iov[SK_MMSG_MAX];
    struct sockaddr_storage ss[SK_MMSG_MAX];
    uint32_t count;
    uint32_t i;
    int r;

    if (sk_msg_batch_count(env, argv[1], argv[2], &count))
      return NULL;
    if (from_len < (size_t) count * SK_RECVMSG_FROM_SIZE)
      return sk_msg_from_error(env);
    if (out_len < (size_t) count * SK_RECVMSG_INFO_COUNT)
      return sk_napi_type_error(env, "sockit: info must hold count * SK_RECVMSG_INFO_COUNT slots");
    for (i = 0; i < count; i++) {
      if (sk_msg_element(env, argv[1], i, "bufs[i]", 0, &iov[i].iov_base,
                         &iov[i].iov_len)) {
        return NULL;
      }
      sk_msg_recv_prepare(&mm[i].msg_hdr, &ss[i], &iov[i], NULL, 0);
      mm[i].msg_len = 0;
    }
    do
      r = recvmmsg(fd, mm, count, flags, NULL);
    while (r == -1 && errno == EINTR);
    if (r == -1)
      return sk_napi_number(env, -errno);
    for (i = 0; i < (uint32_t) r; i++) {
      int32_t* slot = out + (size_t) i * SK_RECVMSG_INFO_COUNT;

      sk_msg_report(&mm[i].msg_hdr,
                    (unsigned char*) from + (size_t) i * SK_RECVMSG_FROM_SIZE,
                    SK_RECVMSG_FROM_SIZE, slot);
      slot[SK_RECVMSG_INFO_N] = (int32_t) mm[i].msg_len;
    }
    return sk_napi_number(env, r);
  }
#else
  (void) fd;
  (void) flags;
  (void) from;
  (void) from_len;
  (void) out;
  (void) out_len;
  return sk_napi_number(env, -ENOSYS);
#endif
}

/* sendmmsg(fd, bufs, count, sas, flags): sends bufs[0..count) as count
 * messages in one sendmmsg(2), message i to the encoded address sas[i]
 * (null on a connected socket); returns how many went (at least 1) or
 * -errno (EAGAIN when none fit), with the SIGPIPE rule of sendmsg.
 * -ENOSYS off Linux.
 */
napi_value sk_msg_sendmmsg_js(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t fd;
  int32_t flags;

  if (sk_napi_args(env, info, 5, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_int(env, argv[4], "flags", &flags)) {
    return NULL;
  }
#if defined(__linux__)
  {
    struct mmsghdr mm[SK_MMSG_MAX];
    struct iovec iov[SK_MMSG_MAX];
    bool is_array;
    uint32_t count;
    uint32_t i;
    int r;

    if (sk_msg_batch_count(env, argv[1], argv[2], &count))
      return NULL;
    if (napi_is_array(env, argv[3], &is_array) != napi_ok || !is_array)
      return sk_napi_type_error(env, "sockit: sas must be an Array");
    memset(mm, 0, sizeof(mm[0]) * count);
    for (i = 0; i < count; i++) {
      void* sa;
      size_t sa_len;

      if (sk_msg_element(env, argv[1], i, "bufs[i]", 0, &iov[i].iov_base,
                         &iov[i].iov_len) ||
          sk_msg_element(env, argv[3], i, "sas[i]", 1, &sa, &sa_len)) {
        return NULL;
      }
      if (sa_len > sizeof(struct sockaddr_storage))
        return sk_napi_number(env, -EINVAL);
      mm[i].msg_hdr.msg_name = sa;
      mm[i].msg_hdr.msg_namelen = (socklen_t) sa_len;
      mm[i].msg_hdr.msg_iov = &iov[i];
      mm[i].msg_hdr.msg_iovlen = 1;
    }
    do
      r = sendmmsg(fd, mm, count, SK_MSG_NOSIGNAL | flags);
    while (r == -1 && errno == EINTR);
    return sk_napi_number(env, r == -1 ? -errno : r);
  }
#else
  (void) fd;
  (void) flags;
  return sk_napi_number(env, -ENOSYS);
#endif
}
