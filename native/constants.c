/*
 * The `constants` object: address families, socket types, levels, options,
 * shutdown modes, message flags, open(2) flags and file types, read from
 * this platform's headers, and the layout facts (SK_*) of the structs
 * JavaScript reads or builds.
 *
 * Every name sits under #ifdef (or #if defined) because the set differs
 * between Linux and macOS, and JavaScript must read the numbers from here
 * rather than hard-code them (they differ too: SOL_SOCKET is 1 on Linux and
 * 0xffff on macOS). A name the platform lacks is simply absent.
 */
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "binding.h"

/* Address families and socket types (socket(2)). */
static const sk_name_t sk_constants_family[] = {
#ifdef AF_UNSPEC
  SK_NAME(AF_UNSPEC),
#endif
#ifdef AF_INET
  SK_NAME(AF_INET),
#endif
#ifdef AF_INET6
  SK_NAME(AF_INET6),
#endif
#ifdef AF_UNIX
  SK_NAME(AF_UNIX),
#endif
#ifdef SOCK_STREAM
  SK_NAME(SOCK_STREAM),
#endif
#ifdef SOCK_DGRAM
  SK_NAME(SOCK_DGRAM),
#endif
#ifdef SOCK_SEQPACKET
  SK_NAME(SOCK_SEQPACKET),
#endif
#ifdef SOCK_RAW
  SK_NAME(SOCK_RAW),
#endif
  { NULL, 0 }
};

/* Socket-level options (socket(7)). */
static const sk_name_t sk_constants_socket[] = {
#ifdef SOL_SOCKET
  SK_NAME(SOL_SOCKET),
#endif
#ifdef SO_ACCEPTCONN
  SK_NAME(SO_ACCEPTCONN),
#endif
#ifdef SO_BROADCAST
  SK_NAME(SO_BROADCAST),
#endif
#ifdef SO_DOMAIN
  SK_NAME(SO_DOMAIN),
#endif
#ifdef SO_ERROR
  SK_NAME(SO_ERROR),
#endif
#ifdef SO_KEEPALIVE
  SK_NAME(SO_KEEPALIVE),
#endif
#ifdef SO_LINGER
  SK_NAME(SO_LINGER),
#endif
#ifdef SO_PROTOCOL
  SK_NAME(SO_PROTOCOL),
#endif
#ifdef SO_RCVBUF
  SK_NAME(SO_RCVBUF),
#endif
#ifdef SO_REUSEADDR
  SK_NAME(SO_REUSEADDR),
#endif
#ifdef SO_REUSEPORT
  SK_NAME(SO_REUSEPORT),
#endif
#ifdef SO_SNDBUF
  SK_NAME(SO_SNDBUF),
#endif
#ifdef SO_TYPE
  SK_NAME(SO_TYPE),
#endif
  { NULL, 0 }
};

/* Protocol numbers and IPv4 options (ip(7)). */
static const sk_name_t sk_constants_ip[] = {
#ifdef IPPROTO_IP
  SK_NAME(IPPROTO_IP),
#endif
#ifdef IPPROTO_IPV6
  SK_NAME(IPPROTO_IPV6),
#endif
#ifdef IPPROTO_TCP
  SK_NAME(IPPROTO_TCP),
#endif
#ifdef IPPROTO_UDP
  SK_NAME(IPPROTO_UDP),
#endif
#ifdef IPPROTO_ICMP
  SK_NAME(IPPROTO_ICMP),
#endif
#ifdef IPPROTO_ICMPV6
  SK_NAME(IPPROTO_ICMPV6),
#endif
#ifdef IPPROTO_RAW
  SK_NAME(IPPROTO_RAW),
#endif
#ifdef IP_TOS
  SK_NAME(IP_TOS),
#endif
#ifdef IP_TTL
  SK_NAME(IP_TTL),
#endif
#ifdef IP_MULTICAST_IF
  SK_NAME(IP_MULTICAST_IF),
#endif
#ifdef IP_MULTICAST_TTL
  SK_NAME(IP_MULTICAST_TTL),
#endif
#ifdef IP_MULTICAST_LOOP
  SK_NAME(IP_MULTICAST_LOOP),
#endif
#ifdef IP_ADD_MEMBERSHIP
  SK_NAME(IP_ADD_MEMBERSHIP),
#endif
#ifdef IP_DROP_MEMBERSHIP
  SK_NAME(IP_DROP_MEMBERSHIP),
#endif
  { NULL, 0 }
};

