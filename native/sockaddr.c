/*
 * Socket addresses: encoding sockaddr_in, sockaddr_in6 and sockaddr_un into
 * the platform's byte layout, and decoding what getsockname(2) and
 * getpeername(2) report.
 *
 * JavaScript treats an encoded address as opaque bytes that it passes back
 * to bind and connect, so the layout (field order, sin_len on BSD, sizes)
 * stays a private matter of this file.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "binding.h"

/* BSD-derived systems (macOS) carry a length byte at the head of every
 * sockaddr; SIN6_LEN is their documented feature macro for it (RFC 3493,
 * section 3.4).
 */
#if defined(SIN6_LEN)
# define SK_HAVE_SA_LEN 1
#endif

#define SK_SUN_PATH_OFFSET offsetof(struct sockaddr_un, sun_path)

static int sk_sockaddr_inet(const uint8_t* ip, size_t iplen, uint16_t port,
                            uint32_t scope_id, struct sockaddr_storage* ss,
                            socklen_t* len) {
  struct sockaddr_in* sin;
  struct sockaddr_in6* sin6;

  memset(ss, 0, sizeof(*ss));
  if (iplen == 4) {
    sin = (struct sockaddr_in*) ss;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    memcpy(&sin->sin_addr, ip, 4);
    *len = sizeof(*sin);
  } else if (iplen == 16) {
    sin6 = (struct sockaddr_in6*) ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    sin6->sin6_scope_id = scope_id;
    memcpy(&sin6->sin6_addr, ip, 16);
    *len = sizeof(*sin6);
  } else {
    return -EINVAL;
  }
#ifdef SK_HAVE_SA_LEN
  ((struct sockaddr*) ss)->sa_len = (uint8_t) *len;
#endif
  return 0;
}

/* Encodes a sockaddr_un the way Go's syscall.SockaddrUnix.sockaddr does:
 * an empty name is just the family (Linux autobinds it), a name starting
 * with NUL is a Linux abstract name whose length counts exactly its bytes
 * (it may fill sun_path, and a trailing NUL would become part of it), and
 * any other name gets a trailing NUL, which must fit in sun_path.
 */
static int sk_sockaddr_unix(const uint8_t* path, size_t n,
                            struct sockaddr_un* sun, socklen_t* len) {
  size_t size;

  if (n > 0 && path[0] == '\0')
    size = n;
  else if (n > 0)
    size = n + 1;
  else
    size = 0;
  if (size > sizeof(sun->sun_path))
    return -EINVAL;

  memset(sun, 0, sizeof(*sun));
  sun->sun_family = AF_UNIX;
  if (n > 0)
    memcpy(sun->sun_path, path, n);
  *len = (socklen_t) (SK_SUN_PATH_OFFSET + size);
#ifdef SK_HAVE_SA_LEN
  sun->sun_len = (uint8_t) *len;
#endif
  return 0;
}

/* Takes a kernel-reported address apart. For AF_UNIX, the bytes are
 * exactly the sun_path bytes covered by len: none for an unnamed socket,
 * the name with its leading NUL for an abstract one, and the path plus
 * whatever trailing NUL the kernel counted for a pathname socket;
 * JavaScript decides how to present each. Unknown families fail with
 * EAFNOSUPPORT, as in Go's anyToSockaddr. Shared by getsockname,
 * getpeername and recvmsg (msg.c), so that every path decodes alike.
 */
int sk_sockaddr_parse(const struct sockaddr_storage* ss, socklen_t len,
                      sk_sockaddr_parts_t* out) {
  const struct sockaddr_in* sin;
  const struct sockaddr_in6* sin6;

  out->family = ss->ss_family;
  out->port = 0;
  out->scope_id = 0;
  if (ss->ss_family == AF_INET) {
    sin = (const struct sockaddr_in*) ss;
    out->addr = &sin->sin_addr;
    out->len = 4;
    out->port = ntohs(sin->sin_port);
  } else if (ss->ss_family == AF_INET6) {
    sin6 = (const struct sockaddr_in6*) ss;
    out->addr = &sin6->sin6_addr;
    out->len = 16;
    out->port = ntohs(sin6->sin6_port);
    out->scope_id = sin6->sin6_scope_id;
  } else if (ss->ss_family == AF_UNIX) {
    /* The kernel reports the full length even when it truncated the copy;
     * never read past the storage we gave it.
     */
    if (len > sizeof(*ss))
      len = sizeof(*ss);
    out->addr = ((const struct sockaddr_un*) ss)->sun_path;
    out->len = len > SK_SUN_PATH_OFFSET ? len - SK_SUN_PATH_OFFSET : 0;
  } else {
    out->addr = NULL;
    out->len = 0;
    return -EAFNOSUPPORT;
  }
  return 0;
}

