/**
 * What UDPConn, IPConn and UnixConn share: message reads and writes with addresses and control
 * bytes (Go's ReadFrom, WriteTo, ReadMsgX and WriteMsgX, and net.PacketConn). Each concrete class
 * says how its addresses are checked and encoded; the mechanics and errors live here once.
 */
import { E, Errno, errorIs } from "../sys/errors.js";
import { invalidArg, isBytes } from "../sys/args.js";
import { ErrClosed } from "../poll/errors.js";
import { C } from "../sys/constants.js";
import { OpError, ErrWriteToConnected, errMissingAddress, type Addr } from "./errors.js";
import { INFO_ADDRLEN, INFO_COUNT, INFO_FAMILY, INFO_FLAGS, INFO_N, INFO_OOBN, INFO_PORT, INFO_SCOPE, wrapSyscallError } from "./fd_posix.js";
import { inetSockaddr, type InetAddr } from "./sockaddr_posix.js";
import type { BatchReader, MsgReader } from "../poll/fd.js";
import { batchScratch, fromStride, infoStride, mmsgMax } from "../poll/batch.js";
import { SocketConn, type Conn, type DeadlineTime } from "./conn.js";

/** The result of a `readFrom`: bytes read and the sender (null when the kernel gave none). */
export interface ReadFromResult<A extends Addr = Addr> {
  n: number;
  addr: A | null;
}

/** The result of a `readMsg`: bytes, control bytes, message flags (MSG_TRUNC ...) and sender. */
export interface ReadMsgResult<A extends Addr = Addr> {
  n: number;
  oobn: number;
  flags: number;
  addr: A | null;
}

/**
 * Message is one message of a batch read or write ({@link PacketSocketConn.readBatch},
 * `writeBatch`), Go's `ipv4.Message` with one buffer: reused from batch to batch, so a busy
 * receiver allocates nothing per datagram but its sender's address.
 *
 * @example
 * const ms: Message[] = Array.from({ length: 64 }, () => ({ buffer: new Uint8Array(2048), n: 0, addr: null, flags: 0 }));
 *
 * Go: ipv4.Message has Buffers (scatter/gather) and OOB; here each message has one buffer and
 * no control bytes (readMsg and writeMsg have them).
 */
export interface Message<A extends Addr = Addr> {
  /** A read fills it (up to its length); a write sends it. */
  buffer: Uint8Array;
  /** After a read: the bytes received (a longer datagram's tail is dropped; flags say so). */
  n: number;
  /** After a read: the sender (null when the kernel gave none). For a write: where to (null when connected). */
  addr: A | null;
  /** After a read: the message flags, MSG_TRUNC when the datagram was longer than `buffer`. */
  flags: number;
}

/** One received datagram, as async iteration of a packet conn yields it. */
export interface Datagram<A extends Addr = Addr> {
  data: Uint8Array;
  addr: A | null;
}

/** PacketConn is a generic packet-oriented network connection, Go's `net.PacketConn`. */
export interface PacketConn extends AsyncDisposable, AsyncIterable<Datagram> {
  readFrom(p: Uint8Array): Promise<ReadFromResult>;
  writeTo(p: Uint8Array, addr: Addr | null): Promise<number>;
  close(): Promise<void>;
  localAddr(): Addr | null;
  setDeadline(t: DeadlineTime): void;
  setReadDeadline(t: DeadlineTime): void;
  setWriteDeadline(t: DeadlineTime): void;
}

const noneFrom = (): ReadFromResult<never> => ({ n: 0, addr: null });
const noneMsg = (): ReadMsgResult<never> => ({ n: 0, oobn: 0, flags: 0, addr: null });

/** Largest datagram async iteration receives whole (IPv4's UDP maximum payload plus margin). */
const datagramSize = 65536;

/** A message-capable socket conn. Use UDPConn, IPConn or UnixConn. */
export abstract class PacketSocketConn<A extends Addr> extends SocketConn implements Conn {
  /**
   * @internal Checks `addr` for writeTo and encodes it; throws Go's error for a wrong one.
   * Returns null for "no address" where the type allows it.
   */
  protected abstract destination(addr: Addr | null, forMsg: boolean): Uint8Array | null;

  /** localAddr returns the local address, of this conn's address type (UDPAddr, IPAddr, UnixAddr). */
  override localAddr(): A | null {
    return super.localAddr() as A | null;
  }

