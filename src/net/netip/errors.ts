/**
 * The errors of package netip. Go returns plain `errors.New` values and an unexported
 * `parseAddrError`; here they are typed so that callers can tell them apart, with Go's texts.
 */
import { NetError, brand } from "../../sys/errors.js";
import { quote } from "./quote.js";

/**
 * NetipError is an error from package netip, with Go's text: `netip.ParsePrefix("1.2.3.4"):
 * no '/'`, `invalid port "x" parsing "1.2.3.4:x"`, `prefix length 33 too large for IPv4`.
 *
 * Go: these are plain `errors.New` values in Go.
 */
export class NetipError extends NetError {
  override readonly name: string = "NetipError";
  readonly code: string = "ERR_SOCKIT_NETIP";
  constructor(message: string) {
    super(message);
  }
}
brand(NetipError, "NetipError");

/**
 * ParseAddrError is the error of `parseAddr`: `ParseAddr("1.2.3"): IPv4 address too short`,
 * with the rest of the input where parsing stopped when known:
 * `ParseAddr("1.2.3.x"): unexpected character (at "x")`.
 *
 * Go: `netip.parseAddrError`, unexported in Go.
 */
export class ParseAddrError extends NetipError {
  override readonly name: string = "ParseAddrError";
  override readonly code: string = "ERR_SOCKIT_NETIP_PARSE_ADDR";
  constructor(
    /** The string given to parseAddr. */
    readonly input: string,
    /** Why it failed. */
    readonly msg: string,
    /** The unparsed rest of the input where the error was found, or "". */
    readonly at = "",
  ) {
    super(`ParseAddr(${quote(input)}): ${msg}` + (at !== "" ? ` (at ${quote(at)})` : ""));
  }
}
brand(ParseAddrError, "ParseAddrError");
