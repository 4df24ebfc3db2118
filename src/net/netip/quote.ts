/**
 * quote is Go's `strconv.Quote` for the strings in error messages: printable characters are
 * kept, control characters and other non-printables are escaped.
 */
import { isPrint } from "./printable.js";

/** "\xNN" for every byte value, so that long runs of escapes stay cheap. */
const byteEscapes = Array.from({ length: 256 }, (_, i) => "\\x" + i.toString(16).padStart(2, "0"));
const named: Record<number, string> = {
  7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v", 0x22: '\\"', 0x5c: "\\\\",
};

/** isPair reports whether s[i] and s[i+1] form a surrogate pair. */
function isPair(s: string, i: number, c: number): boolean {
  if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) return false;
  const d = s.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff;
}

/**
 * escapeAt gives the escape for the character at s[i] (c is its first code unit), or null if
 * it is printable. Go's forms: `\n`-style names, `\xNN` below U+0080, `\uNNNN` in the BMP,
 * `\UNNNNNNNN` above it. A lone surrogate, which UTF-8 cannot hold, becomes the three bytes of
 * its WTF-8 form: the invalid bytes Go would see and escape.
 */
function escapeAt(s: string, i: number, c: number): string | null {
  if (c < 0x80) return named[c] ?? byteEscapes[c]!;
  if (isPair(s, i, c)) {
    const cp = s.codePointAt(i)!;
    return isPrint(cp) ? null : "\\U" + cp.toString(16).padStart(8, "0");
  }
  if (c >= 0xd800 && c <= 0xdfff) {
    return byteEscapes[0xe0 | (c >> 12)]! + byteEscapes[0x80 | ((c >> 6) & 0x3f)]! + byteEscapes[0x80 | (c & 0x3f)]!;
  }
  return isPrint(c) ? null : "\\u" + c.toString(16).padStart(4, "0");
}

/**
 * quote gives `s` in double quotes with Go's escapes (`strconv.Quote`), in time linear in
 * its length.
 */
export function quote(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    const esc = escapeAt(s, i, c);
    const width = isPair(s, i, c) ? 2 : 1;
    if (esc !== null) {
      if (start < i) out += s.slice(start, i);
      out += esc;
      start = i + width;
    }
    i += width - 1;
  }
  return out + s.slice(start) + '"';
}