/* Decodes a kernel-reported address into [family, addr, port, scopeId]. */
static napi_value sk_sockaddr_decode(napi_env env,
                                     const struct sockaddr_storage* ss,
                                     socklen_t len) {
  sk_sockaddr_parts_t parts;
  napi_value out[4];
  napi_value arr;
  uint32_t i;
  int err;

  err = sk_sockaddr_parse(ss, len, &parts);
  if (err)
    return sk_napi_number(env, err);
  if (napi_create_uint32(env, (uint32_t) parts.family, &out[0]) !=
          napi_ok ||
      (out[1] = sk_napi_copy(env, parts.addr, parts.len)) == NULL ||
      napi_create_uint32(env, parts.port, &out[2]) != napi_ok ||
      napi_create_uint32(env, parts.scope_id, &out[3]) != napi_ok ||
      napi_create_array_with_length(env, 4, &arr) != napi_ok) {
    return NULL;
  }
  for (i = 0; i < 4; i++)
    if (napi_set_element(env, arr, i, out[i]) != napi_ok)
      return NULL;
  return arr;
}

napi_value sk_sockaddr_inet_js(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  struct sockaddr_storage ss;
  socklen_t len;
  void* ip;
  size_t iplen;
  int32_t port;
  size_t scope_id;

  if (sk_napi_args(env, info, 3, argv) ||
      sk_napi_bytes(env, argv[0], "ip", &ip, &iplen) ||
      sk_napi_int(env, argv[1], "port", &port) ||
      sk_napi_size(env, argv[2], "scopeId", &scope_id)) {
    return NULL;
  }
  if (port < 0 || port > 65535)
    return sk_napi_type_error(env, "sockit: port must be in [0, 65535]");
  if (scope_id > UINT32_MAX)
    return sk_napi_type_error(env, "sockit: scopeId must fit in 32 bits");
  if (sk_sockaddr_inet(ip, iplen, (uint16_t) port, (uint32_t) scope_id, &ss,
                       &len)) {
    return sk_napi_type_error(env, "sockit: ip must be 4 or 16 bytes");
  }
  return sk_napi_copy(env, &ss, len);
}

napi_value sk_sockaddr_unix_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct sockaddr_un sun;
  socklen_t len;
  void* path;
  size_t n;
  int err;

  if (sk_napi_args(env, info, 1, argv) ||
      sk_napi_bytes(env, argv[0], "path", &path, &n)) {
    return NULL;
  }
  err = sk_sockaddr_unix(path, n, &sun, &len);
  if (err)
    return sk_napi_number(env, err);
  return sk_napi_copy(env, &sun, len);
}

/* Shared body of getsockname and getpeername, which differ only in the
 * syscall. (A flag rather than a function pointer: with _GNU_SOURCE, glibc
 * declares both with a transparent-union argument.)
 */
static napi_value sk_sockaddr_query(napi_env env, napi_callback_info info,
                                    int peer) {
  struct sockaddr* sa;
  napi_value argv[1];
  struct sockaddr_storage ss;
  socklen_t len;
  int32_t fd;

  if (sk_napi_args(env, info, 1, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd)) {
    return NULL;
  }
  /* A zeroed family makes a zero-length answer decode as EAFNOSUPPORT
   * rather than as stack garbage.
   */
  memset(&ss, 0, sizeof(ss));
  len = sizeof(ss);
  sa = (struct sockaddr*) &ss;
  if ((peer ? getpeername(fd, sa, &len) : getsockname(fd, sa, &len)) != 0)
    return sk_napi_number(env, -errno);
  return sk_sockaddr_decode(env, &ss, len);
}

napi_value sk_sockaddr_getsockname_js(napi_env env, napi_callback_info info) {
  return sk_sockaddr_query(env, info, 0);
}

napi_value sk_sockaddr_getpeername_js(napi_env env, napi_callback_info info) {
  return sk_sockaddr_query(env, info, 1);
}
