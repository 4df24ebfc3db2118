/**
 * quote is Go's `strconv.Quote` for the strings in error messages: printable characters are
 * kept, control characters and other non-printables are escaped.
 */

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const named: Record<number, string> = { 7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v" };

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/**
 * quoteRune escapes one code point as Go does: `\a`-style names, `\xNN` below U+0080,
 * `\uNNNN` in the BMP, `\UNNNNNNNN` above it.
 */
function quoteRune(cp: number): string {
  if (cp === 0x22) return '\\"';
  if (cp === 0x5c) return "\\\\";
  if (cp >= 0x20 && cp < 0x7f) return String.fromCharCode(cp);
  if (cp >= 0x80) {
    const ch = String.fromCodePoint(cp);
    if (printable.test(ch)) return ch;
  }
  const name = named[cp];
  if (name !== undefined) return name;
  if (cp < 0x20 || cp === 0x7f) return "\\x" + hex(cp, 2);
  if (cp < 0x10000) return "\\u" + hex(cp, 4);
  return "\\U" + hex(cp, 8);
}

/**
 * quote gives `s` in double quotes with Go's escapes. A lone surrogate (which UTF-8 cannot
 * hold) is escaped as the three bytes of its WTF-8 form, the bytes Go would see and escape.
 */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i)!;
    if (cp > 0xffff) {
      out += quoteRune(cp);
      i++;
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      out += `\\x${hex(0xe0 | (cp >> 12), 2)}\\x${hex(0x80 | ((cp >> 6) & 0x3f), 2)}\\x${hex(0x80 | (cp & 0x3f), 2)}`;
    } else {
      out += quoteRune(cp);
    }
  }
  return out + '"';
}
