/*
 * Module initialisation and the argument helpers every family shares.
 *
 * The module is context-aware (NAPI_MODULE_INIT): all state hangs off the
 * napi_env passed in, so loading it in several worker threads is safe.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "binding.h"

#define SK_METHOD(name, fn)                                                   \
  { name, NULL, fn, NULL, NULL, NULL, napi_enumerable, NULL }

#define SK_VALUE(name, v)                                                     \
  { name, NULL, NULL, NULL, NULL, v, napi_enumerable, NULL }

napi_value sk_napi_type_error(napi_env env, const char* message) {
  /* ERR_INVALID_ARG_TYPE is the code Node's own argument checks use, so
   * callers that match on `code` see the familiar value.
   */
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

static int sk_napi_fail(napi_env env, const char* what, const char* must) {
  char message[128];

  snprintf(message, sizeof(message), "sockit: %s must be %s", what, must);
  sk_napi_type_error(env, message);
  return -1;
}

int sk_napi_args(napi_env env, napi_callback_info info, size_t n,
                 napi_value* argv) {
  size_t argc;

  /* Missing arguments come back as undefined, so the type checks that
   * follow report them; no separate count check is needed.
   */
  argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    sk_napi_type_error(env, "sockit: cannot read the arguments");
    return -1;
  }
  return 0;
}

/* Numbers are read as doubles and must hold an exact integer in range:
 * napi_get_value_int32 would silently turn NaN and Infinity into 0 and 1.5
 * into 1, and a NaN that becomes fd 0 reads from stdin. One N-API call,
 * as before; the checks are a few compares. NaN fails every comparison, so
 * the range tests refuse it, and the cast happens only once the value is
 * known to fit (casting an out-of-range double is undefined in C11).
 */
int sk_napi_int(napi_env env, napi_value v, const char* what, int32_t* out) {
  double d;

  if (napi_get_value_double(env, v, &d) != napi_ok ||
      !(d >= INT32_MIN && d <= INT32_MAX) || (double) (int32_t) d != d) {
    return sk_napi_fail(env, what, "a 32-bit integer");
  }
  *out = (int32_t) d;
  return 0;
}

/* The largest size accepted: Number.MAX_SAFE_INTEGER, the last integer a
 * double holds exactly (above it, 2^53 + 1 would read as 2^53 without
 * complaint), or SIZE_MAX where size_t is smaller (32-bit builds). Chosen
 * by the preprocessor so that no compare is always false (-Wtype-limits).
 */
#if SIZE_MAX < 9007199254740991ULL
# define SK_SIZE_LIMIT ((double) SIZE_MAX)
#else
# define SK_SIZE_LIMIT 9007199254740991.0
#endif

int sk_napi_size(napi_env env, napi_value v, const char* what, size_t* out) {
  double d;

  if (napi_get_value_double(env, v, &d) != napi_ok ||
      !(d >= 0 && d <= SK_SIZE_LIMIT) || (double) (uint64_t) d != d) {
    return sk_napi_fail(env, what, "a non-negative integer");
  }
  *out = (size_t) d;
  return 0;
}

/* A boolean, for on/off switches; no coercion, so 0, 1 and "" are refused.
 */
int sk_napi_bool(napi_env env, napi_value v, const char* what, bool* out) {
  if (napi_get_value_bool(env, v, out) != napi_ok)
    return sk_napi_fail(env, what, "a boolean");
  return 0;
}

/* A path for the file calls: a string whose UTF-8 form, with its NUL,
 * fits in buf (PATH_MAX bytes, the most any path syscall accepts). The
 * first call only asks for the length, so that a longer string is
 * reported rather than cut short. A string that is too long or holds a
 * NUL (which C would read as its end, so that another file would be
 * named) is the caller's errno, as the kernel would give: *err becomes
 * -ENAMETOOLONG or -EINVAL; else 0.
 */
int sk_napi_path(napi_env env, napi_value v, const char* what, char* buf,
                 size_t size, int* err) {
  size_t len;

  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok)
    return sk_napi_fail(env, what, "a string");
  *err = 0;
  if (len >= size) {
    *err = -ENAMETOOLONG;
    return 0;
  }
  if (napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok)
    return sk_napi_fail(env, what, "a string");
  if (strlen(buf) != len)
    *err = -EINVAL;
  return 0;
}

