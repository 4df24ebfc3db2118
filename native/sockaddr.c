/*
 * Socket addresses: encoding sockaddr_in, sockaddr_in6 and sockaddr_un into
 * the platform's byte layout, and decoding what getsockname(2) and
 * getpeername(2) report. On Linux also sockaddr_nl (netlink(7)),
 * sockaddr_ll (packet(7)) and sockaddr_vm (vsock(7)), for the syscall
 * layer (src/syscall/), which decodes any of the six families, as Go's
 * syscall.anyToSockaddr does.
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

#ifdef __linux__
# include <linux/if_packet.h>
# include <linux/netlink.h>
# include <linux/vm_sockets.h>
#endif

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

typedef napi_value (*sk_sockaddr_decoder)(napi_env env,
                                          const struct sockaddr_storage* ss,
                                          socklen_t len);

static napi_value sk_sockaddr_any_decode(napi_env env,
                                         const struct sockaddr_storage* ss,
                                         socklen_t len);

/* Shared body of getsockname and getpeername, which differ only in the
 * syscall (a flag rather than a function pointer: with _GNU_SOURCE, glibc
 * declares both with a transparent-union argument), and of their forms
 * for the syscall layer, which decode any family.
 */
static napi_value sk_sockaddr_query(napi_env env, napi_callback_info info,
                                    int peer, sk_sockaddr_decoder decode) {
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
  return decode(env, &ss, len);
}

napi_value sk_sockaddr_getsockname_js(napi_env env, napi_callback_info info) {
  return sk_sockaddr_query(env, info, 0, sk_sockaddr_decode);
}

napi_value sk_sockaddr_getpeername_js(napi_env env, napi_callback_info info) {
  return sk_sockaddr_query(env, info, 1, sk_sockaddr_decode);
}

/* Any address of the six families the syscall layer knows, taken apart:
 * bytes/len are the address bytes (the IP, the sun_path bytes the kernel
 * counted, or sll_addr's 8 bytes), and n[] the numbers, per family:
 *   AF_INET    port
 *   AF_INET6   port, scope id
 *   AF_NETLINK pad, pid, groups
 *   AF_PACKET  protocol (as stored: network byte order), ifindex, hatype,
 *              pkttype, halen
 *   AF_VSOCK   cid, port, flags
 * Unknown families fail with EAFNOSUPPORT, as anyToSockaddr does.
 */
typedef struct sk_sockaddr_any_s {
  int family;
  const void* bytes;
  size_t len;
  int64_t n[5];
} sk_sockaddr_any_t;

static int sk_sockaddr_any_parse(const struct sockaddr_storage* ss,
                                 socklen_t len, sk_sockaddr_any_t* out) {
  sk_sockaddr_parts_t parts;
  int err;

  memset(out, 0, sizeof(*out));
  out->family = ss->ss_family;
  switch (ss->ss_family) {
#ifdef __linux__
  case AF_NETLINK: {
    const struct sockaddr_nl* nl = (const struct sockaddr_nl*) ss;
    out->n[0] = nl->nl_pad;
    out->n[1] = nl->nl_pid;
    out->n[2] = nl->nl_groups;
    return 0;
  }
  case AF_PACKET: {
    const struct sockaddr_ll* ll = (const struct sockaddr_ll*) ss;
    out->bytes = ll->sll_addr;
    out->len = sizeof(ll->sll_addr);
    out->n[0] = ll->sll_protocol;
    out->n[1] = ll->sll_ifindex;
    out->n[2] = ll->sll_hatype;
    out->n[3] = ll->sll_pkttype;
    out->n[4] = ll->sll_halen;
    return 0;
  }
  case AF_VSOCK: {
    const struct sockaddr_vm* vm = (const struct sockaddr_vm*) ss;
    out->n[0] = vm->svm_cid;
    out->n[1] = vm->svm_port;
    out->n[2] = vm->svm_flags;
    return 0;
  }
#endif
  default:
    err = sk_sockaddr_parse(ss, len, &parts);
    if (err)
      return err;
    out->bytes = parts.addr;
    out->len = parts.len;
    out->n[0] = parts.port;
    out->n[1] = parts.scope_id;
    return 0;
  }
}

