/**
 * The syscall layer's constants, Go's `syscall` names (AF_INET, SOCK_RAW, NETLINK_ROUTE, ...),
 * read from the native core at start-up: the numbers differ between platforms, so none is
 * written here. A name the platform lacks (the netlink, packet and vsock names off Linux) is
 * -1, which every call refuses.
 */
import { C } from "../sys/constants.js";

/** k reads one constant, -1 where the platform lacks it. */
function k(name: string): number {
  return C[name] ?? -1;
}

// Address families (socket(2), address_families(7)).
/** AF_UNSPEC: unspecified (any family, in a netlink dump request). */
export const AF_UNSPEC: number = k("AF_UNSPEC");
/** AF_INET: IPv4 (ip(7)). */
export const AF_INET: number = k("AF_INET");
/** AF_INET6: IPv6 (ipv6(7)). */
export const AF_INET6: number = k("AF_INET6");
/** AF_UNIX: local sockets (unix(7)). */
export const AF_UNIX: number = k("AF_UNIX");
/** AF_NETLINK: kernel messaging (netlink(7); Linux). */
export const AF_NETLINK: number = k("AF_NETLINK");
/** AF_PACKET: link-level packets (packet(7); Linux). */
export const AF_PACKET: number = k("AF_PACKET");
/** AF_VSOCK: virtual machine sockets (vsock(7); Linux). */
export const AF_VSOCK: number = k("AF_VSOCK");

// Socket types (socket(2)).
/** SOCK_STREAM: a byte stream. */
export const SOCK_STREAM: number = k("SOCK_STREAM");
/** SOCK_DGRAM: datagrams. */
export const SOCK_DGRAM: number = k("SOCK_DGRAM");
/** SOCK_SEQPACKET: records in order, connected. */
export const SOCK_SEQPACKET: number = k("SOCK_SEQPACKET");
/** SOCK_RAW: raw protocol access. */
export const SOCK_RAW: number = k("SOCK_RAW");
/** SOCK_NONBLOCK: non-blocking (always added by sockit; Linux). */
export const SOCK_NONBLOCK: number = k("SOCK_NONBLOCK");
/** SOCK_CLOEXEC: close-on-exec (always added by sockit; Linux). */
export const SOCK_CLOEXEC: number = k("SOCK_CLOEXEC");

// Levels and protocols (getsockopt(2), ip(7), ipv6(7)).
/** SOL_SOCKET: the socket level. */
export const SOL_SOCKET: number = k("SOL_SOCKET");
/** SOL_IP: the IPv4 level (Linux). */
export const SOL_IP: number = k("SOL_IP");
/** SOL_IPV6: the IPv6 level (Linux). */
export const SOL_IPV6: number = k("SOL_IPV6");
/** SOL_TCP: the TCP level (Linux). */
export const SOL_TCP: number = k("SOL_TCP");
/** SOL_UDP: the UDP level (Linux). */
export const SOL_UDP: number = k("SOL_UDP");
/** SOL_PACKET: the packet(7) level (Linux). */
export const SOL_PACKET: number = k("SOL_PACKET");
/** SOL_NETLINK: the netlink(7) level (Linux). */
export const SOL_NETLINK: number = k("SOL_NETLINK");
/** IPPROTO_IP: IP. */
export const IPPROTO_IP: number = k("IPPROTO_IP");
/** IPPROTO_IPV6: IPv6. */
export const IPPROTO_IPV6: number = k("IPPROTO_IPV6");
/** IPPROTO_TCP: TCP. */
export const IPPROTO_TCP: number = k("IPPROTO_TCP");
/** IPPROTO_UDP: UDP. */
export const IPPROTO_UDP: number = k("IPPROTO_UDP");
/** IPPROTO_ICMP: ICMP. */
export const IPPROTO_ICMP: number = k("IPPROTO_ICMP");
/** IPPROTO_ICMPV6: ICMPv6. */
export const IPPROTO_ICMPV6: number = k("IPPROTO_ICMPV6");
/** IPPROTO_RAW: raw IP. */
export const IPPROTO_RAW: number = k("IPPROTO_RAW");

