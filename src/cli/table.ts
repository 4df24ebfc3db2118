/**
 * Text for people, from the command: tables (columns padded to their widest cell, numbers
 * right-aligned, two spaces between columns), addresses, and errors on one line.
 */

/** Alignment of a column's cells. */
export type Align = "left" | "right";

/** A column of a {@link formatTable} table: its header and how its cells line up. */
export interface Column {
  header: string;
  align?: Align;
}

/**
 * formatTable lays out `rows` under `columns` and returns the lines, header first, then a
 * rule of dashes, then one line per row; trailing spaces are trimmed. Missing cells are empty.
 *
 * @example
 * formatTable([{ header: "network" }, { header: "ms", align: "right" }], [["tcp", "0.120"]]);
 * // ["network     ms", "-------  -----", "tcp      0.120"]
 */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? "";
        return c.align === "right" ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
      })
      .join("  ")
      .trimEnd();
  return [
    line(columns.map((c) => c.header)),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.map(line),
  ];
}

/**
 * showAddr renders an address for people: "-" for none, "(unnamed)" for an unbound unix
 * socket (whose name is empty, as unix(7) calls it), else Go's form.
 *
 * @example
 * showAddr(conn.localAddr()); // "127.0.0.1:41234"
 */
export function showAddr(a: { toString(): string } | null): string {
  if (a === null) return "-";
  const s = a.toString();
  return s === "" ? "(unnamed)" : s;
}

/**
 * oneLine gives an error's message on one line, never its stack.
 *
 * @example
 * oneLine(err); // "dial tcp 127.0.0.1:1: connect: connection refused"
 */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\n\s*/g, " ");
}