int sk_napi_bytes(napi_env env, napi_value v, const char* what, void** data,
                  size_t* len) {
  napi_typedarray_type type;

  /* The data pointer napi_get_typedarray_info returns already includes the
   * view's byteOffset, so a Buffer carved from Node's pool or any subarray
   * works in place. Passing NULL for the ArrayBuffer and offset saves two
   * handle creations on the hot path.
   */
  if (napi_get_typedarray_info(env, v, &type, len, data, NULL, NULL) !=
          napi_ok ||
      type != napi_uint8_array) {
    return sk_napi_fail(env, what, "a Uint8Array");
  }
  return 0;
}

int sk_napi_range(napi_env env, napi_value buf, napi_value off,
                  napi_value len, void** data, size_t* n) {
  size_t blen;
  size_t o;

  if (sk_napi_bytes(env, buf, "buf", data, &blen) ||
      sk_napi_size(env, off, "off", &o) ||
      sk_napi_size(env, len, "len", n)) {
    return -1;
  }
  /* Written so that off + len cannot overflow. */
  if (o > blen || *n > blen - o)
    return sk_napi_fail(env, "off + len", "within the buffer");
  *data = (char*) *data + o;
  return 0;
}

/* Like sk_napi_bytes, but null stands for "none": *data becomes NULL and
 * *len 0, which is what the syscalls take for an absent buffer.
 */
int sk_napi_bytes_or_null(napi_env env, napi_value v, const char* what,
                          void** data, size_t* len) {
  napi_typedarray_type type;
  napi_valuetype vtype;

  if (napi_typeof(env, v, &vtype) == napi_ok && vtype == napi_null) {
    *data = NULL;
    *len = 0;
    return 0;
  }
  if (napi_get_typedarray_info(env, v, &type, len, data, NULL, NULL) !=
          napi_ok ||
      type != napi_uint8_array) {
    return sk_napi_fail(env, what, "a Uint8Array or null");
  }
  return 0;
}

/* A typed array of `want` type with at least min elements, for results
 * the wrappers write in place; `name` says what it must be in the error.
 * V8 only makes typed arrays aligned for their element type, so the data
 * can be used as int32_t or double as it is.
 */
static int sk_napi_typed(napi_env env, napi_value v, const char* what,
                         size_t min, napi_typedarray_type want,
                         const char* name, void** data) {
  napi_typedarray_type type;
  char must[64];
  size_t len;

  if (napi_get_typedarray_info(env, v, &type, &len, data, NULL, NULL) !=
          napi_ok ||
      type != want || len < min) {
    snprintf(must, sizeof(must), "%s of at least %zu elements", name, min);
    return sk_napi_fail(env, what, must);
  }
  return 0;
}

/* An Int32Array of at least min elements (socketpair's fds, an int option,
 * recvmsg's info).
 */
int sk_napi_int32s(napi_env env, napi_value v, const char* what, size_t min,
                   int32_t** data) {
  return sk_napi_typed(env, v, what, min, napi_int32_array, "an Int32Array",
                       (void**) data);
}

/* A Float64Array of at least min elements, for results that may pass
 * 2^31 (file sizes, inode numbers).
 */
int sk_napi_float64s(napi_env env, napi_value v, const char* what,
                     size_t min, double** data) {
  return sk_napi_typed(env, v, what, min, napi_float64_array,
                       "a Float64Array", (void**) data);
}

/* Returns a new Uint8Array holding a copy of len bytes from src. The copy
 * is of kernel output (an address, a control message's payload), never of
 * a JavaScript buffer on the I/O path.
 */
napi_value sk_napi_copy(napi_env env, const void* src, size_t len) {
  napi_value ab;
  napi_value arr;
  void* data;

  if (napi_create_arraybuffer(env, len, &data, &ab) != napi_ok)
    return NULL;
  if (len > 0)
    memcpy(data, src, len);
  if (napi_create_typedarray(env, napi_uint8_array, len, ab, 0, &arr) !=
      napi_ok) {
    return NULL;
  }
  return arr;
}

