/*
 * The kernel's copy fast paths. splice(2) moves bytes between two
 * descriptors one of which is a pipe without copying them through user
 * space. Both ends are non-blocking (the pipe and every socket sockit
 * makes), and SPLICE_F_NONBLOCK keeps the pipe side from waiting too, so
 * EAGAIN comes back to JavaScript, which waits for readiness and tries
 * again, as it does for read and write.
 *
 * sendfile(2) (a regular file to a socket or pipe) and copy_file_range(2)
 * (file to file) read the disk, which may block, so each call is one job on
 * the libuv threadpool (napi_async_work): one syscall of at most `len`
 * bytes, the bound on how long it holds a pool thread. A non-blocking
 * socket on the out side returns EAGAIN rather than waiting; JavaScript
 * then waits for it to be writable and queues the next job.
 *
 * A count of the calls is kept for the tests, which check that a copy took
 * its path (no strace needed).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "binding.h"

#if defined(__linux__)
# include <fcntl.h>
# include <sys/sendfile.h>
# include <unistd.h>
#endif

static double sk_copy_splices;
static double sk_copy_sendfiles;
static double sk_copy_file_ranges;

/* The kinds of copyJob. */
enum { SK_COPY_SENDFILE = 0, SK_COPY_FILE_RANGE = 1 };

typedef struct {
  napi_async_work work;
  napi_ref callback;
  int kind;
  int in;
  int out;
  size_t len;
  int64_t result;
} sk_copy_job_t;

/* On a pool thread: one syscall, at the descriptors' own offsets. */
static void sk_copy_job_execute(napi_env env, void* data) {
  sk_copy_job_t* j;

  (void) env;
  j = data;
#if defined(__linux__)
  {
    ssize_t r;

    do {
      if (j->kind == SK_COPY_SENDFILE)
        r = sendfile(j->out, j->in, NULL, j->len);
      else
        r = copy_file_range(j->in, NULL, j->out, NULL, j->len, 0);
    } while (r == -1 && errno == EINTR);
    j->result = r == -1 ? -errno : r;
  }
#else
  j->result = -ENOSYS;
#endif
}

/* Back on the loop thread: callback(result), then the job is gone. N-API
 * runs this inside a callback scope, so promises the callback settles
 * settle before the loop moves on. A job cancelled at environment teardown
 * still frees its memory; JavaScript is not called then.
 */
static void sk_copy_job_complete(napi_env env, napi_status status, void* data) {
  napi_handle_scope scope;
  napi_value fn;
  napi_value recv;
  napi_value arg;
  napi_value ignored;
  sk_copy_job_t* j;

  j = data;
  if (status == napi_ok && napi_open_handle_scope(env, &scope) == napi_ok) {
    if (napi_get_reference_value(env, j->callback, &fn) == napi_ok &&
        fn != NULL && napi_get_global(env, &recv) == napi_ok &&
        napi_create_int64(env, j->result, &arg) == napi_ok) {
      napi_call_function(env, recv, fn, 1, &arg, &ignored);
    }
    napi_close_handle_scope(env, scope);
  }
  napi_delete_reference(env, j->callback);
  napi_delete_async_work(env, j->work);
  free(j);
}

/* copyJob(kind, fdIn, fdOut, len, callback): queues one sendfile (kind 0)
 * or copy_file_range (kind 1) of up to len bytes on the threadpool; the
 * callback gets the count (0: end of the input file) or -errno. Returns 0,
 * or -errno when the job could not be queued (the callback is then never
 * called). The caller keeps both descriptors open until the callback.
 */
napi_value sk_copy_job_js(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  napi_value name;
  napi_valuetype type;
  int32_t kind;
  int32_t in;
  int32_t out;
  int32_t len;
  sk_copy_job_t* j;

  if (sk_napi_args(env, info, 5, argv) ||
      sk_napi_int(env, argv[0], "kind", &kind) ||
      sk_napi_int(env, argv[1], "fdIn", &in) ||
      sk_napi_int(env, argv[2], "fdOut", &out) ||
      sk_napi_int(env, argv[3], "len", &len)) {
    return NULL;
  }
  if (napi_typeof(env, argv[4], &type) != napi_ok || type != napi_function)
    return sk_napi_type_error(env, "sockit: callback must be a function");
  if ((kind != SK_COPY_SENDFILE && kind != SK_COPY_FILE_RANGE) || len < 0)
    return sk_napi_number(env, -EINVAL);
  j = calloc(1, sizeof(*j));
  if (j == NULL)
    return sk_napi_number(env, -ENOMEM);
  j->kind = kind;
  j->in = in;
  j->out = out;
  j->len = (size_t) len;
  if (napi_create_reference(env, argv[4], 1, &j->callback) != napi_ok) {
    free(j);
    return sk_napi_number(env, -ENOMEM);
  }
  if (napi_create_string_utf8(env, "sockit.copy", NAPI_AUTO_LENGTH, &name) !=
          napi_ok ||
      napi_create_async_work(env, NULL, name, sk_copy_job_execute,
                             sk_copy_job_complete, j, &j->work) != napi_ok) {
    napi_delete_reference(env, j->callback);
    free(j);
    return sk_napi_number(env, -ENOMEM);
  }
  if (napi_queue_async_work(env, j->work) != napi_ok) {
    napi_delete_async_work(env, j->work);
    napi_delete_reference(env, j->callback);
    free(j);
    return sk_napi_number(env, -ENOMEM);
  }
  if (kind == SK_COPY_SENDFILE)
    sk_copy_sendfiles++;
  else
    sk_copy_file_ranges++;
  return sk_napi_number(env, 0);
}

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

/* copyCounters(out): the splice calls made so far in this process, then
 * the sendfile and copy_file_range jobs queued.
 */
napi_value sk_copy_counters_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  double* out;

  if (sk_napi_args(env, info, 1, argv) ||
      sk_napi_float64s(env, argv[0], "out", 3, &out)) {
    return NULL;
  }
  out[0] = sk_copy_splices;
  out[1] = sk_copy_sendfiles;
  out[2] = sk_copy_file_ranges;
  return NULL;
}
