/**
 * The socket files the command creates and removes itself: a unixgram bind's, which Go's
 * ListenPacket never removes, and, for `exec`, a unix listener's, which must outlive sockit's
 * own copy of the listener because the child listens on it.
 */
import { lstatSync, unlinkSync, type Stats } from "node:fs";
import { debuglog } from "node:util";
import { UnixAddr, type Addr } from "../index.js";

const debug = debuglog("sockit");

/**
 * SocketFile is the socket file a bind made. `remove` unlinks it, but only if the same file
 * (device and inode) is still there: a file another program has since put in its place is
 * left alone.
 *
 * @example
 * const file = SocketFile.of(pc.localAddr()); // null for abstract and unnamed addresses
 * try { ... } finally { file?.remove(); }
 */
export class SocketFile {
  private constructor(
    private readonly path: string,
    private readonly made: Stats,
  ) {}

  /** of returns the socket file behind a local address, or null (not unix, abstract, unnamed). */
  static of(a: Addr | null): SocketFile | null {
    if (!(a instanceof UnixAddr) || a.name === "" || a.name.startsWith("@")) return null;
    const st = lstatSync(a.name, { throwIfNoEntry: false });
    return st?.isSocket() === true ? new SocketFile(a.name, st) : null;
  }

  /** remove unlinks the file if it is still the one that was bound; failures are only logged. */
  remove(): void {
    const now = lstatSync(this.path, { throwIfNoEntry: false });
    if (now === undefined || now.dev !== this.made.dev || now.ino !== this.made.ino) {
      debug("%s is gone or was replaced; leaving it", this.path);
      return;
    }
    try {
      unlinkSync(this.path);
    } catch (err) {
      debug("remove %s: %o", this.path, err);
    }
  }
}
