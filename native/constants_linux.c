/*
 * The Linux-only constants of the syscall layer (src/syscall/): netlink(7)
 * and rtnetlink(7) message types, flags and attributes, packet(7) and
 * vsock(7) names, interface flags and hardware types, and the layout facts
 * (SK_*) of the netlink structs JavaScript reads (nlmsghdr, ifinfomsg,
 * ifaddrmsg, rtmsg, rtattr). constants.c adds them to the same object.
 *
 * Many rtnetlink names (IFLA_*, IFA_*) are enum members rather than
 * macros, so they cannot sit under #ifdef; every name here is in the
 * kernel's UAPI headers of any Linux this builds on.
 */
#include <stddef.h>
#include <sys/socket.h>

#include "binding.h"

#ifdef __linux__
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/vm_sockets.h>

/* Families, levels and flags of sockets (socket(2), netlink(7),
 * packet(7), vsock(7)).
 */
static const sk_name_t sk_constants_linux_socket[] = {
  SK_NAME(AF_NETLINK),
  SK_NAME(AF_PACKET),
  SK_NAME(AF_VSOCK),
  SK_NAME(SOCK_NONBLOCK),
  SK_NAME(SOCK_CLOEXEC),
  SK_NAME(SOL_IP),
  SK_NAME(SOL_IPV6),
  SK_NAME(SOL_TCP),
  SK_NAME(SOL_UDP),
  SK_NAME(SOL_PACKET),
  SK_NAME(SOL_NETLINK),
  SK_NAME(SO_BINDTODEVICE),
  SK_NAME(SO_PRIORITY),
  SK_NAME(SO_RCVLOWAT),
  SK_NAME(SO_PEERCRED),
  SK_NAME(MSG_EOR),
  SK_NAME(MSG_DONTROUTE),
  SK_NAME(MSG_ERRQUEUE),
  SK_NAME(MSG_CMSG_CLOEXEC),
  SK_NAME(ETH_P_ALL),
  SK_NAME(ETH_P_IP),
  SK_NAME(ETH_P_IPV6),
  SK_NAME(ETH_P_ARP),
  SK_NAME(PACKET_HOST),
  SK_NAME(PACKET_BROADCAST),
  SK_NAME(PACKET_MULTICAST),
  SK_NAME(PACKET_OTHERHOST),
  SK_NAME(PACKET_OUTGOING),
  SK_NAME(PACKET_ADD_MEMBERSHIP),
  SK_NAME(PACKET_DROP_MEMBERSHIP),
  SK_NAME(PACKET_MR_PROMISC),
  SK_NAME(VMADDR_CID_ANY),
  SK_NAME(VMADDR_CID_HYPERVISOR),
  SK_NAME(VMADDR_CID_LOCAL),
  SK_NAME(VMADDR_CID_HOST),
  SK_NAME(VMADDR_PORT_ANY),
  SK_NAME(VMADDR_FLAG_TO_HOST),
  { NULL, 0 }
};

/* Netlink and rtnetlink messages (netlink(7), rtnetlink(7)). */
static const sk_name_t sk_constants_linux_netlink[] = {
  SK_NAME(NETLINK_ROUTE),
  SK_NAME(NETLINK_GENERIC),
  SK_NAME(NLM_F_REQUEST),
  SK_NAME(NLM_F_MULTI),
  SK_NAME(NLM_F_ACK),
  SK_NAME(NLM_F_ROOT),
  SK_NAME(NLM_F_MATCH),
  SK_NAME(NLM_F_DUMP),
  SK_NAME(NLMSG_NOOP),
  SK_NAME(NLMSG_ERROR),
  SK_NAME(NLMSG_DONE),
  SK_NAME(NLMSG_ALIGNTO),
  SK_NAME(NLMSG_HDRLEN),
  SK_NAME(RTA_ALIGNTO),
  SK_NAME(RTM_NEWLINK),
  SK_NAME(RTM_DELLINK),
  SK_NAME(RTM_GETLINK),
  SK_NAME(RTM_NEWADDR),
  SK_NAME(RTM_DELADDR),
  SK_NAME(RTM_GETADDR),
  SK_NAME(RTM_NEWROUTE),
  SK_NAME(RTM_DELROUTE),
  SK_NAME(RTM_GETROUTE),
  SK_NAME(RTMGRP_LINK),
  SK_NAME(RTMGRP_IPV4_IFADDR),
  SK_NAME(RTMGRP_IPV6_IFADDR),
  SK_NAME(IFLA_UNSPEC),
  SK_NAME(IFLA_ADDRESS),
  SK_NAME(IFLA_BROADCAST),
  SK_NAME(IFLA_IFNAME),
  SK_NAME(IFLA_MTU),
  SK_NAME(IFLA_LINK),
  SK_NAME(IFA_UNSPEC),
  SK_NAME(IFA_ADDRESS),
  SK_NAME(IFA_LOCAL),
  SK_NAME(IFA_LABEL),
  SK_NAME(IFA_BROADCAST),
  SK_NAME(IFF_UP),
  SK_NAME(IFF_BROADCAST),
  SK_NAME(IFF_LOOPBACK),
  SK_NAME(IFF_POINTOPOINT),
  SK_NAME(IFF_RUNNING),
  SK_NAME(IFF_NOARP),
  SK_NAME(IFF_PROMISC),
  SK_NAME(IFF_MULTICAST),
  SK_NAME(ARPHRD_ETHER),
  SK_NAME(ARPHRD_LOOPBACK),
  SK_NAME(ARPHRD_TUNNEL),
  SK_NAME(ARPHRD_TUNNEL6),
  SK_NAME(ARPHRD_SIT),
  SK_NAME(ARPHRD_IPGRE),
  /* glibc's net/if_arp.h stops short of it; 823 is linux/if_arp.h's
   * value, which including that header beside glibc's would redefine.
   */
#ifdef ARPHRD_IP6GRE
  SK_NAME(ARPHRD_IP6GRE),
#else
  { "ARPHRD_IP6GRE", 823 },
#endif
  { NULL, 0 }
};