/* The whole entry point of a call that takes one name or path and returns
 * 0 or a negative errno: the unlinks of queues, semaphores and segments.
 */
napi_value sk_napi_path_call(napi_env env, napi_callback_info info,
                             int (*fn)(const char* path)) {
  char path[SK_PATH_MAX];
  napi_value argv[1];
  int err;

  if (sk_napi_args(env, info, 1, argv) ||
      sk_napi_path(env, argv[0], "name", path, sizeof(path), &err)) {
    return NULL;
  }
  return sk_napi_number(env, err ? err : fn(path));
}

napi_value sk_napi_number(napi_env env, int64_t n) {
  napi_value result;

  if (napi_create_int64(env, n, &result) != napi_ok)
    return NULL;
  return result;
}

int sk_napi_set_names(napi_env env, napi_value obj, const sk_name_t* names) {
  napi_value v;

  for (; names->name != NULL; names++) {
    if (napi_create_int64(env, names->value, &v) != napi_ok ||
        napi_set_named_property(env, obj, names->name, v) != napi_ok) {
      return -1;
    }
  }
  return 0;
}

static napi_value sk_binding_int(napi_env env, int32_t n) {
  napi_value result;

  if (napi_create_int32(env, n, &result) != napi_ok)
    return NULL;
  return result;
}