/* IPv6 options (ipv6(7)). */
static const sk_name_t sk_constants_ipv6[] = {
#ifdef IPV6_V6ONLY
  SK_NAME(IPV6_V6ONLY),
#endif
#ifdef IPV6_TCLASS
  SK_NAME(IPV6_TCLASS),
#endif
#ifdef IPV6_UNICAST_HOPS
  SK_NAME(IPV6_UNICAST_HOPS),
#endif
#ifdef IPV6_MULTICAST_IF
  SK_NAME(IPV6_MULTICAST_IF),
#endif
#ifdef IPV6_MULTICAST_HOPS
  SK_NAME(IPV6_MULTICAST_HOPS),
#endif
#ifdef IPV6_MULTICAST_LOOP
  SK_NAME(IPV6_MULTICAST_LOOP),
#endif
#ifdef IPV6_JOIN_GROUP
  SK_NAME(IPV6_JOIN_GROUP),
#endif
#ifdef IPV6_LEAVE_GROUP
  SK_NAME(IPV6_LEAVE_GROUP),
#endif
  { NULL, 0 }
};

/* TCP options (tcp(7)). */
static const sk_name_t sk_constants_tcp[] = {
#ifdef TCP_NODELAY
  SK_NAME(TCP_NODELAY),
#endif
#ifdef TCP_KEEPINTVL
  SK_NAME(TCP_KEEPINTVL),
#endif
#ifdef TCP_KEEPCNT
  SK_NAME(TCP_KEEPCNT),
#endif
  /* macOS names the idle time before the first keep-alive probe
   * TCP_KEEPALIVE (tcp(4)); Go's setKeepAlivePeriod uses it the same way.
   */
#if defined(TCP_KEEPIDLE)
  SK_NAME(TCP_KEEPIDLE),
#elif defined(TCP_KEEPALIVE)
  { "TCP_KEEPIDLE", TCP_KEEPALIVE },
#endif
  { NULL, 0 }
};

/* Shutdown modes, control message types, message flags and limits. */
static const sk_name_t sk_constants_misc[] = {
#ifdef SHUT_RD
  SK_NAME(SHUT_RD),
#endif
#ifdef SHUT_WR
  SK_NAME(SHUT_WR),
#endif
#ifdef SHUT_RDWR
  SK_NAME(SHUT_RDWR),
#endif
#ifdef SOMAXCONN
  SK_NAME(SOMAXCONN),
#endif
  /* Control message types (cmsg(3)), to read parseControlMessages. */
#ifdef SCM_CREDENTIALS
  SK_NAME(SCM_CREDENTIALS),
#endif
#ifdef SO_PASSCRED
  SK_NAME(SO_PASSCRED),
#endif
#ifdef SCM_RIGHTS
  SK_NAME(SCM_RIGHTS),
#endif
#ifdef MSG_OOB
  SK_NAME(MSG_OOB),
#endif
#ifdef MSG_PEEK
  SK_NAME(MSG_PEEK),
#endif
#ifdef MSG_TRUNC
  SK_NAME(MSG_TRUNC),
#endif
#ifdef MSG_CTRUNC
  SK_NAME(MSG_CTRUNC),
#endif
#ifdef MSG_WAITALL
  SK_NAME(MSG_WAITALL),
#endif
#ifdef MSG_DONTWAIT
  SK_NAME(MSG_DONTWAIT),
#endif
  /* MSG_NOSIGNAL is 0 where the platform lacks it (older macOS), so that
   * JavaScript can always OR it into a flags word.
   */
#ifdef MSG_NOSIGNAL
  SK_NAME(MSG_NOSIGNAL),
#else
  { "MSG_NOSIGNAL", 0 },
#endif
  { "IOV_MAX", SK_IOV_MAX },
  { NULL, 0 }
};

/* open(2) flags and file types (open(2), inode(7)), for the ipc layer's
 * pipes and FIFOs. O_CLOEXEC is listed for completeness: open always adds
 * it (file.c).
 */