  /** remoteAddr returns the connected peer's address, or null on an unconnected conn. */
  override remoteAddr(): A | null {
    return super.remoteAddr() as A | null;
  }

  /** @internal Turns the flat sender the kernel gave into this conn's address type. */
  protected sender(from: Uint8Array, info: Int32Array): A | null {
    if (info[INFO_FAMILY] === 0) return null;
    return this.nfd.decodeAddr(info[INFO_FAMILY]!, from.slice(0, info[INFO_ADDRLEN]!), info[INFO_PORT]!, info[INFO_SCOPE]!) as A | null;
  }

  /**
   * readFrom reads one datagram into `p`: its size (the tail of a datagram longer than `p` is
   * dropped, as in Go; readMsg reports it) and its sender. A zero-length datagram reads as
   * n = 0. On unix stream and seqpacket conns, end of stream reads as n = 0 with addr null.
   *
   * @example
   * const { n, addr } = await pc.readFrom(buf);
   * await pc.writeTo(buf.subarray(0, n), addr);
   */
  readFrom(p: Uint8Array): Promise<ReadFromResult<A>> {
    if (!isBytes(p)) return Promise.reject(invalidArg("p", "a Uint8Array", p));
    const r = (this.#fromReader ??= this.#reader(null, "recvfrom", (q, n, from, info) => this.received(q, n, from, info), noneFrom));
    return this.nfd.readMsg(p, r);
  }

  /** The reader of readFrom, made on first use; readMsg makes one per call for its oob. */
  #fromReader: MsgReader<ReadFromResult<A>> | null = null;

  /**
   * #reader describes a message read to the poll layer: where the sender lands, how the result
   * is made, and how a failure is reported ("read udp L: recvfrom: ...").
   */
  #reader<T>(
    oob: Uint8Array | null,
    syscall: string,
    decode: (p: Uint8Array, n: number, from: Uint8Array, info: Int32Array) => T,
    eof: () => T,
  ): MsgReader<T> {
    const { from, info } = this.nfd.msgScratch();
    return {
      oob,
      flags: 0,
      from,
      info,
      decode: (p, n) => decode(p, n, from, info),
      eof,
      mapReadError: (err) => this.opError("read", wrapSyscallError(syscall, err)),
    };
  }

  /** @internal Hook for IPConn, which strips the IPv4 header in readFrom as Go does. */
  protected received(_p: Uint8Array, n: number, from: Uint8Array, info: Int32Array): ReadFromResult<A> {
    return { n, addr: this.sender(from, info) };
  }

  /**
   * readBatch receives up to `ms.length` datagrams (64 at most per call) in one recvmmsg(2),
   * message i into `ms[i].buffer`, and resolves with how many arrived once at least one has;
   * it sets `n`, `addr` and `flags` of each. Datagrams that arrived together cost one syscall
   * and one promise, not one each. Errors are readFrom's ("read udp L: recvmmsg: ..."). An
   * IPConn's messages are whole packets, IPv4 headers included, as readMsg returns them.
   *
   * @example
   * const count = await pc.readBatch(ms);
   * for (let i = 0; i < count; i++) handle(ms[i].buffer.subarray(0, ms[i].n), ms[i].addr);
   *
   * Go: golang.org/x/net/ipv4's PacketConn.ReadBatch (recvmmsg on Linux, one message per call
   * elsewhere, as here).
   */
  readBatch(ms: Message<A>[]): Promise<number> {
    if (!Array.isArray(ms) || ms.length === 0) return Promise.reject(invalidArg("ms", "a non-empty Array of Message", ms));
    const count = Math.min(ms.length, mmsgMax);
    const bufs: Uint8Array[] = new Array<Uint8Array>(count);
    for (let i = 0; i < count; i++) {
      const b = ms[i]?.buffer;
      if (!isBytes(b)) return Promise.reject(invalidArg(`ms[${i}].buffer`, "a Uint8Array", b));
      bufs[i] = b;
    }
    const r = (this.#batchReader ??= this.#newBatchReader());
    r.ms = ms;
    return this.nfd.readBatch(bufs, r);
  }

  /** The reader of readBatch, made on first use; `ms` is the batch being read. */
  #batchReader: (BatchReader & { ms: Message<A>[] }) | null = null;

  #newBatchReader(): BatchReader & { ms: Message<A>[] } {
    const { from, info } = batchScratch();
    const r = {
      ms: [] as Message<A>[],
      from,
      info,
      fill: (count: number): void => {
        for (let i = 0; i < count; i++) {
          const m = r.ms[i]!;
          const k = i * infoStride;
          m.n = info[k + INFO_N]!;
          m.flags = info[k + INFO_FLAGS]!;
          m.addr = info[k + INFO_FAMILY] === 0 ? null : this.sender(from.subarray(i * fromStride), info.subarray(k, k + INFO_COUNT));
        }
      },
      mapReadError: (err: Error) => this.opError("read", wrapSyscallError("recvmmsg", err)),
    };
    return r;
  }

