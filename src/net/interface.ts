/**
 * Network interfaces, Go's net/interface.go: `interfaces`, `interfaceByIndex`,
 * `interfaceByName`, `interfaceAddrs`, and an Interface's `addrs` and `multicastAddrs`, with
 * Go's errors ("route ip+net: no such network interface"). The tables come from the kernel
 * (interface_linux.ts: netlink dumps through the syscall layer, /proc/net/igmp{,6}), so every
 * call is async.
 */
import { Sentinel } from "../poll/errors.js";
import { invalidArg } from "../sys/args.js";
import { OpError } from "./errors.js";
import { HardwareAddr } from "./mac.js";
import type { IPNet } from "./ipnet.js";
import type { IPAddr } from "./addr.js";
import { interfaceAddrTable, interfaceMulticastAddrTable, interfaceTable } from "./interface_linux.js";

// Frozen: Go's texts (net/interface.go), which programs match on.
const errInvalidInterfaceIndex = new Sentinel("invalid network interface index", "ERR_SOCKIT_INVALID_INTERFACE_INDEX");
const errInvalidInterfaceName = new Sentinel("invalid network interface name", "ERR_SOCKIT_INVALID_INTERFACE_NAME");
/** @internal The error of an index or name no interface has. */
export const errNoSuchInterface = new Sentinel("no such network interface", "ERR_SOCKIT_NO_SUCH_INTERFACE");

/** FlagUp: the interface is administratively up. Go: `net.FlagUp`. */
export const FlagUp = 1 << 0;
/** FlagBroadcast: the interface supports broadcast access. Go: `net.FlagBroadcast`. */
export const FlagBroadcast = 1 << 1;
/** FlagLoopback: the interface is a loopback interface. Go: `net.FlagLoopback`. */
export const FlagLoopback = 1 << 2;
/** FlagPointToPoint: the interface belongs to a point-to-point link. Go: `net.FlagPointToPoint`. */
export const FlagPointToPoint = 1 << 3;
/** FlagMulticast: the interface supports multicast access. Go: `net.FlagMulticast`. */
export const FlagMulticast = 1 << 4;

const flagNames = ["up", "broadcast", "loopback", "pointtopoint", "multicast"];

/**
 * Flags is an interface's set of flags, Go's `net.Flags` (Go 1.19's five: FlagUp,
 * FlagBroadcast, FlagLoopback, FlagPointToPoint, FlagMulticast; FlagRunning came in 1.20).
 * `toString()` is Go's: the set names joined by "|", "0" for none.
 *
 * @example
 * ifi.flags.toString();            // "up|loopback"
 * ifi.flags.has(FlagLoopback);      // true
 * (ifi.flags.value & FlagUp) !== 0; // true
 */
export class Flags {
  constructor(
    /** The bits, FlagUp and the rest ORed together. */
    readonly value: number,
  ) {}

  /** has reports whether every bit of `flag` is set. */
  has(flag: number): boolean {
    return (this.value & flag) === flag;
  }

  /** toString gives Go's form: "up|broadcast|multicast", "0" when no flag is set. */
  toString(): string {
    const names = flagNames.filter((_, i) => (this.value & (1 << i)) !== 0);
    return names.length === 0 ? "0" : names.join("|");
  }

  /** valueOf gives the bits, so that flags compare and combine as numbers. */
  valueOf(): number {
    return this.value;
  }
}

/** The fields of an {@link Interface}. */
export interface InterfaceInit {
  index: number;
  mtu: number;
  name: string;
  hardwareAddr: HardwareAddr;
  flags: Flags;
}

/**
 * Interface is a network interface, Go's `net.Interface`: its index (positive), MTU, name
 * ("eth0"), hardware address (empty for loopback and tunnels) and flags.
 *
 * @example
 * const lo = await interfaceByName("lo");
 * `${lo.index} ${lo.name} ${lo.flags}`; // "1 lo up|loopback"
 * (await lo.addrs()).map(String);       // ["127.0.0.1/8", "::1/128"]
 */
