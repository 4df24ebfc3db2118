/*
 * The `constants` object: address families, socket types, levels, options,
 * shutdown modes and message flags, read from this platform's headers.
 *
 * Every name sits under #ifdef (or #if defined) because the set differs
 * between Linux and macOS, and JavaScript must read the numbers from here
 * rather than hard-code them (they differ too: SOL_SOCKET is 1 on Linux and
 * 0xffff on macOS). A name the platform lacks is simply absent.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "binding.h"

#define SK_SET(name, value)                                                   \
  do {                                                                        \
    if (sk_napi_set_int(env, obj, (name), (value)))                           \
      return -1;                                                              \
  } while (0)

#define SK_CONST(name) SK_SET(#name, (name))

/* Address families and socket types (socket(2)). */
static int sk_constants_add_family(napi_env env, napi_value obj) {
#ifdef AF_UNSPEC
  SK_CONST(AF_UNSPEC);
#endif
#ifdef AF_INET
  SK_CONST(AF_INET);
#endif
#ifdef AF_INET6
  SK_CONST(AF_INET6);
#endif
#ifdef AF_UNIX
  SK_CONST(AF_UNIX);
#endif
#ifdef SOCK_STREAM
  SK_CONST(SOCK_STREAM);
#endif
#ifdef SOCK_DGRAM
  SK_CONST(SOCK_DGRAM);
#endif
#ifdef SOCK_SEQPACKET
  SK_CONST(SOCK_SEQPACKET);
#endif
#ifdef SOCK_RAW
  SK_CONST(SOCK_RAW);
#endif
  return 0;
}

/* Socket-level options (socket(7)). */
static int sk_constants_add_socket(napi_env env, napi_value obj) {
#ifdef SOL_SOCKET
  SK_CONST(SOL_SOCKET);
#endif
#ifdef SO_ACCEPTCONN
  SK_CONST(SO_ACCEPTCONN);
#endif
#ifdef SO_BROADCAST
  SK_CONST(SO_BROADCAST);
#endif
#ifdef SO_DOMAIN
  SK_CONST(SO_DOMAIN);
#endif
#ifdef SO_ERROR
  SK_CONST(SO_ERROR);
#endif
#ifdef SO_KEEPALIVE
  SK_CONST(SO_KEEPALIVE);
#endif
#ifdef SO_LINGER
  SK_CONST(SO_LINGER);
#endif
#ifdef SO_PROTOCOL
  SK_CONST(SO_PROTOCOL);
#endif
#ifdef SO_RCVBUF
  SK_CONST(SO_RCVBUF);
#endif
#ifdef SO_REUSEADDR
  SK_CONST(SO_REUSEADDR);
#endif
#ifdef SO_REUSEPORT
  SK_CONST(SO_REUSEPORT);
#endif
#ifdef SO_SNDBUF
  SK_CONST(SO_SNDBUF);
#endif
#ifdef SO_TYPE
  SK_CONST(SO_TYPE);
#endif
  return 0;
}

/* Protocol numbers and IPv4 options (ip(7)). */
static int sk_constants_add_ip(napi_env env, napi_value obj) {
#ifdef IPPROTO_IP
  SK_CONST(IPPROTO_IP);
#endif
#ifdef IPPROTO_IPV6
  SK_CONST(IPPROTO_IPV6);
#endif
#ifdef IPPROTO_TCP
  SK_CONST(IPPROTO_TCP);
#endif
#ifdef IPPROTO_UDP
  SK_CONST(IPPROTO_UDP);
#endif
#ifdef IPPROTO_ICMP
  SK_CONST(IPPROTO_ICMP);
#endif
#ifdef IPPROTO_ICMPV6
  SK_CONST(IPPROTO_ICMPV6);
#endif
#ifdef IPPROTO_RAW
  SK_CONST(IPPROTO_RAW);
#endif
#ifdef IP_TOS
  SK_CONST(IP_TOS);
#endif
#ifdef IP_TTL
  SK_CONST(IP_TTL);
#endif
#ifdef IP_MULTICAST_IF
  SK_CONST(IP_MULTICAST_IF);
#endif
#ifdef IP_MULTICAST_TTL
  SK_CONST(IP_MULTICAST_TTL);
#endif
#ifdef IP_MULTICAST_LOOP
  SK_CONST(IP_MULTICAST_LOOP);
#endif
#ifdef IP_ADD_MEMBERSHIP
  SK_CONST(IP_ADD_MEMBERSHIP);
#endif
#ifdef IP_DROP_MEMBERSHIP
  SK_CONST(IP_DROP_MEMBERSHIP);
#endif
  return 0;
}