  /**
   * writeBatch sends each message's buffer as one datagram to its `addr` (null on a connected
   * conn), in order, with as few sendmmsg(2) calls as the kernel allows (64 messages at most
   * each), and resolves with `ms.length`. Every address is checked before anything is sent: a
   * connected conn takes none (ErrWriteToConnected), an unconnected one needs one ("missing
   * address"), on every network alike.
   *
   * @example
   * await pc.writeBatch(replies); // 64 datagrams, one syscall
   *
   * Go: golang.org/x/net/ipv4's PacketConn.WriteBatch, which returns after one sendmmsg; this
   * sends them all, as writes here do.
   */
  async writeBatch(ms: Message[]): Promise<number> {
    if (!Array.isArray(ms)) throw invalidArg("ms", "an Array of Message", ms);
    if (ms.length === 0) return 0;
    const bufs: Uint8Array[] = new Array<Uint8Array>(ms.length);
    const sas: (Uint8Array | null)[] = new Array<Uint8Array | null>(ms.length);
    let addr: Addr | null = null;
    try {
      for (let i = 0; i < ms.length; i++) {
        const b = ms[i]?.buffer;
        if (!isBytes(b)) throw invalidArg(`ms[${i}].buffer`, "a Uint8Array", b);
        addr = ms[i]!.addr ?? null;
        bufs[i] = b;
        // One rule for every network, UDP's WriteMsg rule (Go's WriteMsgUnix refuses even a
        // connected unixgram conn without an address): an address exactly when unconnected.
        if (this.nfd.isConnected) {
          if (addr !== null) throw ErrWriteToConnected;
          sas[i] = null;
        } else {
          if (addr === null) throw errMissingAddress;
          sas[i] = this.destination(addr, true);
        }
      }
      return await this.nfd.writeBatch(bufs, sas);
    } catch (err) {
      if (err instanceof TypeError) throw err;
      throw new OpError("write", this.nfd.net, this.nfd.laddr, addr, wrapSyscallError("sendmmsg", err as Error));
    }
  }

  /**
   * writeTo sends `p` as one datagram to `addr`, resolving with `p.length`. On a connected
   * conn it fails with ErrWriteToConnected, as in Go.
   */
  async writeTo(p: Uint8Array, addr: Addr | null): Promise<number> {
    if (!isBytes(p)) throw invalidArg("p", "a Uint8Array", p);
    addr ??= null; // undefined from plain JavaScript means no address, as null does
    let sa: Uint8Array | null;
    try {
      sa = this.destination(addr, false);
      return await this.nfd.writeMsg(p, null, sa, "sendto");
    } catch (err) {
      throw new OpError("write", this.nfd.net, this.nfd.laddr, addr, err as Error);
    }
  }