export class Interface {
  /** The index, a positive integer. */
  index: number;
  /** The maximum transmission unit. */
  mtu: number;
  /** The name, e.g. "en0", "lo0", "eth0.100". */
  name: string;
  /** The hardware address (IEEE MAC-48, EUI-48 and EUI-64 forms); empty when there is none. */
  hardwareAddr: HardwareAddr;
  /** The flags, e.g. FlagUp, FlagLoopback, FlagMulticast. */
  flags: Flags;

  constructor(init: InterfaceInit) {
    this.index = init.index;
    this.mtu = init.mtu;
    this.name = init.name;
    this.hardwareAddr = init.hardwareAddr;
    this.flags = init.flags;
  }

  /**
   * addrs returns the interface's unicast addresses, as IPNets holding the host address and the
   * prefix ("127.0.0.1/8", "fe80::1/64"). Failures are "route ip+net: ..." OpErrors. Go:
   * `Interface.Addrs`.
   */
  async addrs(): Promise<IPNet[]> {
    return routeOp(() => interfaceAddrTable(this));
  }

  /**
   * multicastAddrs returns the multicast groups the interface has joined, as IPAddrs (from
   * /proc/net/igmp and /proc/net/igmp6, as Go reads them; none where they cannot be read). Go:
   * `Interface.MulticastAddrs`.
   */
  async multicastAddrs(): Promise<IPAddr[]> {
    return routeOp(() => interfaceMulticastAddrTable(this));
  }
}

/** Runs `fn`, wrapping a failure as Go wraps interface errors: OpError "route ip+net". */
async function routeOp<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw routeError(err as Error);
  }
}

function routeError(err: Error): OpError {
  return new OpError("route", "ip+net", null, null, err);
}

/**
 * interfaces returns the system's network interfaces, in the kernel's order. Go:
 * `net.Interfaces`.
 *
 * @example
 * for (const ifi of await interfaces()) console.log(ifi.index, ifi.name, String(ifi.flags));
 */
export async function interfaces(): Promise<Interface[]> {
  return routeOp(() => interfaceTable(0));
}

/**
 * interfaceAddrs returns the system's unicast interface addresses (as IPNets, host address and
 * prefix), without saying whose: use `interfaces()` and `addrs()` for that. Go:
 * `net.InterfaceAddrs`.
 */
export async function interfaceAddrs(): Promise<IPNet[]> {
  return routeOp(() => interfaceAddrTable(null));
}

/**
 * interfaceByIndex returns the interface of `index`: "route ip+net: invalid network interface
 * index" for an index below 1, "route ip+net: no such network interface" when there is none.
 * Go: `net.InterfaceByIndex`.
 *
 * @throws TypeError (ERR_INVALID_ARG_TYPE) for an index that is no integer.
 */
export async function interfaceByIndex(index: number): Promise<Interface> {
  if (typeof index !== "number" || !Number.isInteger(index)) throw invalidArg("index", "an integer", index);
  if (index <= 0) throw routeError(errInvalidInterfaceIndex);
  const ift = await routeOp(() => interfaceTable(index));
  const ifi = ift.find((i) => i.index === index);
  if (ifi === undefined) throw routeError(errNoSuchInterface);
  return ifi;
}

/**
 * interfaceByName returns the interface named `name`: "route ip+net: invalid network interface
 * name" for "", "route ip+net: no such network interface" when there is none. Go:
 * `net.InterfaceByName`.
 *
 * @example
 * await interfaceByName("nope0"); // rejects: route ip+net: no such network interface
 */
export async function interfaceByName(name: string): Promise<Interface> {
  if (typeof name !== "string") throw invalidArg("name", "a string", name);
  if (name === "") throw routeError(errInvalidInterfaceName);
  const ifi = (await interfaces()).find((i) => i.name === name);
  if (ifi === undefined) throw routeError(errNoSuchInterface);
  return ifi;
}
