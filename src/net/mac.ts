/**
 * Hardware (MAC) addresses, Go's `net.HardwareAddr` and `ParseMAC` (`net/mac.go`).
 */
import { AddrError } from "./errors.js";
import { xtoi2 } from "./parse.js";

/**
 * HardwareAddr is a physical hardware address as bytes, Go's `net.HardwareAddr`.
 *
 * @example
 * new HardwareAddr([0, 0, 0x5e, 0, 0x53, 1]).toString(); // "00:00:5e:00:53:01"
 */
export class HardwareAddr extends Uint8Array {
  /** toString gives lower-case hex bytes joined by ':' ("00:00:5e:00:53:01"), "" when empty. */
  override toString(): string {
    let s = "";
    for (let i = 0; i < this.length; i++) {
      if (i > 0) s += ":";
      s += this[i]!.toString(16).padStart(2, "0");
    }
    return s;
  }
}

/**
 * parseMAC parses an IEEE 802 MAC-48, EUI-48, EUI-64 or 20-octet IP over InfiniBand address,
 * written as "00:00:5e:00:53:01", "00-00-5e-00-53-01" or "0000.5e00.5301" (6, 8 or 20 bytes).
 *
 * @example
 * parseMAC("00-00-5E-00-53-01").toString(); // "00:00:5e:00:53:01"
 * parseMAC("01.02.03.04.05.06");            // throws AddrError "address 01.02.03.04.05.06: invalid MAC address"
 * @throws {AddrError} "invalid MAC address" for anything else.
 */
export function parseMAC(s: string): HardwareAddr {
  const hw = s.length >= 14 ? parseMACBytes(s) : null;
  if (hw === null) throw new AddrError("invalid MAC address", s);
  return hw;
}

function parseMACBytes(s: string): HardwareAddr | null {
  if (s[2] === ":" || s[2] === "-") {
    if ((s.length + 1) % 3 !== 0) return null;
    const n = (s.length + 1) / 3;
    if (n !== 6 && n !== 8 && n !== 20) return null;
    const hw = new HardwareAddr(n);
    for (let i = 0, x = 0; i < n; i++, x += 3) {
      const b = xtoi2(s, x, s.length, s[2]);
      if (b < 0) return null;
      hw[i] = b;
    }
    return hw;
  }
  if (s[4] === ".") {
    if ((s.length + 1) % 5 !== 0) return null;
    const n = (2 * (s.length + 1)) / 5;
    if (n !== 6 && n !== 8 && n !== 20) return null;
    const hw = new HardwareAddr(n);
    for (let i = 0, x = 0; i < n; i += 2, x += 5) {
      const hi = xtoi2(s, x, x + 2, "");
      const lo = xtoi2(s, x + 2, s.length, ".");
      if (hi < 0 || lo < 0) return null;
      hw[i] = hi;
      hw[i + 1] = lo;
    }
    return hw;
  }
  return null;
}
