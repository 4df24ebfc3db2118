/**
 * UnixConn and UnixListener (Go's unixsock.go) for the stream network "unix".
 */
import { unlinkSync } from "node:fs";
import { C } from "../sys/constants.js";
import type { NetFD } from "./fd_posix.js";
import { SocketConn } from "./conn.js";
import { SocketListener } from "./listener.js";

/** UnixConn is a connection on a unix domain socket, Go's `net.UnixConn`. */
export class UnixConn extends SocketConn {
  /** closeRead shuts down the reading side: later reads see end of stream. */
  async closeRead(): Promise<void> {
    this.#shutdown(C.SHUT_RD!);
  }

  /**
   * closeWrite shuts down the writing side after the writes already queued have gone out; the
   * peer then reads end of stream. Go: CloseWrite does not wait for concurrent writes.
   */
  async closeWrite(): Promise<void> {
    await this.fd.pfd.afterWrites(() => this.#shutdown(C.SHUT_WR!));
  }

  #shutdown(how: number): void {
    try {
      this.fd.shutdown(how);
    } catch (err) {
      throw this.opError("close", err as Error);
    }
  }
}

/**
 * UnixListener is a unix domain socket listener, Go's `net.UnixListener`. Listeners made by
 * `listen` remove their socket file when closed (never for "@" abstract names).
 */
export class UnixListener extends SocketListener<UnixConn> {
  #unlink: boolean;

  /** @internal */
  constructor(
    fd: NetFD,
    private readonly path: string,
    unlink: boolean,
  ) {
    super(fd);
    this.#unlink = unlink;
  }

  /**
   * setUnlinkOnClose chooses whether close removes the socket file (default true for
   * listeners made by `listen`).
   */
  setUnlinkOnClose(unlink: boolean): void {
    this.#unlink = unlink;
  }

  /** @internal */
  protected newConn(fd: NetFD): UnixConn {
    return new UnixConn(fd);
  }

  /** @internal Removes the socket file once, as Go's unlinkOnce does. */
  protected override onClose(): void {
    if (!this.#unlink || this.path === "" || this.path[0] === "@") return;
    this.#unlink = false;
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone or replaced: Go ignores this too.
    }
  }
}