/* [family, bytes, n0, n1, n2, n3, n4] for a kernel-reported address, or
 * the negative errno of an unknown family.
 */
static napi_value sk_sockaddr_any_decode(napi_env env,
                                         const struct sockaddr_storage* ss,
                                         socklen_t len) {
  sk_sockaddr_any_t any;
  napi_value v;
  napi_value arr;
  uint32_t i;
  int err;

  err = sk_sockaddr_any_parse(ss, len, &any);
  if (err)
    return sk_napi_number(env, err);
  if (napi_create_array_with_length(env, 7, &arr) != napi_ok ||
      (v = sk_napi_number(env, any.family)) == NULL ||
      napi_set_element(env, arr, 0, v) != napi_ok ||
      (v = sk_napi_copy(env, any.bytes, any.len)) == NULL ||
      napi_set_element(env, arr, 1, v) != napi_ok) {
    return NULL;
  }
  for (i = 0; i < 5; i++) {
    if ((v = sk_napi_number(env, any.n[i])) == NULL ||
        napi_set_element(env, arr, i + 2, v) != napi_ok) {
      return NULL;
    }
  }
  return arr;
}

/* sockaddrDecode(sa): an encoded address (from recvmsgRaw's `from`, or an
 * encoder) taken apart as sk_sockaddr_any_decode does. The bytes are
 * copied into zeroed storage first: JavaScript's memory has no alignment
 * promise, and a short address then reads as zeros past its end.
 */
napi_value sk_sockaddr_decode_js(napi_env env, napi_callback_info info) {
  struct sockaddr_storage ss;
  napi_value argv[1];
  void* sa;
  size_t len;

  if (sk_napi_args(env, info, 1, argv) ||
      sk_napi_bytes(env, argv[0], "sa", &sa, &len)) {
    return NULL;
  }
  if (len < sizeof(sa_family_t) || len > sizeof(ss))
    return sk_napi_number(env, -EINVAL);
  memset(&ss, 0, sizeof(ss));
  memcpy(&ss, sa, len);
  return sk_sockaddr_any_decode(env, &ss, (socklen_t) len);
}

#ifdef __linux__
/* Reads one argument as an unsigned 32-bit number (a pid, a cid). */
static int sk_sockaddr_u32(napi_env env, napi_value v, const char* what,
                           uint32_t* out) {
  size_t n;

  if (sk_napi_size(env, v, what, &n))
    return -1;
  if (n > UINT32_MAX) {
    sk_napi_type_error(env, "sockit: a sockaddr field must fit in 32 bits");
    return -1;
  }
  *out = (uint32_t) n;
  return 0;
}

/* sockaddrNetlink(pad, pid, groups): a sockaddr_nl; nl_family is always
 * AF_NETLINK, whatever family the caller's object claims (as in Go).
 */
napi_value sk_sockaddr_netlink_js(napi_env env, napi_callback_info info) {
  struct sockaddr_nl nl;
  napi_value argv[3];
  uint32_t pad;
  uint32_t pid;
  uint32_t groups;

  if (sk_napi_args(env, info, 3, argv) ||
      sk_sockaddr_u32(env, argv[0], "pad", &pad) ||
      sk_sockaddr_u32(env, argv[1], "pid", &pid) ||
      sk_sockaddr_u32(env, argv[2], "groups", &groups)) {
    return NULL;
  }
  if (pad > UINT16_MAX)
    return sk_napi_type_error(env, "sockit: pad must fit in 16 bits");
  memset(&nl, 0, sizeof(nl));
  nl.nl_family = AF_NETLINK;
  nl.nl_pad = (unsigned short) pad;
  nl.nl_pid = pid;
  nl.nl_groups = groups;
  return sk_napi_copy(env, &nl, sizeof(nl));
}

/* sockaddrLinklayer(protocol, ifindex, hatype, pkttype, halen, addr): a
 * sockaddr_ll. protocol is stored as given (network byte order, as Go's
 * SockaddrLinklayer keeps it); addr holds at most 8 bytes. The caller has
 * checked the ranges; these checks only keep a misuse from wrapping.
 */