/* IPv6 options (ipv6(7)). */
static int sk_constants_add_ipv6(napi_env env, napi_value obj) {
#ifdef IPV6_V6ONLY
  SK_CONST(IPV6_V6ONLY);
#endif
#ifdef IPV6_TCLASS
  SK_CONST(IPV6_TCLASS);
#endif
#ifdef IPV6_UNICAST_HOPS
  SK_CONST(IPV6_UNICAST_HOPS);
#endif
#ifdef IPV6_MULTICAST_IF
  SK_CONST(IPV6_MULTICAST_IF);
#endif
#ifdef IPV6_MULTICAST_HOPS
  SK_CONST(IPV6_MULTICAST_HOPS);
#endif
#ifdef IPV6_MULTICAST_LOOP
  SK_CONST(IPV6_MULTICAST_LOOP);
#endif
#ifdef IPV6_JOIN_GROUP
  SK_CONST(IPV6_JOIN_GROUP);
#endif
#ifdef IPV6_LEAVE_GROUP
  SK_CONST(IPV6_LEAVE_GROUP);
#endif
  return 0;
}

/* TCP options (tcp(7)). */
static int sk_constants_add_tcp(napi_env env, napi_value obj) {
#ifdef TCP_NODELAY
  SK_CONST(TCP_NODELAY);
#endif
  /* macOS names the idle time before the first keep-alive probe
   * TCP_KEEPALIVE (tcp(4)); Go's setKeepAlivePeriod uses it the same way.
   */
#if defined(TCP_KEEPIDLE)
  SK_CONST(TCP_KEEPIDLE);
#elif defined(TCP_KEEPALIVE)
  SK_SET("TCP_KEEPIDLE", TCP_KEEPALIVE);
#endif
#ifdef TCP_KEEPINTVL
  SK_CONST(TCP_KEEPINTVL);
#endif
#ifdef TCP_KEEPCNT
  SK_CONST(TCP_KEEPCNT);
#endif
  return 0;
}

/* Shutdown modes, message flags and limits. */
static int sk_constants_add_misc(napi_env env, napi_value obj) {
#ifdef SHUT_RD
  SK_CONST(SHUT_RD);
#endif
#ifdef SHUT_WR
  SK_CONST(SHUT_WR);
#endif
#ifdef SHUT_RDWR
  SK_CONST(SHUT_RDWR);
#endif
#ifdef SOMAXCONN
  SK_CONST(SOMAXCONN);
#endif
#ifdef MSG_OOB
  SK_CONST(MSG_OOB);
#endif
#ifdef MSG_PEEK
  SK_CONST(MSG_PEEK);
#endif
#ifdef MSG_TRUNC
  SK_CONST(MSG_TRUNC);
#endif
#ifdef MSG_CTRUNC
  SK_CONST(MSG_CTRUNC);
#endif
#ifdef MSG_WAITALL
  SK_CONST(MSG_WAITALL);
#endif
#ifdef MSG_DONTWAIT
  SK_CONST(MSG_DONTWAIT);
#endif
  /* MSG_NOSIGNAL is 0 where the platform lacks it (older macOS), so that
   * JavaScript can always OR it into a flags word.
   */
#ifdef MSG_NOSIGNAL
  SK_CONST(MSG_NOSIGNAL);
#else
  SK_SET("MSG_NOSIGNAL", 0);
#endif
  SK_SET("IOV_MAX", SK_IOV_MAX);
  return 0;
}

napi_value sk_constants_object(napi_env env) {
  napi_value obj;

  if (napi_create_object(env, &obj) != napi_ok ||
      sk_constants_add_family(env, obj) ||
      sk_constants_add_socket(env, obj) ||
      sk_constants_add_ip(env, obj) ||
      sk_constants_add_ipv6(env, obj) ||
      sk_constants_add_tcp(env, obj) ||
      sk_constants_add_misc(env, obj)) {
    return NULL;
  }
  return obj;
}