// Socket options (socket(7), ip(7), ipv6(7), tcp(7)).
/** SO_ACCEPTCONN: whether the socket listens. */
export const SO_ACCEPTCONN: number = k("SO_ACCEPTCONN");
/** SO_BROADCAST: may send to broadcast addresses. */
export const SO_BROADCAST: number = k("SO_BROADCAST");
/** SO_DOMAIN: the socket's family (Linux). */
export const SO_DOMAIN: number = k("SO_DOMAIN");
/** SO_ERROR: the pending error, cleared on read. */
export const SO_ERROR: number = k("SO_ERROR");
/** SO_KEEPALIVE: keep-alive probes. */
export const SO_KEEPALIVE: number = k("SO_KEEPALIVE");
/** SO_LINGER: linger on close. */
export const SO_LINGER: number = k("SO_LINGER");
/** SO_PROTOCOL: the socket's protocol (Linux). */
export const SO_PROTOCOL: number = k("SO_PROTOCOL");
/** SO_RCVBUF: receive buffer size. */
export const SO_RCVBUF: number = k("SO_RCVBUF");
/** SO_SNDBUF: send buffer size. */
export const SO_SNDBUF: number = k("SO_SNDBUF");
/** SO_REUSEADDR: reuse local addresses. */
export const SO_REUSEADDR: number = k("SO_REUSEADDR");
/** SO_REUSEPORT: share a port between sockets. */
export const SO_REUSEPORT: number = k("SO_REUSEPORT");
/** SO_TYPE: the socket's type. */
export const SO_TYPE: number = k("SO_TYPE");
/** SO_BINDTODEVICE: bind to a device by name (bytes; Linux). */
export const SO_BINDTODEVICE: number = k("SO_BINDTODEVICE");
/** SO_PRIORITY: the packets' priority (Linux). */
export const SO_PRIORITY: number = k("SO_PRIORITY");
/** SO_RCVLOWAT: the least bytes a read waits for. */
export const SO_RCVLOWAT: number = k("SO_RCVLOWAT");
/** SO_PASSCRED: receive SCM_CREDENTIALS. */
export const SO_PASSCRED: number = k("SO_PASSCRED");
/** SO_PEERCRED: the peer's credentials (Linux). */
export const SO_PEERCRED: number = k("SO_PEERCRED");
/** TCP_NODELAY: no Nagle delay. */
export const TCP_NODELAY: number = k("TCP_NODELAY");
/** IP_TOS: the IPv4 type of service. */
export const IP_TOS: number = k("IP_TOS");
/** IP_TTL: the IPv4 time to live. */
export const IP_TTL: number = k("IP_TTL");
/** IPV6_V6ONLY: IPv6 only, no IPv4-mapped addresses. */
export const IPV6_V6ONLY: number = k("IPV6_V6ONLY");
/** IPV6_UNICAST_HOPS: the IPv6 hop limit. */
export const IPV6_UNICAST_HOPS: number = k("IPV6_UNICAST_HOPS");

// Shutdown modes, message flags and control messages (shutdown(2), recv(2), cmsg(3)).
/** SHUT_RD: shut down reading. */
export const SHUT_RD: number = k("SHUT_RD");
/** SHUT_WR: shut down writing. */
export const SHUT_WR: number = k("SHUT_WR");
/** SHUT_RDWR: shut down both directions. */
export const SHUT_RDWR: number = k("SHUT_RDWR");
/** SOMAXCONN: the system's largest listen backlog. */
export const SOMAXCONN: number = k("SOMAXCONN");
/** MSG_OOB: out-of-band data. */
export const MSG_OOB: number = k("MSG_OOB");
/** MSG_PEEK: read without consuming. */
export const MSG_PEEK: number = k("MSG_PEEK");
/** MSG_TRUNC: the datagram was cut short. */
export const MSG_TRUNC: number = k("MSG_TRUNC");
/** MSG_CTRUNC: the control data was cut short. */
export const MSG_CTRUNC: number = k("MSG_CTRUNC");
/** MSG_WAITALL: wait for the whole request. */
export const MSG_WAITALL: number = k("MSG_WAITALL");
/** MSG_DONTWAIT: do not wait (sockit's calls never block anyway). */
export const MSG_DONTWAIT: number = k("MSG_DONTWAIT");
/** MSG_NOSIGNAL: no SIGPIPE (always added by sockit). */
export const MSG_NOSIGNAL: number = k("MSG_NOSIGNAL");
/** MSG_EOR: end of record (Linux). */
export const MSG_EOR: number = k("MSG_EOR");
/** MSG_DONTROUTE: do not route (Linux). */
export const MSG_DONTROUTE: number = k("MSG_DONTROUTE");
/** MSG_ERRQUEUE: read the error queue (Linux). */
export const MSG_ERRQUEUE: number = k("MSG_ERRQUEUE");
/** MSG_CMSG_CLOEXEC: received fds close-on-exec (always added by sockit; Linux). */
export const MSG_CMSG_CLOEXEC: number = k("MSG_CMSG_CLOEXEC");
/** SCM_RIGHTS: a control message passing fds. */
export const SCM_RIGHTS: number = k("SCM_RIGHTS");
/** SCM_CREDENTIALS: a control message passing credentials (Linux). */
export const SCM_CREDENTIALS: number = k("SCM_CREDENTIALS");