napi_value sk_sockaddr_linklayer_js(napi_env env, napi_callback_info info) {
  struct sockaddr_ll ll;
  napi_value argv[6];
  int32_t protocol;
  int32_t ifindex;
  int32_t hatype;
  int32_t pkttype;
  int32_t halen;
  void* addr;
  size_t n;

  if (sk_napi_args(env, info, 6, argv) ||
      sk_napi_int(env, argv[0], "protocol", &protocol) ||
      sk_napi_int(env, argv[1], "ifindex", &ifindex) ||
      sk_napi_int(env, argv[2], "hatype", &hatype) ||
      sk_napi_int(env, argv[3], "pkttype", &pkttype) ||
      sk_napi_int(env, argv[4], "halen", &halen) ||
      sk_napi_bytes(env, argv[5], "addr", &addr, &n)) {
    return NULL;
  }
  if (protocol < 0 || protocol > UINT16_MAX || hatype < 0 ||
      hatype > UINT16_MAX || pkttype < 0 || pkttype > UINT8_MAX ||
      halen < 0 || halen > UINT8_MAX || n > sizeof(ll.sll_addr)) {
    return sk_napi_type_error(env, "sockit: a sockaddr_ll field is out of range");
  }
  if (ifindex < 0)
    return sk_napi_number(env, -EINVAL);
  memset(&ll, 0, sizeof(ll));
  ll.sll_family = AF_PACKET;
  ll.sll_protocol = (unsigned short) protocol;
  ll.sll_ifindex = ifindex;
  ll.sll_hatype = (unsigned short) hatype;
  ll.sll_pkttype = (unsigned char) pkttype;
  ll.sll_halen = (unsigned char) halen;
  if (n > 0)
    memcpy(ll.sll_addr, addr, n);
  return sk_napi_copy(env, &ll, sizeof(ll));
}

/* sockaddrVM(cid, port, flags): a sockaddr_vm (vsock(7)). */
napi_value sk_sockaddr_vm_js(napi_env env, napi_callback_info info) {
  struct sockaddr_vm vm;
  napi_value argv[3];
  uint32_t cid;
  uint32_t port;
  uint32_t flags;

  if (sk_napi_args(env, info, 3, argv) ||
      sk_sockaddr_u32(env, argv[0], "cid", &cid) ||
      sk_sockaddr_u32(env, argv[1], "port", &port) ||
      sk_sockaddr_u32(env, argv[2], "flags", &flags)) {
    return NULL;
  }
  if (flags > UINT8_MAX)
    return sk_napi_type_error(env, "sockit: flags must fit in 8 bits");
  memset(&vm, 0, sizeof(vm));
  vm.svm_family = AF_VSOCK;
  vm.svm_cid = cid;
  vm.svm_port = port;
  vm.svm_flags = (unsigned char) flags;
  return sk_napi_copy(env, &vm, sizeof(vm));
}
#else
/* Where the family does not exist, the encoders answer EAFNOSUPPORT, the
 * errno socket(2) gives for it, after the same argument checks' count.
 */
static napi_value sk_sockaddr_unsupported(napi_env env) {
  return sk_napi_number(env, -EAFNOSUPPORT);
}

napi_value sk_sockaddr_netlink_js(napi_env env, napi_callback_info info) {
  (void) info;
  return sk_sockaddr_unsupported(env);
}

napi_value sk_sockaddr_linklayer_js(napi_env env, napi_callback_info info) {
  (void) info;
  return sk_sockaddr_unsupported(env);
}

napi_value sk_sockaddr_vm_js(napi_env env, napi_callback_info info) {
  (void) info;
  return sk_sockaddr_unsupported(env);
}
#endif

/* getsockname and getpeername for the syscall layer: any of the six
 * families, decoded as sockaddrDecode does.
 */
napi_value sk_sockaddr_getsockname_any_js(napi_env env,
                                          napi_callback_info info) {
  return sk_sockaddr_query(env, info, 0, sk_sockaddr_any_decode);
}

napi_value sk_sockaddr_getpeername_any_js(napi_env env,
                                          napi_callback_info info) {
  return sk_sockaddr_query(env, info, 1, sk_sockaddr_any_decode);
}
