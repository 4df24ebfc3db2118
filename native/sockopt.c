/*
 * Socket options: getsockopt(2) and setsockopt(2) of int-valued options,
 * SO_LINGER, whose value is a struct, and setting raw byte values for the
 * structs JavaScript lays out itself (ip_mreqn, ipv6_mreq) from the
 * layout facts constants.c exports, and getting raw byte values for the
 * options no wrapper of sockit's covers (RawConn.getsockoptBytes).
 *
 * Which level and name to use is policy and lives in JavaScript (as Go's
 * sockopt_*.go files); these wrappers only move the value.
 */
#include <errno.h>
#include <limits.h>
#include <sys/socket.h>

#include "binding.h"

static int sk_sockopt_get_int(int fd, int level, int name, int32_t* value) {
  int v;
  socklen_t len;

  /* Some options are a single byte on some systems (IP_MULTICAST_LOOP and
   * IP_MULTICAST_TTL are u_char on the BSDs, ip(4)); the kernel then says
   * so through len, and the byte is read as such on any endianness.
   */
  v = 0;
  len = sizeof(v);
  if (getsockopt(fd, level, name, &v, &len))
    return -errno;
  if (len == sizeof(unsigned char))
    v = *(unsigned char*) &v;
  *value = v;
  return 0;
}

static int sk_sockopt_set_int(int fd, int level, int name, int value) {
  if (setsockopt(fd, level, name, &value, sizeof(value)))
    return -errno;
  return 0;
}

static int sk_sockopt_set_linger(int fd, int onoff, int secs) {
  struct linger l;

  l.l_onoff = onoff;
  l.l_linger = secs;
  if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)))
    return -errno;
  return 0;
}

/* socklen_t is 32 bits on every platform we build for, and no option value
 * comes near 2 GiB, so a longer buffer is refused as the kernel would
 * refuse a bad length (EINVAL) rather than having its length wrap.
 */
static int sk_sockopt_set_bytes(int fd, int level, int name, const void* p,
                                size_t n) {
  if (n > INT_MAX)
    return -EINVAL;
  if (setsockopt(fd, level, name, p, (socklen_t) n))
    return -errno;
  return 0;
}

/* The value's length on success: the kernel shortens len to what it
 * wrote (it may also report a longer value cut short, which never reads
 * past the buffer: getsockopt writes at most the length it was given).
 */
static int sk_sockopt_get_bytes(int fd, int level, int name, void* p,
                                size_t n) {
  socklen_t len;

  if (n > INT_MAX)
    return -EINVAL;
  len = (socklen_t) n;
  if (getsockopt(fd, level, name, p, &len))
    return -errno;
  return (int) (len < n ? len : n);
}

napi_value sk_sockopt_get_int_js(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  napi_typedarray_type type;
  int32_t fd;
  int32_t level;
  int32_t name;
  size_t len;
  void* out;
  int err;

  if (sk_napi_args(env, info, 4, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_int(env, argv[1], "level", &level) ||
      sk_napi_int(env, argv[2], "name", &name)) {
    return NULL;
  }
  if (napi_get_typedarray_info(env, argv[3], &type, &len, &out, NULL,
                               NULL) != napi_ok ||
      type != napi_int32_array || len < 1) {
    return sk_napi_type_error(env,
                              "sockit: out must be a non-empty Int32Array");
  }
  /* The view's data pointer comes from V8 and is aligned for int32_t
   * unless the view was built at an odd byteOffset, which an Int32Array
   * cannot be (its offset must be a multiple of 4).
   */
  err = sk_sockopt_get_int(fd, level, name, (int32_t*) out);
  return sk_napi_number(env, err);
}

napi_value sk_sockopt_set_int_js(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd;
  int32_t level;
  int32_t name;
  int32_t value;

  if (sk_napi_args(env, info, 4, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_int(env, argv[1], "level", &level) ||
      sk_napi_int(env, argv[2], "name", &name) ||
      sk_napi_int(env, argv[3], "value", &value)) {
    return NULL;
  }
  return sk_napi_number(env, sk_sockopt_set_int(fd, level, name, value));
}

napi_value sk_sockopt_set_linger_js(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  int32_t onoff;
  int32_t secs;

  if (sk_napi_args(env, info, 3, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_int(env, argv[1], "onoff", &onoff) ||
      sk_napi_int(env, argv[2], "secs", &secs)) {
    return NULL;
  }
  return sk_napi_number(env, sk_sockopt_set_linger(fd, onoff, secs));
}

/* The arguments of the byte-valued calls: (fd, level, name, bytes). */
typedef struct sk_sockopt_bytes_args_s {
  int32_t fd;
  int32_t level;
  int32_t name;
  void* p;
  size_t n;
} sk_sockopt_bytes_args_t;

static int sk_sockopt_bytes_args(napi_env env, napi_callback_info info,
                                 const char* what,
                                 sk_sockopt_bytes_args_t* a) {
  napi_value argv[4];

  if (sk_napi_args(env, info, 4, argv) ||
      sk_napi_int(env, argv[0], "fd", &a->fd) ||
      sk_napi_int(env, argv[1], "level", &a->level) ||
      sk_napi_int(env, argv[2], "name", &a->name) ||
      sk_napi_bytes(env, argv[3], what, &a->p, &a->n)) {
    return -1;
  }
  return 0;
}

/* setsockoptBytes(fd, level, name, value): a raw option value. */
napi_value sk_sockopt_set_bytes_js(napi_env env, napi_callback_info info) {
  sk_sockopt_bytes_args_t a;

  if (sk_sockopt_bytes_args(env, info, "value", &a))
    return NULL;
  return sk_napi_number(env,
                        sk_sockopt_set_bytes(a.fd, a.level, a.name, a.p, a.n));
}

/* getsockoptBytes(fd, level, name, out): a raw option value into out,
 * in place; returns its length.
 */
napi_value sk_sockopt_get_bytes_js(napi_env env, napi_callback_info info) {
  sk_sockopt_bytes_args_t a;

  if (sk_sockopt_bytes_args(env, info, "out", &a))
    return NULL;
  return sk_napi_number(env,
                        sk_sockopt_get_bytes(a.fd, a.level, a.name, a.p, a.n));
}

/* peerCredentials(fd, out): the credentials of a unix socket's peer, as the
 * kernel recorded them at connect (or socketpair): out[0] pid, out[1] uid,
 * out[2] gid. SO_PEERCRED on Linux; elsewhere getpeereid, which has no
 * pid (-1).
 */
napi_value sk_sockopt_peer_credentials_js(napi_env env,
                                          napi_callback_info info) {
  napi_value argv[2];
  int32_t* out;
  int32_t fd;

  if (sk_napi_args(env, info, 2, argv) || sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_int32s(env, argv[1], "out", 3, &out)) {
    return NULL;
  }
#ifdef SO_PEERCRED
  {
    struct ucred cred;
    socklen_t len;

    len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
      return sk_napi_number(env, -errno);
    out[0] = (int32_t) cred.pid;
    out[1] = (int32_t) cred.uid;
    out[2] = (int32_t) cred.gid;
  }
#else
  {
    uid_t uid;
    gid_t gid;

    if (getpeereid(fd, &uid, &gid))
      return sk_napi_number(env, -errno);
    out[0] = -1;
    out[1] = (int32_t) uid;
    out[2] = (int32_t) gid;
  }
#endif
  return sk_napi_number(env, 0);
}