/* The sizes and field offsets of the netlink structs, so that JavaScript
 * hard-codes none. The field widths are the UAPI's fixed types (__u32,
 * __u16, unsigned char) and the byte order is the host's (netlink(7)).
 */
static const sk_name_t sk_constants_linux_layout[] = {
  { "SK_SIZEOF_NLMSGHDR", (int64_t) sizeof(struct nlmsghdr) },
  { "SK_NLMSGHDR_LEN", (int64_t) offsetof(struct nlmsghdr, nlmsg_len) },
  { "SK_NLMSGHDR_TYPE", (int64_t) offsetof(struct nlmsghdr, nlmsg_type) },
  { "SK_NLMSGHDR_FLAGS", (int64_t) offsetof(struct nlmsghdr, nlmsg_flags) },
  { "SK_NLMSGHDR_SEQ", (int64_t) offsetof(struct nlmsghdr, nlmsg_seq) },
  { "SK_NLMSGHDR_PID", (int64_t) offsetof(struct nlmsghdr, nlmsg_pid) },
  { "SK_SIZEOF_RTGENMSG", (int64_t) sizeof(struct rtgenmsg) },
  { "SK_SIZEOF_IFINFOMSG", (int64_t) sizeof(struct ifinfomsg) },
  { "SK_IFINFOMSG_FAMILY",
    (int64_t) offsetof(struct ifinfomsg, ifi_family) },
  { "SK_IFINFOMSG_TYPE", (int64_t) offsetof(struct ifinfomsg, ifi_type) },
  { "SK_IFINFOMSG_INDEX", (int64_t) offsetof(struct ifinfomsg, ifi_index) },
  { "SK_IFINFOMSG_FLAGS", (int64_t) offsetof(struct ifinfomsg, ifi_flags) },
  { "SK_IFINFOMSG_CHANGE",
    (int64_t) offsetof(struct ifinfomsg, ifi_change) },
  { "SK_SIZEOF_IFADDRMSG", (int64_t) sizeof(struct ifaddrmsg) },
  { "SK_IFADDRMSG_FAMILY",
    (int64_t) offsetof(struct ifaddrmsg, ifa_family) },
  { "SK_IFADDRMSG_PREFIXLEN",
    (int64_t) offsetof(struct ifaddrmsg, ifa_prefixlen) },
  { "SK_IFADDRMSG_FLAGS", (int64_t) offsetof(struct ifaddrmsg, ifa_flags) },
  { "SK_IFADDRMSG_SCOPE", (int64_t) offsetof(struct ifaddrmsg, ifa_scope) },
  { "SK_IFADDRMSG_INDEX", (int64_t) offsetof(struct ifaddrmsg, ifa_index) },
  { "SK_SIZEOF_RTMSG", (int64_t) sizeof(struct rtmsg) },
  { "SK_SIZEOF_RTATTR", (int64_t) sizeof(struct rtattr) },
  { "SK_RTATTR_LEN", (int64_t) offsetof(struct rtattr, rta_len) },
  { "SK_RTATTR_TYPE", (int64_t) offsetof(struct rtattr, rta_type) },
  { NULL, 0 }
};

int sk_constants_add_linux(napi_env env, napi_value obj) {
  if (sk_napi_set_names(env, obj, sk_constants_linux_socket) ||
      sk_napi_set_names(env, obj, sk_constants_linux_netlink) ||
      sk_napi_set_names(env, obj, sk_constants_linux_layout)) {
    return -1;
  }
  return 0;
}
#else
/* Elsewhere these names are absent, as constants.c's rule says. */
int sk_constants_add_linux(napi_env env, napi_value obj) {
  (void) env;
  (void) obj;
  return 0;
}
#endif
