/**
 * sockit: Go's net package and Go's IPC support for TypeScript on Node.js.
 *
 * This module only re-exports; everything it does not export is private.
 */
export { NetError, Errno, SyscallError, errorIs } from "./sys/errors.js";
export { BindingError } from "./sys/binding.js";
export { ErrClosed, ErrDeadlineExceeded } from "./poll/errors.js";
export {
  OpError,
  AddrError,
  UnknownNetworkError,
  InvalidAddrError,
  ParseError,
  DNSError,
  ErrWriteToConnected,
  type Addr,
} from "./net/errors.js";
export * from "./net/address.js";
export * as netip from "./netip.js";
export * as syscall from "./syscall/index.js";
export type { Conn, DeadlineTime, HalfCloser } from "./net/conn.js";
export { canHalfClose } from "./net/conn.js";
export { SocketConn } from "./net/conn.js";
export type { Listener } from "./net/listener.js";
export { SocketListener } from "./net/listener.js";
export { TCPConn, TCPListener } from "./net/tcpsock.js";
export { UnixConn, UnixListener, type Ucred } from "./net/unixsock.js";
export { UDPConn, type MulticastInterface } from "./net/udpsock.js";
export { IPConn } from "./net/iprawsock.js";
export { listenMulticastUDP } from "./net/udpsock_posix.js";
export {
  PacketSocketConn,
  type PacketConn,
  type ReadFromResult,
  type ReadMsgResult,
  type Datagram,
  type Message,
} from "./net/packetconn.js";
export {
  dial,
  listen,
  listenPacket,
  Dialer,
  ListenConfig,
  type DialOptions,
  type DialerOptions,
  type ListenOptions,
  type ListenConfigOptions,
  type ControlFunc,
} from "./net/dial.js";
export { toWebStreams, type ConnStreams } from "./net/stream.js";
export { toSocket, toDuplex, ConnSocket, type ToSocketOptions } from "./node/socket.js";
export {
  httpAgent, httpsAgent, serveHTTP, SockitAgent, SockitHttpsAgent, type AgentOptions, type HTTPService, type ServeHTTPOptions,
} from "./node/http.js";
export { tlsClient, tlsServer, TLSConn, type ConnectionState } from "./node/tls.js";
export {
  undiciConnect, type UndiciConnector, type UndiciConnectOptions, type UndiciConnectorOptions,
} from "./node/undici.js";
export {
  unixRights,
  oobSpace,
  parseControlMessages,
  parseUnixRights,
  unixCredentials,
  unixCredentialsSpace,
  parseUnixCredentials,
  MSG_TRUNC,
  MSG_CTRUNC,
  type ControlMessage,
} from "./net/cmsg.js";
export { netPipe, PipeConn, ErrClosedPipe } from "./net/pipe.js";
export { RawConn } from "./poll/rawconn.js";
export { File, newFile } from "./ipc/file.js";
export { pipe, mkfifo } from "./ipc/pipe.js";
export {
  openFile,
  O_RDONLY,
  O_WRONLY,
  O_RDWR,
  O_APPEND,
  O_CREATE,
  O_EXCL,
  O_SYNC,
  O_TRUNC,
  type OpenFlag,
  type OpenOptions,
} from "./ipc/open.js";
export { PathError, ErrFileClosed } from "./ipc/errors.js";
export { ErrNoDeadline, ErrFileClosing } from "./poll/errors.js";
export { fileConn, fileListener, filePacketConn, socketpair } from "./net/file_posix.js";
export {
  command,
  Cmd,
  ExitError,
  CmdError,
  type CmdOptions,
  type Credential,
  type FDHolder,
  type OutputSink,
  type StdinSource,
  type SysProcAttr,
} from "./ipc/exec.js";
export { lookPath, ExecError, ErrNotFound, ErrDot } from "./ipc/lookpath.js";
export { Process, ProcessState, type ProcessUsage } from "./ipc/process.js";
export { ErrProcessDone, ErrProcessReleased } from "./ipc/errors.js";
export {
  lockFile,
  tryLockFile,
  FileLock,
  type LockKind,
  type LockMode,
  type LockOptions,
  type LockFileOptions,
  type LockWaitOptions,
  type LockHolder,
} from "./ipc/filelock.js";
export {
  mq,
  MessageQueue,
  type MQOpenOptions,
  type MQAttributes,
  type MQReceived,
  type MQMessage,
} from "./ipc/mq.js";
export { sem, Semaphore, type SemOpenOptions, type SemWaitOptions } from "./ipc/sem.js";
export type { NamedOpenOptions } from "./ipc/ipcname.js";
export { shm, SharedMemory, type ShmOpenOptions } from "./ipc/shm.js";
export { signalName, signalNumber, type Signal, type SignalName } from "./ipc/signame.js";
export {
  listenFDs,
  sdNotify,
  sdWatchdogEnabled,
  ActivationError,
  type ListenFD,
  type ListenFDsOptions,
  type SdNotifyOptions,
  type SdWatchdogOptions,
} from "./ipc/activation.js";
export {
  signals,
  Subscription,
  SignalError,
  type NotifyOptions,
  type NotifyContextOptions,
  type SignalContext,
} from "./ipc/signal.js";
export type { AcceptOptions } from "./net/listener.js";
export {
  Interface, Flags, FlagUp, FlagBroadcast, FlagLoopback, FlagPointToPoint, FlagMulticast,
  interfaces, interfaceByName, interfaceByIndex, interfaceAddrs, type InterfaceInit,
} from "./net/interface.js";
export { rawSocketConn, rawSocketListener, rawSocketPacketConn } from "./net/file_rawsocket.js";
export {
  activeHandles, setWaitTiming, type ActiveHandle, type FDStats, type DialStartMessage, type DialEndMessage,
  type DialErrorMessage, type ListenMessage, type AcceptMessage, type CloseMessage,
} from "./poll/diag.js";
export {
  serve, Server, ServerConn, pool, Pool, ErrPoolClosed,
  type Handler, type Closable, type ServeOptions, type ServeStats, type ShutdownOptions, type ConnState,
  type PoolDialer, type PoolOptions, type AcquireOptions,
} from "./server/index.js";
export { framed, FramedConn, type ByteStream, type FramedOptions, type Framer } from "./codec/framed.js";
export {
  lengthField, lengthFieldPrepender, type LengthFieldOptions, type LengthFieldPrependerOptions, type LengthFieldLength,
  type ByteOrder,
} from "./codec/lengthfield.js";
export { delimiter, lines, type DelimiterOptions, type LinesOptions, type Delimiter } from "./codec/delimiter.js";
export { fixedLength, uvarint, putUvarint, uvarintLen, type UvarintOptions } from "./codec/fixed.js";
export { Reader, type Line } from "./codec/bufio.js";
export {
  FrameError, ErrUnexpectedEOF, ErrBufferFull, ErrNegativeCount, ErrNoProgress, ErrOverflow, type FrameErrorCode,
} from "./codec/errors.js";
export { FrameDecoder, MORE, FRAME, SKIP, type Codec, type FrameEncoder, type Step } from "./codec/codec.js";
export { copy, copyCounters, type CopySource, type CopySink, type CopyOptions } from "./poll/copy.js";