// Link-level packets (packet(7), linux/if_ether.h; Linux).
/** ETH_P_ALL: every protocol (pass `htons(ETH_P_ALL)` to socket and in SockaddrLinklayer.protocol). */
export const ETH_P_ALL: number = k("ETH_P_ALL");
/** ETH_P_IP: IPv4. */
export const ETH_P_IP: number = k("ETH_P_IP");
/** ETH_P_IPV6: IPv6. */
export const ETH_P_IPV6: number = k("ETH_P_IPV6");
/** ETH_P_ARP: ARP. */
export const ETH_P_ARP: number = k("ETH_P_ARP");
/** PACKET_HOST: a packet addressed to this host. */
export const PACKET_HOST: number = k("PACKET_HOST");
/** PACKET_BROADCAST: a link-layer broadcast. */
export const PACKET_BROADCAST: number = k("PACKET_BROADCAST");
/** PACKET_MULTICAST: a link-layer multicast. */
export const PACKET_MULTICAST: number = k("PACKET_MULTICAST");
/** PACKET_OTHERHOST: a packet for another host. */
export const PACKET_OTHERHOST: number = k("PACKET_OTHERHOST");
/** PACKET_OUTGOING: a packet this host sent (as seen on loopback). */
export const PACKET_OUTGOING: number = k("PACKET_OUTGOING");
/** PACKET_ADD_MEMBERSHIP: join a packet_mreq membership. */
export const PACKET_ADD_MEMBERSHIP: number = k("PACKET_ADD_MEMBERSHIP");
/** PACKET_DROP_MEMBERSHIP: leave a packet_mreq membership. */
export const PACKET_DROP_MEMBERSHIP: number = k("PACKET_DROP_MEMBERSHIP");
/** PACKET_MR_PROMISC: promiscuous mode membership. */
export const PACKET_MR_PROMISC: number = k("PACKET_MR_PROMISC");

// Virtual machine sockets (vsock(7); Linux).
/** VMADDR_CID_ANY: any context id (bind). */
export const VMADDR_CID_ANY: number = k("VMADDR_CID_ANY");
/** VMADDR_CID_HYPERVISOR: the hypervisor. */
export const VMADDR_CID_HYPERVISOR: number = k("VMADDR_CID_HYPERVISOR");
/** VMADDR_CID_LOCAL: this host, loopback (vsock_loopback). */
export const VMADDR_CID_LOCAL: number = k("VMADDR_CID_LOCAL");
/** VMADDR_CID_HOST: the host. */
export const VMADDR_CID_HOST: number = k("VMADDR_CID_HOST");
/** VMADDR_PORT_ANY: any port (bind). */
export const VMADDR_PORT_ANY: number = k("VMADDR_PORT_ANY");
/** VMADDR_FLAG_TO_HOST: route to the host (sockaddr_vm flags). */
export const VMADDR_FLAG_TO_HOST: number = k("VMADDR_FLAG_TO_HOST");

