/*
 * POSIX message queues (mq_overview(7)). On Linux a queue descriptor is a
 * file descriptor that poll(2) and epoll understand: readable while a
 * message waits, writable while there is room. So a queue is owned and
 * waited for like any fd, on the poll layer: every call here is made with
 * O_NONBLOCK set and reports EAGAIN instead of blocking, and the queue's
 * descriptor is recorded as the environment's (env.c) and closed with
 * close(2), which is what mq_close does on Linux.
 *
 * Elsewhere (macOS has no message queues) every call reports ENOSYS.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
# include <mqueue.h>
#endif

#include "binding.h"

#ifdef __linux__

/* mq_open with O_NONBLOCK and O_CLOEXEC added (glibc's mq_open passes
 * O_CLOEXEC to the syscall itself, but the flag is kept explicit). A
 * maxmsg of 0 asks for the system's defaults (msg_default, msgsize_default
 * in /proc/sys/fs/mqueue), as a NULL attribute pointer does.
 */
static int sk_mq_open(const char* name, int oflag, int mode, long maxmsg,
                      long msgsize) {
  struct mq_attr attr;
  mqd_t q;

  memset(&attr, 0, sizeof(attr));
  attr.mq_maxmsg = maxmsg;
  attr.mq_msgsize = msgsize;
  q = mq_open(name, oflag | O_NONBLOCK | O_CLOEXEC, (mode_t) mode,
              maxmsg > 0 ? &attr : NULL);
  return q == (mqd_t) -1 ? -errno : (int) q;
}

/* A zero-length message or buffer may come with a NULL pointer (an empty
 * Uint8Array has no storage), which glibc declares mq_send and mq_receive
 * never take: they get this byte instead.
 */
static char sk_mq_none;

static int sk_mq_send(int q, const void* p, size_t n, unsigned prio) {
  int rc;

  if (p == NULL)
    p = &sk_mq_none;
  do rc = mq_send((mqd_t) q, p, n, prio);
  while (rc == -1 && errno == EINTR);
  return rc == -1 ? -errno : 0;
}

static long sk_mq_receive(int q, void* p, size_t n, unsigned* prio) {
  ssize_t rc;

  if (p == NULL)
    p = &sk_mq_none;
  do rc = mq_receive((mqd_t) q, p, n, prio);
  while (rc == -1 && errno == EINTR);
  return rc == -1 ? -errno : (long) rc;
}

static int sk_mq_getattr(int q, double* out) {
  struct mq_attr attr;

  if (mq_getattr((mqd_t) q, &attr) == -1)
    return -errno;
  out[SK_MQ_ATTR_FLAGS] = (double) attr.mq_flags;
  out[SK_MQ_ATTR_MAXMSG] = (double) attr.mq_maxmsg;
  out[SK_MQ_ATTR_MSGSIZE] = (double) attr.mq_msgsize;
  out[SK_MQ_ATTR_CURMSGS] = (double) attr.mq_curmsgs;
  return 0;
}

static int sk_mq_unlink(const char* name) {
  return mq_unlink(name) == -1 ? -errno : 0;
}

#else

static int sk_mq_open(const char* name, int oflag, int mode, long maxmsg,
                      long msgsize) {
  (void) name; (void) oflag; (void) mode; (void) maxmsg; (void) msgsize;
  return -ENOSYS;
}

static int sk_mq_send(int q, const void* p, size_t n, unsigned prio) {
  (void) q; (void) p; (void) n; (void) prio;
  return -ENOSYS;
}

static long sk_mq_receive(int q, void* p, size_t n, unsigned* prio) {
  (void) q; (void) p; (void) n; (void) prio;
  return -ENOSYS;
}

static int sk_mq_getattr(int q, double* out) {
  (void) q; (void) out;
  return -ENOSYS;
}

static int sk_mq_unlink(const char* name) {
  (void) name;
  return -ENOSYS;
}

#endif

/* mqOpen(name, oflag, mode, maxmsg, msgsize) */
napi_value sk_mq_open_js(napi_env env, napi_callback_info info) {
  char name[SK_PATH_MAX];
  napi_value argv[5];
  int32_t oflag;
  int32_t mode;
  size_t maxmsg;
  size_t msgsize;
  int err;

  if (sk_napi_args(env, info, 5, argv) ||
      sk_napi_path(env, argv[0], "name", name, sizeof(name), &err) ||
      sk_napi_int(env, argv[1], "oflag", &oflag) ||
      sk_napi_int(env, argv[2], "mode", &mode) ||
      sk_napi_size(env, argv[3], "maxmsg", &maxmsg) ||
      sk_napi_size(env, argv[4], "msgsize", &msgsize)) {
    return NULL;
  }
  if (err)
    return sk_napi_number(env, err);
  if (maxmsg > LONG_MAX || msgsize > LONG_MAX)
    return sk_napi_number(env, -EINVAL);
  return sk_napi_number(
      env, sk_env_own(env, sk_mq_open(name, oflag, mode, (long) maxmsg,
                                      (long) msgsize)));
}

/* mqSend(q, buf, off, len, prio) */
napi_value sk_mq_send_js(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t q;
  int32_t prio;
  void* data;
  size_t n;

  if (sk_napi_args(env, info, 5, argv) || sk_napi_int(env, argv[0], "q", &q) ||
      sk_napi_range(env, argv[1], argv[2], argv[3], &data, &n) ||
      sk_napi_int(env, argv[4], "prio", &prio)) {
    return NULL;
  }
  if (prio < 0)
    return sk_napi_number(env, -EINVAL);
  return sk_napi_number(env, sk_mq_send(q, data, n, (unsigned) prio));
}

/* mqReceive(q, buf, off, len, prioOut) */
napi_value sk_mq_receive_js(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  unsigned prio;
  double* out;
  int32_t q;
  void* data;
  size_t n;
  long rc;

  if (sk_napi_args(env, info, 5, argv) || sk_napi_int(env, argv[0], "q", &q) ||
      sk_napi_range(env, argv[1], argv[2], argv[3], &data, &n) ||
      sk_napi_float64s(env, argv[4], "prioOut", 1, &out)) {
    return NULL;
  }
  prio = 0;
  rc = sk_mq_receive(q, data, n, &prio);
  if (rc >= 0)
    out[0] = (double) prio;
  return sk_napi_number(env, rc);
}

/* mqGetattr(q, out) */
napi_value sk_mq_getattr_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  double* out;
  int32_t q;

  if (sk_napi_args(env, info, 2, argv) || sk_napi_int(env, argv[0], "q", &q) ||
      sk_napi_float64s(env, argv[1], "out", SK_MQ_ATTR_COUNT, &out)) {
    return NULL;
  }
  return sk_napi_number(env, sk_mq_getattr(q, out));
}

/* mqUnlink(name) */
napi_value sk_mq_unlink_js(napi_env env, napi_callback_info info) {
  return sk_napi_path_call(env, info, sk_mq_unlink);
}