  /**
   * readMsg reads one message and its control bytes (ancillary data) into `oob`: `flags` has
   * MSG_TRUNC when the datagram was longer than `p`, MSG_CTRUNC when `oob` was too short.
   */
  readMsg(p: Uint8Array, oob: Uint8Array): Promise<ReadMsgResult<A>> {
    if (!isBytes(p)) return Promise.reject(invalidArg("p", "a Uint8Array", p));
    if (!isBytes(oob)) return Promise.reject(invalidArg("oob", "a Uint8Array", oob));
    // Go receives one dummy byte when only control data is asked for on a non-datagram
    // socket, since a stream cannot carry control data alone (syscall.Recvmsg).
    const dummy = p.length === 0 && oob.length > 0 && this.nfd.sotype !== C.SOCK_DGRAM;
    const decode = (_q: Uint8Array, n: number, from: Uint8Array, info: Int32Array): ReadMsgResult<A> => ({
      n: dummy ? 0 : n,
      oobn: info[INFO_OOBN]!,
      flags: info[INFO_FLAGS]!,
      addr: this.sender(from, info),
    });
    return this.nfd.readMsg(dummy ? new Uint8Array(1) : p, this.#reader(oob, "recvmsg", decode, noneMsg));
  }

  /**
   * writeMsg sends `p` with control bytes `oob` to `addr` (null on a connected conn); it
   * resolves with the bytes and control bytes sent.
   */
  async writeMsg(p: Uint8Array, oob: Uint8Array | null, addr: A | null): Promise<{ n: number; oobn: number }> {
    if (!isBytes(p)) throw invalidArg("p", "a Uint8Array", p);
    if (oob != null && !isBytes(oob)) throw invalidArg("oob", "a Uint8Array or null", oob);
    addr ??= null;
    const o = oob ?? new Uint8Array(0);
    const dummy = p.length === 0 && o.length > 0 && this.nfd.sotype !== C.SOCK_DGRAM;
    try {
      const sa = this.destination(addr, true);
      const n = await this.nfd.writeMsg(dummy ? new Uint8Array(1) : p, o.length > 0 ? o : null, sa, "sendmsg");
      return { n: dummy ? 0 : n, oobn: o.length };
    } catch (err) {
      throw new OpError("write", this.nfd.net, this.nfd.laddr, addr, err as Error);
    }
  }

  /**
   * packets iterates the datagrams that arrive, each copied out whole (up to 64 KiB), until
   * the conn is closed: a close before or during the loop ends it cleanly, as a listener's
   * iteration ends at its close. Any other failure rejects the loop, a passed read deadline
   * included (ErrDeadlineExceeded). On unix stream and seqpacket conns end of stream ends it
   * too. Breaking out of the loop leaves the conn open.
   *
   * @example
   * for await (const { data, addr } of pc.packets()) await pc.writeTo(data, addr);
   */
  async *packets(): AsyncGenerator<Datagram<A>, void, undefined> {
    const buf = new Uint8Array(datagramSize);
    for (;;) {
      let r: ReadFromResult<A>;
      try {
        r = await this.readFrom(buf);
      } catch (err) {
        // One rule for every iterable owner: a close is the end, not a failure.
        if (errorIs(err, ErrClosed)) return;
        throw err;
      }
      const { n, addr } = r;
      if (n === 0 && addr === null && this.nfd.sotype !== C.SOCK_DGRAM && this.nfd.sotype !== C.SOCK_RAW) return;
      yield { data: buf.slice(0, n), addr };
    }
  }

  /**
   * @internal Encodes a destination; a sockaddr the kernel would refuse is that syscall's
   * EINVAL, as Go's syscall.Sockaddr conversion reports it ("sendto: invalid argument").
   */
  protected encode(forMsg: boolean, encode: () => Uint8Array): Uint8Array {
    try {
      return encode();
    } catch (err) {
      throw wrapSyscallError(forMsg ? "sendmsg" : "sendto", err);
    }
  }

  /** @internal The common checks of writeTo and writeMsg on connectionless sockets. */
  protected checkConnected(addr: Addr | null, forMsg: boolean): void {
    if (forMsg) {
      if (this.nfd.isConnected && addr !== null) throw ErrWriteToConnected;
      if (!this.nfd.isConnected && addr === null) throw errMissingAddress;
      return;
    }
    if (this.nfd.isConnected) throw ErrWriteToConnected;
    if (addr === null) throw errMissingAddress;
  }

  /**
   * @internal Go's writeTo and writeMsg checks for IP sockets (UDPConn, IPConn): an address of
   * type `kind` (else a bare EINVAL), none on a connected conn, one otherwise; encoded for the
   * socket's family.
   */
  protected inetDestination(
    addr: Addr | null,
    forMsg: boolean,
    kind: abstract new (...args: never[]) => InetAddr,
  ): Uint8Array | null {
    if (addr !== null && !(addr instanceof kind)) throw this.wrongType();
    if (!forMsg && addr === null) throw this.wrongType();
    this.checkConnected(addr, forMsg);
    if (addr === null) return null;
    return this.encode(forMsg, () => inetSockaddr(this.nfd.family, addr as InetAddr));
  }

  /** @internal Go's answer to a writeTo address of the wrong type: a bare EINVAL. */
  protected wrongType(): Errno {
    return new Errno(E.EINVAL!);
  }
}