static const sk_name_t sk_constants_file[] = {
#ifdef O_RDONLY
  SK_NAME(O_RDONLY),
#endif
#ifdef O_WRONLY
  SK_NAME(O_WRONLY),
#endif
#ifdef O_RDWR
  SK_NAME(O_RDWR),
#endif
#ifdef O_ACCMODE
  SK_NAME(O_ACCMODE),
#endif
#ifdef O_CREAT
  SK_NAME(O_CREAT),
#endif
#ifdef O_EXCL
  SK_NAME(O_EXCL),
#endif
#ifdef O_TRUNC
  SK_NAME(O_TRUNC),
#endif
#ifdef O_APPEND
  SK_NAME(O_APPEND),
#endif
#ifdef O_SYNC
  SK_NAME(O_SYNC),
#endif
#ifdef O_NONBLOCK
  SK_NAME(O_NONBLOCK),
#endif
#ifdef O_CLOEXEC
  SK_NAME(O_CLOEXEC),
#endif
#ifdef O_NOCTTY
  SK_NAME(O_NOCTTY),
#endif
#ifdef S_IFMT
  SK_NAME(S_IFMT),
#endif
#ifdef S_IFIFO
  SK_NAME(S_IFIFO),
#endif
#ifdef S_IFCHR
  SK_NAME(S_IFCHR),
#endif
#ifdef S_IFSOCK
  SK_NAME(S_IFSOCK),
#endif
#ifdef S_IFREG
  SK_NAME(S_IFREG),
#endif
#ifdef S_IFDIR
  SK_NAME(S_IFDIR),
#endif
#ifdef S_IFBLK
  SK_NAME(S_IFBLK),
#endif
#ifdef S_IFLNK
  SK_NAME(S_IFLNK),
#endif
  /* Writes of at most PIPE_BUF bytes to a pipe are atomic (pipe(7)). */
#ifdef PIPE_BUF
  SK_NAME(PIPE_BUF),
#endif
  { NULL, 0 }
};

/* Layout facts, so that JavaScript hard-codes no size, offset or byte
 * order of a C struct. The names start with SK_ because they are sockit's,
 * not the platform's.
 */
