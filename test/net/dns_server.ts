/**
 * A DNS server for the resolver tests: UDP on 127.0.0.1, answering from a zone held in memory,
 * with messages encoded and decoded by dns-packet. It answers as a recursive resolver does
 * (RA set, CNAME chains followed into the answer), NXDOMAIN for names it does not hold and
 * NODATA for a name without records of the asked type; names may instead be marked to answer
 * SERVFAIL, REFUSED, or late (after a delay) or never. Nothing here sends a packet anywhere
 * but to the client that asked.
 */
import { createSocket, type Socket, type RemoteInfo } from "node:dgram";
import * as packet from "dns-packet";

/** A record of the zone: its type and data, as dns-packet encodes them. */
export type ZoneRecord =
  | { type: "A" | "AAAA" | "CNAME" | "NS" | "PTR"; data: string }
  | { type: "MX"; data: { preference: number; exchange: string } }
  | { type: "SRV"; data: { priority: number; weight: number; port: number; target: string } }
  | { type: "TXT"; data: string[] };

/** How a name misbehaves instead of answering from the zone. */
export type Misbehaviour = { rcode: "SERVFAIL" | "REFUSED" } | { delay: number } | { silent: true };

export interface DNSServerOptions {
  zone: Record<string, ZoneRecord[]>;
  misbehave?: Record<string, Misbehaviour>;
}

/** lower drops a trailing dot and lowers the case: the zone's key for a name. */
function key(name: string): string {
  return name.replace(/\.$/, "").toLowerCase();
}

export class DNSServer {
  readonly #sock: Socket;
  readonly #zone = new Map<string, ZoneRecord[]>();
  readonly #misbehave = new Map<string, Misbehaviour>();
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Every question asked, as "TYPE name", in arrival order. */
  readonly queries: string[] = [];

  private constructor(sock: Socket, opts: DNSServerOptions) {
    this.#sock = sock;
    for (const [name, rrs] of Object.entries(opts.zone)) this.#zone.set(key(name), rrs);
    for (const [name, m] of Object.entries(opts.misbehave ?? {})) this.#misbehave.set(key(name), m);
    sock.on("message", (msg, rinfo) => this.#onMessage(msg, rinfo));
  }

  /** start binds a server to 127.0.0.1 on a port the kernel picks. */
  static async start(opts: DNSServerOptions): Promise<DNSServer> {
    const sock = createSocket("udp4");
    await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", resolve));
    return new DNSServer(sock, opts);
  }

  /** address is "127.0.0.1:PORT", the form Resolver's `servers` takes. */
  get address(): string {
    const a = this.#sock.address();
    return `${a.address}:${a.port}`;
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await new Promise<void>((resolve) => this.#sock.close(() => resolve()));
  }

  #onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    let query: packet.Packet;
    try {
      query = packet.decode(msg);
    } catch {
      return;
    }
    const q = query.questions?.[0];
    if (q === undefined) return;
    this.queries.push(`${q.type} ${key(q.name)}`);
    const reply = (p: Omit<packet.Packet, "id" | "type" | "questions">): void => {
      const out = packet.encode({
        ...p,
        id: query.id,
        type: "response",
        flags: (p.flags ?? 0) | packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE,
        questions: query.questions,
      });
      this.#sock.send(out, rinfo.port, rinfo.address);
    };
    const m = this.#misbehave.get(key(q.name));
    if (m !== undefined) {
      if ("silent" in m) return;
      if ("rcode" in m) return reply({ flags: m.rcode === "SERVFAIL" ? 2 : 5 });
      const t = setTimeout(() => (this.#timers.delete(t), reply(this.#answer(q))), m.delay);
      this.#timers.add(t);
      return;
    }
    reply(this.#answer(q));
  }

  /** answer follows CNAMEs from the question's name and gathers the records of its type. */
  #answer(q: packet.Question): Omit<packet.Packet, "id" | "type" | "questions"> {
    const answers: packet.Answer[] = [];
    let name = key(q.name);
    for (let hops = 0; hops < 8; hops++) {
      const rrs = this.#zone.get(name);
      if (rrs === undefined) return hops === 0 ? { flags: 3 } : { answers };
      const cname = rrs.find((r) => r.type === "CNAME");
      if (cname !== undefined && q.type !== "CNAME") {
        answers.push({ type: "CNAME", name, ttl: 60, data: cname.data as string } as packet.Answer);
        name = key(cname.data as string);
        continue;
      }
      for (const r of rrs) {
        if (r.type === q.type) answers.push({ ...r, name, ttl: 60, class: "IN" } as packet.Answer);
      }
      return { answers };
    }
    return { answers };
  }
}