// Netlink (netlink(7), rtnetlink(7); Linux).
/** NETLINK_ROUTE: the routing and link family. */
export const NETLINK_ROUTE: number = k("NETLINK_ROUTE");
/** NETLINK_GENERIC: generic netlink. */
export const NETLINK_GENERIC: number = k("NETLINK_GENERIC");
/** NLM_F_REQUEST: a request. */
export const NLM_F_REQUEST: number = k("NLM_F_REQUEST");
/** NLM_F_MULTI: part of a multipart reply. */
export const NLM_F_MULTI: number = k("NLM_F_MULTI");
/** NLM_F_ACK: ask for an acknowledgement. */
export const NLM_F_ACK: number = k("NLM_F_ACK");
/** NLM_F_ROOT: the whole table. */
export const NLM_F_ROOT: number = k("NLM_F_ROOT");
/** NLM_F_MATCH: every match. */
export const NLM_F_MATCH: number = k("NLM_F_MATCH");
/** NLM_F_DUMP: a dump (NLM_F_ROOT|NLM_F_MATCH). */
export const NLM_F_DUMP: number = k("NLM_F_DUMP");
/** NLMSG_NOOP: nothing. */
export const NLMSG_NOOP: number = k("NLMSG_NOOP");
/** NLMSG_ERROR: an error or acknowledgement. */
export const NLMSG_ERROR: number = k("NLMSG_ERROR");
/** NLMSG_DONE: the end of a multipart reply. */
export const NLMSG_DONE: number = k("NLMSG_DONE");
/** NLMSG_ALIGNTO: netlink messages' alignment. */
export const NLMSG_ALIGNTO: number = k("NLMSG_ALIGNTO");
/** NLMSG_HDRLEN: the aligned size of struct nlmsghdr. */
export const NLMSG_HDRLEN: number = k("NLMSG_HDRLEN");
/** RTA_ALIGNTO: route attributes' alignment. */
export const RTA_ALIGNTO: number = k("RTA_ALIGNTO");
/** RTM_NEWLINK: a link (reply to RTM_GETLINK). */
export const RTM_NEWLINK: number = k("RTM_NEWLINK");
/** RTM_DELLINK: a link gone. */
export const RTM_DELLINK: number = k("RTM_DELLINK");
/** RTM_GETLINK: ask for links. */
export const RTM_GETLINK: number = k("RTM_GETLINK");
/** RTM_NEWADDR: an address (reply to RTM_GETADDR). */
export const RTM_NEWADDR: number = k("RTM_NEWADDR");
/** RTM_DELADDR: an address gone. */
export const RTM_DELADDR: number = k("RTM_DELADDR");
/** RTM_GETADDR: ask for addresses. */
export const RTM_GETADDR: number = k("RTM_GETADDR");
/** RTM_NEWROUTE: a route. */
export const RTM_NEWROUTE: number = k("RTM_NEWROUTE");
/** RTM_DELROUTE: a route gone. */
export const RTM_DELROUTE: number = k("RTM_DELROUTE");
/** RTM_GETROUTE: ask for routes. */
export const RTM_GETROUTE: number = k("RTM_GETROUTE");
/** RTMGRP_LINK: the multicast group of link changes. */
export const RTMGRP_LINK: number = k("RTMGRP_LINK");
/** RTMGRP_IPV4_IFADDR: the group of IPv4 address changes. */
export const RTMGRP_IPV4_IFADDR: number = k("RTMGRP_IPV4_IFADDR");
/** RTMGRP_IPV6_IFADDR: the group of IPv6 address changes. */
export const RTMGRP_IPV6_IFADDR: number = k("RTMGRP_IPV6_IFADDR");
/** IFLA_UNSPEC: no link attribute. */
export const IFLA_UNSPEC: number = k("IFLA_UNSPEC");
/** IFLA_ADDRESS: a link's hardware address. */
export const IFLA_ADDRESS: number = k("IFLA_ADDRESS");
/** IFLA_BROADCAST: a link's broadcast address. */
export const IFLA_BROADCAST: number = k("IFLA_BROADCAST");
/** IFLA_IFNAME: a link's name, NUL-terminated. */
export const IFLA_IFNAME: number = k("IFLA_IFNAME");
/** IFLA_MTU: a link's MTU (u32). */
export const IFLA_MTU: number = k("IFLA_MTU");
/** IFLA_LINK: a link's parent link. */
export const IFLA_LINK: number = k("IFLA_LINK");
/** IFA_UNSPEC: no address attribute. */
export const IFA_UNSPEC: number = k("IFA_UNSPEC");
/** IFA_ADDRESS: an address (the peer's on point-to-point links). */
export const IFA_ADDRESS: number = k("IFA_ADDRESS");
/** IFA_LOCAL: the local address. */
export const IFA_LOCAL: number = k("IFA_LOCAL");
/** IFA_LABEL: the address's label. */
export const IFA_LABEL: number = k("IFA_LABEL");
/** IFA_BROADCAST: the broadcast address. */
export const IFA_BROADCAST: number = k("IFA_BROADCAST");
/** IFF_UP: interface flag: up. */
export const IFF_UP: number = k("IFF_UP");
/** IFF_BROADCAST: interface flag: broadcast. */
export const IFF_BROADCAST: number = k("IFF_BROADCAST");
/** IFF_LOOPBACK: interface flag: loopback. */
export const IFF_LOOPBACK: number = k("IFF_LOOPBACK");
/** IFF_POINTOPOINT: interface flag: point-to-point. */
export const IFF_POINTOPOINT: number = k("IFF_POINTOPOINT");
/** IFF_RUNNING: interface flag: running. */
export const IFF_RUNNING: number = k("IFF_RUNNING");
/** IFF_NOARP: interface flag: no ARP. */
export const IFF_NOARP: number = k("IFF_NOARP");
/** IFF_PROMISC: interface flag: promiscuous. */
export const IFF_PROMISC: number = k("IFF_PROMISC");
/** IFF_MULTICAST: interface flag: multicast. */
export const IFF_MULTICAST: number = k("IFF_MULTICAST");
/** ARPHRD_ETHER: hardware type: Ethernet. */
export const ARPHRD_ETHER: number = k("ARPHRD_ETHER");
/** ARPHRD_LOOPBACK: hardware type: loopback. */
export const ARPHRD_LOOPBACK: number = k("ARPHRD_LOOPBACK");
/** ARPHRD_TUNNEL: hardware type: IPv4 over IPv4. */
export const ARPHRD_TUNNEL: number = k("ARPHRD_TUNNEL");
/** ARPHRD_TUNNEL6: hardware type: IPv6 over IPv6. */
export const ARPHRD_TUNNEL6: number = k("ARPHRD_TUNNEL6");
/** ARPHRD_SIT: hardware type: IPv6 over IPv4. */
export const ARPHRD_SIT: number = k("ARPHRD_SIT");
/** ARPHRD_IPGRE: hardware type: GRE over IPv4. */
export const ARPHRD_IPGRE: number = k("ARPHRD_IPGRE");
/** ARPHRD_IP6GRE: hardware type: GRE over IPv6. */
export const ARPHRD_IP6GRE: number = k("ARPHRD_IP6GRE");

// Netlink struct sizes (Go's syscall.Sizeof* names; Linux).
/** SizeofNlMsghdr: the size of struct nlmsghdr in bytes. */
export const SizeofNlMsghdr: number = k("SK_SIZEOF_NLMSGHDR");
/** SizeofRtGenmsg: the size of struct rtgenmsg in bytes. */
export const SizeofRtGenmsg: number = k("SK_SIZEOF_RTGENMSG");
/** SizeofIfInfomsg: the size of struct ifinfomsg in bytes. */
export const SizeofIfInfomsg: number = k("SK_SIZEOF_IFINFOMSG");
/** SizeofIfAddrmsg: the size of struct ifaddrmsg in bytes. */
export const SizeofIfAddrmsg: number = k("SK_SIZEOF_IFADDRMSG");
/** SizeofRtMsg: the size of struct rtmsg in bytes. */
export const SizeofRtMsg: number = k("SK_SIZEOF_RTMSG");
/** SizeofRtAttr: the size of struct rtattr in bytes. */
export const SizeofRtAttr: number = k("SK_SIZEOF_RTATTR");
