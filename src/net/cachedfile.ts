/**
 * CachedFile: a small system file (/etc/hosts, /etc/resolv.conf) read once and parsed, then
 * re-read only when its modification time or size changed, and checked at most every five
 * seconds, as Go's resolver treats both files.
 */
import { readFile, stat } from "node:fs/promises";

/** How long a parsed file is trusted before its stat is checked again (Go's cacheMaxAge). */
const maxAge = 5000;

export class CachedFile<T> {
  #value: T | null = null;
  #checked = 0;
  #mtime = -1;
  #size = -1;
  #pending: Promise<T> | null = null;

  constructor(
    readonly path: string,
    private readonly parse: (text: string | null) => T,
  ) {}

  /** get gives the parsed file (a missing or unreadable file parses as null text). */
  get(): Promise<T> {
    if (this.#value !== null && Date.now() - this.#checked < maxAge) return Promise.resolve(this.#value);
    this.#pending ??= this.#refresh().finally(() => (this.#pending = null));
    return this.#pending;
  }

  async #refresh(): Promise<T> {
    this.#checked = Date.now();
    let mtime = -1;
    let size = -1;
    try {
      const st = await stat(this.path);
      mtime = st.mtimeMs;
      size = st.size;
    } catch {
      // Missing: parsed as null below.
    }
    if (this.#value !== null && mtime === this.#mtime && size === this.#size) return this.#value;
    let text: string | null = null;
    if (mtime !== -1) {
      try {
        text = await readFile(this.path, "utf8");
      } catch {
        text = null;
      }
    }
    this.#mtime = mtime;
    this.#size = size;
    this.#value = this.parse(text);
    return this.#value;
  }
}
