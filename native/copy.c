/*
 * The kernel's copy fast path: splice(2), which moves bytes between two
 * descriptors one of which is a pipe without copying them through user
 * space. Both ends are non-blocking (the pipe and every socket sockit
 * makes), and SPLICE_F_NONBLOCK keeps the pipe side from waiting too, so
 * EAGAIN comes back to JavaScript, which waits for readiness and tries
 * again, as it does for read and write.
 *
 * A count of the calls is kept for the tests, which check that a copy took
 * this path (no strace needed).
 */
#include <errno.h>
#include <stdint.h>

#include "binding.h"

#if defined(__linux__)
# include <fcntl.h>
#endif

static double sk_copy_splices;

/* splice(fdIn, fdOut, len): moves up to len bytes; returns the count (0:
 * end of stream on fdIn) or -errno. ENOSYS where the system has no splice.
 */
napi_value sk_copy_splice_js(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t in;
  int32_t out;
  int32_t len;

  if (sk_napi_args(env, info, 3, argv) ||
      sk_napi_int(env, argv[0], "fdIn", &in) ||
      sk_napi_int(env, argv[1], "fdOut", &out) ||
      sk_napi_int(env, argv[2], "len", &len)) {
    return NULL;
  }
  if (len < 0)
    return sk_napi_number(env, -EINVAL);
#if defined(__linux__)
  {
    ssize_t r;

    sk_copy_splices++;
    do
      r = splice(in, NULL, out, NULL, (size_t) len,
                 SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
    while (r == -1 && errno == EINTR);
    return sk_napi_number(env, r == -1 ? -errno : r);
  }
#else
  (void) in;
  (void) out;
  return sk_napi_number(env, -ENOSYS);
#endif
}

/* copyCounters(): the number of splice calls made so far, in this process. */
napi_value sk_copy_counters_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  double* out;

  if (sk_napi_args(env, info, 1, argv) ||
      sk_napi_float64s(env, argv[0], "out", 1, &out)) {
    return NULL;
  }
  out[0] = sk_copy_splices;
  return NULL;
}