NAPI_MODULE_INIT() {
  napi_value constants;
  napi_value errnos;
  napi_value readable;
  napi_value writable;
  napi_value waiter_signal;

  /* First, so that the environment's cleanup hook is added before any
   * poll handle's: env.c explains why that order matters.
   */
  if (sk_env_init(env)) {
    napi_throw_error(env, NULL, "sockit: cannot set up the environment");
    return NULL;
  }
  constants = sk_constants_object(env);
  errnos = sk_errno_object(env);
  readable = sk_binding_int(env, UV_READABLE);
  writable = sk_binding_int(env, UV_WRITABLE);
  waiter_signal = sk_binding_int(env, sk_waiter_signal());
  if (constants == NULL || errnos == NULL || readable == NULL ||
      writable == NULL || waiter_signal == NULL) {
    return NULL;
  }

  /* The names and order follow the manifest, src/sys/binding.ts; each JS
   * name maps to sk_<family>_<verb>_js of native/<family>.c, declared in
   * binding.h. test/sys/manifest.test.ts checks all three agree.
   */
  napi_property_descriptor props[] = {
    SK_VALUE("constants", constants),
    SK_VALUE("errnos", errnos),
    SK_VALUE("POLL_READABLE", readable),
    SK_VALUE("POLL_WRITABLE", writable),
    SK_VALUE("WAITER_SIGNAL", waiter_signal),
    SK_METHOD("socket", sk_socket_open_js),
    SK_METHOD("socketpair", sk_socket_pair_js),
    SK_METHOD("close", sk_socket_close_js),
    SK_METHOD("bind", sk_socket_bind_js),
    SK_METHOD("listen", sk_socket_listen_js),
    SK_METHOD("accept", sk_socket_accept_js),
    SK_METHOD("connect", sk_socket_connect_js),
    SK_METHOD("shutdown", sk_socket_shutdown_js),
    SK_METHOD("read", sk_io_read_js),
    SK_METHOD("write", sk_io_write_js),
    SK_METHOD("send", sk_io_send_js),
    SK_METHOD("writev", sk_io_writev_js),
    SK_METHOD("getsockoptInt", sk_sockopt_get_int_js),
    SK_METHOD("setsockoptInt", sk_sockopt_set_int_js),
    SK_METHOD("setsockoptLinger", sk_sockopt_set_linger_js),
    SK_METHOD("setsockoptBytes", sk_sockopt_set_bytes_js),
    SK_METHOD("getsockoptBytes", sk_sockopt_get_bytes_js),
    SK_METHOD("peerCredentials", sk_sockopt_peer_credentials_js),
    SK_METHOD("sockaddrInet", sk_sockaddr_inet_js),
    SK_METHOD("sockaddrUnix", sk_sockaddr_unix_js),
    SK_METHOD("getsockname", sk_sockaddr_getsockname_js),
    SK_METHOD("getpeername", sk_sockaddr_getpeername_js),
    SK_METHOD("sockaddrNetlink", sk_sockaddr_netlink_js),
    SK_METHOD("sockaddrLinklayer", sk_sockaddr_linklayer_js),
    SK_METHOD("sockaddrVM", sk_sockaddr_vm_js),
    SK_METHOD("sockaddrDecode", sk_sockaddr_decode_js),
    SK_METHOD("getsocknameAny", sk_sockaddr_getsockname_any_js),
    SK_METHOD("getpeernameAny", sk_sockaddr_getpeername_any_js),
    SK_METHOD("recvmsg", sk_msg_recv_js),
    SK_METHOD("sendmsg", sk_msg_send_js),
    SK_METHOD("recvmsgRaw", sk_msg_recv_raw_js),
    SK_METHOD("recvmmsg", sk_msg_recvmmsg_js),
    SK_METHOD("sendmmsg", sk_msg_sendmmsg_js),
    SK_METHOD("cmsgSpace", sk_cmsg_space_js),
    SK_METHOD("unixRights", sk_cmsg_unix_rights_js),
    SK_METHOD("parseControlMessages", sk_cmsg_parse_js),
    SK_METHOD("unixCredentials", sk_cmsg_unix_credentials_js),
    SK_METHOD("ifNameToIndex", sk_iface_name_to_index_js),
    SK_METHOD("ifIndexToName", sk_iface_index_to_name_js),
    SK_METHOD("pipe", sk_file_pipe_js),
    SK_METHOD("mkfifo", sk_file_mkfifo_js),
    SK_METHOD("dup", sk_file_dup_js),
    SK_METHOD("setNonblock", sk_file_set_nonblock_js),
    SK_METHOD("fstat", sk_file_fstat_js),
    SK_METHOD("stat", sk_file_stat_js),
    SK_METHOD("spawn", sk_process_spawn_js),
    SK_METHOD("wait", sk_process_wait_js),
    SK_METHOD("pidfd", sk_process_pidfd_js),
    SK_METHOD("kill", sk_process_kill_js),
    SK_METHOD("signalDisposition", sk_process_signal_disposition_js),
    SK_METHOD("pollLoop", sk_poll_loop_js),
    SK_METHOD("pollOpen", sk_poll_open_js),
    SK_METHOD("pollUpdate", sk_poll_update_js),
    SK_METHOD("pollRef", sk_poll_ref_js),
    SK_METHOD("pollClose", sk_poll_close_js),
    SK_METHOD("adopt", sk_env_adopt_js),
    SK_METHOD("lockTry", sk_lock_try_js),
    SK_METHOD("lockWait", sk_lock_wait_js),
    SK_METHOD("lockHolder", sk_lock_holder_js),
    SK_METHOD("waiterCancel", sk_waiter_cancel_js),
    SK_METHOD("mqOpen", sk_mq_open_js),
    SK_METHOD("mqSend", sk_mq_send_js),
    SK_METHOD("mqReceive", sk_mq_receive_js),
    SK_METHOD("mqGetattr", sk_mq_getattr_js),
    SK_METHOD("mqUnlink", sk_mq_unlink_js),
    SK_METHOD("semOpen", sk_sem_open_js),
    SK_METHOD("semClose", sk_sem_close_js),
    SK_METHOD("semTryWait", sk_sem_try_wait_js),
    SK_METHOD("semWait", sk_sem_wait_js),
    SK_METHOD("semPost", sk_sem_post_js),
    SK_METHOD("semGetValue", sk_sem_get_value_js),
    SK_METHOD("semUnlink", sk_sem_unlink_js),
    SK_METHOD("shmOpen", sk_shm_open_js),
    SK_METHOD("shmUnlink", sk_shm_unlink_js),
    SK_METHOD("shmTruncate", sk_shm_truncate_js),
    SK_METHOD("shmMap", sk_shm_map_js),
    SK_METHOD("shmDetach", sk_shm_detach_js),
    SK_METHOD("splice", sk_copy_splice_js),
    SK_METHOD("copyCounters", sk_copy_counters_js),
    SK_METHOD("copyJob", sk_copy_job_js),
  };

  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]),
                             props) != napi_ok) {
    return NULL;
  }
  return exports;
}