static const sk_name_t sk_constants_layout[] = {
  { "SK_SOCKADDR_UN_SIZE", (int64_t) sizeof(struct sockaddr_un) },
  { "SK_SOCKADDR_STORAGE_SIZE", (int64_t) sizeof(struct sockaddr_storage) },
  SK_NAME(SK_RECVMSG_FROM_SIZE),
  SK_NAME(SK_RECVMSG_INFO_FAMILY),
  SK_NAME(SK_RECVMSG_INFO_ADDRLEN),
  SK_NAME(SK_RECVMSG_INFO_PORT),
  SK_NAME(SK_RECVMSG_INFO_SCOPE),
  SK_NAME(SK_RECVMSG_INFO_FLAGS),
  SK_NAME(SK_RECVMSG_INFO_OOBN),
  SK_NAME(SK_RECVMSG_INFO_N),
  SK_NAME(SK_RECVMSG_INFO_COUNT),
  SK_NAME(SK_MMSG_MAX),
  SK_NAME(SK_POLL_RING_BATCH),
  SK_NAME(SK_POLL_RING_SETTLE),
  SK_NAME(SK_POLL_RING_HEADER),
  /* spawn's attr slots, flags and failure stages, and wait's out slots. */
  SK_NAME(SK_SPAWN_FLAGS),
  SK_NAME(SK_SPAWN_PGID),
  SK_NAME(SK_SPAWN_PDEATHSIG),
  SK_NAME(SK_SPAWN_CTTY),
  SK_NAME(SK_SPAWN_UID),
  SK_NAME(SK_SPAWN_GID),
  SK_NAME(SK_SPAWN_LISTEN_PID),
  SK_NAME(SK_SPAWN_ATTR_COUNT),
  SK_NAME(SK_SPAWN_SETSID),
  SK_NAME(SK_SPAWN_SETPGID),
  SK_NAME(SK_SPAWN_NOCTTY),
  SK_NAME(SK_SPAWN_SETCTTY),
  SK_NAME(SK_SPAWN_CREDENTIAL),
  SK_NAME(SK_SPAWN_SETGROUPS),
  SK_NAME(SK_SPAWN_BLOCKING),
  SK_NAME(SK_SPAWN_STAGE_SETSID),
  SK_NAME(SK_SPAWN_STAGE_SETPGID),
  SK_NAME(SK_SPAWN_STAGE_SETGROUPS),
  SK_NAME(SK_SPAWN_STAGE_SETGID),
  SK_NAME(SK_SPAWN_STAGE_SETUID),
  SK_NAME(SK_SPAWN_STAGE_CHDIR),
  SK_NAME(SK_SPAWN_STAGE_PDEATHSIG),
  SK_NAME(SK_SPAWN_STAGE_DUP),
  SK_NAME(SK_SPAWN_STAGE_NOCTTY),
  SK_NAME(SK_SPAWN_STAGE_SETCTTY),
  SK_NAME(SK_SPAWN_STAGE_EXEC),
  SK_NAME(SK_WAIT_STATUS),
  SK_NAME(SK_WAIT_EXITED),
  SK_NAME(SK_WAIT_CODE),
  SK_NAME(SK_WAIT_SIGNALED),
  SK_NAME(SK_WAIT_SIGNAL),
  SK_NAME(SK_WAIT_CORE),
  SK_NAME(SK_WAIT_STOPPED),
  SK_NAME(SK_WAIT_STOP_SIGNAL),
  SK_NAME(SK_WAIT_CONTINUED),
  SK_NAME(SK_WAIT_UTIME_US),
  SK_NAME(SK_WAIT_STIME_US),
  SK_NAME(SK_WAIT_MAXRSS),
  SK_NAME(SK_WAIT_COUNT),
  /* File lock kinds and types (lock.c), and lockHolder's out slots. */
  SK_NAME(SK_LOCK_FLOCK),
  SK_NAME(SK_LOCK_OFD),
  SK_NAME(SK_LOCK_POSIX),
  SK_NAME(F_RDLCK),
  SK_NAME(F_WRLCK),
  SK_NAME(F_UNLCK),
  SK_NAME(SK_LOCK_HOLDER_TYPE),
  SK_NAME(SK_LOCK_HOLDER_START),
  SK_NAME(SK_LOCK_HOLDER_LEN),
  SK_NAME(SK_LOCK_HOLDER_PID),
  SK_NAME(SK_LOCK_HOLDER_COUNT),
  /* mqGetattr's out slots (mq.c). */
  SK_NAME(SK_MQ_ATTR_FLAGS),
  SK_NAME(SK_MQ_ATTR_MAXMSG),
  SK_NAME(SK_MQ_ATTR_MSGSIZE),
  SK_NAME(SK_MQ_ATTR_CURMSGS),
  SK_NAME(SK_MQ_ATTR_COUNT),
  /* An SCM_RIGHTS payload is an array of int in host byte order. */
  { "SK_SIZEOF_INT", (int64_t) sizeof(int) },
  /* GCC and clang both predefine the byte-order macros. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
  { "SK_LITTLE_ENDIAN", __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ },
#endif
  /* struct ip_mreqn (ip(7)) is Linux's: it picks the multicast interface
   * by index, as Go's Interface does. Other systems have only ip_mreq.
   */
#ifdef __linux__
  { "SK_IP_MREQN_SIZE", (int64_t) sizeof(struct ip_mreqn) },
  { "SK_IP_MREQN_MULTIADDR",
    (int64_t) offsetof(struct ip_mreqn, imr_multiaddr) },
  { "SK_IP_MREQN_ADDRESS", (int64_t) offsetof(struct ip_mreqn, imr_address) },
  { "SK_IP_MREQN_IFINDEX", (int64_t) offsetof(struct ip_mreqn, imr_ifindex) },
#endif
  { NULL, 0 }
};

napi_value sk_constants_object(napi_env env) {
  static const sk_name_t* const tables[] = {
    sk_constants_family, sk_constants_socket, sk_constants_ip,
    sk_constants_ipv6, sk_constants_tcp, sk_constants_misc,
    sk_constants_file, sk_constants_layout
  };
  napi_value obj;
  size_t i;

  if (napi_create_object(env, &obj) != napi_ok)
    return NULL;
  for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
    if (sk_napi_set_names(env, obj, tables[i]))
      return NULL;
  if (sk_constants_add_linux(env, obj))
    return NULL;
  return obj;
}
