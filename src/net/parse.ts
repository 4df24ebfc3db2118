/**
 * Small byte-level parsing helpers shared by the address code, after Go's `net/parse.go`.
 *
 * Go works on the bytes of a UTF-8 string; these helpers work on UTF-16 code units. Every
 * character they accept (digits, hex digits, separators) is ASCII, and a non-ASCII character is
 * one unit here but several bytes in Go, so the two agree on what is accepted and on where a
 * string is cut. All helpers run in time linear in the input and never throw.
 */

/** big bounds the numbers dtoi and xtoi accept: bigger than any field needs, small enough not to overflow. */
export const big = 0xffffff;

/** Parsed is a parsed number: its value, how many characters it used, and whether it is valid. */
export type Parsed = [n: number, used: number, ok: boolean];

/**
 * dtoi reads a decimal number at `s[start:]`, as Go's `dtoi`: no sign, leading zeros allowed,
 * fails once the value reaches {@link big} or when there is no digit.
 */
export function dtoi(s: string, start = 0): Parsed {
  let n = 0;
  let i = start;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
    if (n >= big) return [big, i - start, false];
  }
  if (i === start) return [0, 0, false];
  return [n, i - start, true];
}

/** hexVal gives the value of the hex digit with code `c`, or -1. */
export function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** xtoi reads a hexadecimal number at `s[start:]`, as Go's `xtoi` (fails at {@link big}). */
export function xtoi(s: string, start = 0): Parsed {
  let n = 0;
  let i = start;
  for (; i < s.length; i++) {
    const v = hexVal(s.charCodeAt(i));
    if (v < 0) break;
    n = n * 16 + v;
    if (n >= big) return [0, i - start, false];
  }
  if (i === start) return [0, 0, false];
  return [n, i - start, true];
}

/**
 * xtoi2 reads exactly two hex digits at `s[start:]`; if a third character follows within
 * `end`, it must be `sep` (Go's `xtoi2`). Returns the byte or -1.
 */
export function xtoi2(s: string, start: number, end: number, sep: string): number {
  if (end - start > 2 && s[start + 2] !== sep) return -1;
  if (end - start < 2) return -1;
  const hi = hexVal(s.charCodeAt(start));
  const lo = hexVal(s.charCodeAt(start + 1));
  if (hi < 0 || lo < 0) return -1;
  return hi * 16 + lo;
}

/** hexString formats bytes as plain lower-case hex, as Go's `hexString`. */
export function hexString(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");
}

/** lowerASCII lower-cases only the ASCII letters of `s`, as Go's `lowerASCIIBytes`. */
export function lowerASCII(s: string): string {
  // Fast path: most names are lower case already.
  if (!/[A-Z]/.test(s)) return s;
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** getFields splits a line at ASCII spaces, tabs, CRs and LFs, dropping empty fields (Go's `getFields`). */
export function getFields(line: string): string[] {
  return line.split(/[ \r\t\n]+/).filter((f) => f !== "");
}

/** uncommentedLines splits a text file's contents into lines, each without its comment (`#` to end of line). */
export function uncommentedLines(text: string): string[] {
  return text.split("\n").map((line) => {
    const i = line.indexOf("#");
    return i >= 0 ? line.slice(0, i) : line;
  });
}
