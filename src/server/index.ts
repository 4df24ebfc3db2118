/**
 * The server toolkit: {@link serve} (Go's http.Server shape for raw conns) and {@link pool}
 * (its client side). This module only re-exports.
 */
export { serve, Server, type Handler, type Closable, type ServeOptions, type ServeStats, type ShutdownOptions } from "./serve.js";
export { ServerConn, type ConnState } from "./conn.js";
export { pool, Pool, ErrPoolClosed, type PoolDialer, type PoolOptions, type AcquireOptions } from "./pool.js";
