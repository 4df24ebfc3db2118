/*
 * The internal interface of sockit's native core.
 *
 * Every file under native/ holds one syscall family. A family exposes two
 * kinds of functions:
 *
 *   - sk_<family>_<verb>(...): the syscall wrapper proper. It takes C values
 *     and returns >= 0 on success or a negative errno on failure, as libuv's
 *     internal calls do. It never touches N-API.
 *   - sk_<family>_<verb>_js(env, info): the N-API entry point that binding.c
 *     registers. It checks argument types (throwing a TypeError only for
 *     misuse of the binding), calls the wrapper and returns its number. It
 *     never throws on a syscall failure; JavaScript builds every error.
 *
 * Nothing here keeps global state: every object lives per napi_env (env.c
 * holds what each environment keeps), so the module is safe to load in
 * worker threads.
 */
#ifndef SOCKIT_BINDING_H_
#define SOCKIT_BINDING_H_

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <node_api.h>

/*
 * The largest iovec count one writev(2)/sendmsg(2) accepts. POSIX calls it
 * IOV_MAX (limits.h), which glibc declares only for _XOPEN_SOURCE or
 * _GNU_SOURCE builds; Linux's own name is UIO_MAXIOV. 1024 is the value on
 * both Linux and macOS, so it is a safe last resort.
 */
#if defined(IOV_MAX)
# define SK_IOV_MAX IOV_MAX
#elif defined(UIO_MAXIOV)
# define SK_IOV_MAX UIO_MAXIOV
#else
# define SK_IOV_MAX 1024
#endif

/*
 * The largest path the file calls take, NUL included. Linux and macOS both
 * define PATH_MAX in limits.h (with _GNU_SOURCE and _DARWIN_C_SOURCE, as
 * binding.gyp sets); 4096 is Linux's value, a last resort elsewhere.
 */
#ifdef PATH_MAX
# define SK_PATH_MAX PATH_MAX
#else
# define SK_PATH_MAX 4096
#endif

/* The slots of recvmsg's `info` Int32Array (msg.c), exported to
 * JavaScript as the SK_RECVMSG_INFO_* constants (constants.c) so that the
 * two sides cannot disagree. SK_RECVMSG_INFO_COUNT is the length `info`
 * must have.
 */
enum {
  SK_RECVMSG_INFO_FAMILY,
  SK_RECVMSG_INFO_ADDRLEN,
  SK_RECVMSG_INFO_PORT,
  SK_RECVMSG_INFO_SCOPE,
  SK_RECVMSG_INFO_FLAGS,
  SK_RECVMSG_INFO_OOBN,
  SK_RECVMSG_INFO_N,
  SK_RECVMSG_INFO_COUNT
};

/* The header slots of the poll loop's ring (poll.c), exported as the
 * SK_POLL_RING_* constants; the entries follow SK_POLL_RING_HEADER.
 */
enum { SK_POLL_RING_BATCH, SK_POLL_RING_SETTLE, SK_POLL_RING_HEADER };

/* The most messages one recvmmsg or sendmmsg call takes (msg.c). */
#define SK_MMSG_MAX 64

/* The slots of spawn's `attr` Int32Array and the bits of its flags slot
 * (process.c; src/sys/binding.ts).
 */
enum {
  SK_SPAWN_FLAGS, SK_SPAWN_PGID, SK_SPAWN_PDEATHSIG, SK_SPAWN_CTTY,
  SK_SPAWN_UID, SK_SPAWN_GID, SK_SPAWN_LISTEN_PID, SK_SPAWN_ATTR_COUNT
};
enum {
  SK_SPAWN_SETSID = 1, SK_SPAWN_SETPGID = 2, SK_SPAWN_NOCTTY = 4,
  SK_SPAWN_SETCTTY = 8, SK_SPAWN_CREDENTIAL = 16, SK_SPAWN_SETGROUPS = 32,
  SK_SPAWN_BLOCKING = 64
};

/* The stage of the child that failed, the first word of the error record. */
enum {
  SK_SPAWN_STAGE_SETSID = 1, SK_SPAWN_STAGE_SETPGID, SK_SPAWN_STAGE_SETGROUPS,
  SK_SPAWN_STAGE_SETGID, SK_SPAWN_STAGE_SETUID, SK_SPAWN_STAGE_CHDIR,
  SK_SPAWN_STAGE_PDEATHSIG, SK_SPAWN_STAGE_DUP, SK_SPAWN_STAGE_NOCTTY,
  SK_SPAWN_STAGE_SETCTTY, SK_SPAWN_STAGE_EXEC
};

/* The slots of wait's `out` Float64Array. */
enum {
  SK_WAIT_STATUS, SK_WAIT_EXITED, SK_WAIT_CODE, SK_WAIT_SIGNALED,
  SK_WAIT_SIGNAL, SK_WAIT_CORE, SK_WAIT_STOPPED, SK_WAIT_STOP_SIGNAL,
  SK_WAIT_CONTINUED, SK_WAIT_UTIME_US, SK_WAIT_STIME_US, SK_WAIT_MAXRSS,
  SK_WAIT_COUNT
};

/* File lock kinds (lock.c), and the slots of lockHolder's `out`. */
enum { SK_LOCK_FLOCK, SK_LOCK_OFD, SK_LOCK_POSIX };
enum {
  SK_LOCK_HOLDER_TYPE, SK_LOCK_HOLDER_START, SK_LOCK_HOLDER_LEN,
  SK_LOCK_HOLDER_PID, SK_LOCK_HOLDER_COUNT
};

/* The slots of mqGetattr's `out` (mq.c). */
enum {
  SK_MQ_ATTR_FLAGS, SK_MQ_ATTR_MAXMSG, SK_MQ_ATTR_MSGSIZE, SK_MQ_ATTR_CURMSGS,
  SK_MQ_ATTR_COUNT
};

/* The smallest `from` recvmsg accepts (SK_RECVMSG_FROM_SIZE in JS): a
 * whole sockaddr_un, so any sun_path the kernel reports fits (Linux may
 * count one NUL past a full 108-byte path, unix(7) BUGS).
 */
#define SK_RECVMSG_FROM_SIZE sizeof(struct sockaddr_un)

/* Argument checking and result helpers (binding.c). On failure each checker
 * has already thrown a TypeError and returns -1; the caller then returns NULL
 * at once so that JavaScript sees the exception.
 */
int sk_napi_args(napi_env env, napi_callback_info info, size_t n,
                 napi_value* argv);
int sk_napi_int(napi_env env, napi_value v, const char* what, int32_t* out);
int sk_napi_size(napi_env env, napi_value v, const char* what, size_t* out);
int sk_napi_bool(napi_env env, napi_value v, const char* what, bool* out);
int sk_napi_path(napi_env env, napi_value v, const char* what, char* buf,
                 size_t size, int* err);
int sk_napi_bytes(napi_env env, napi_value v, const char* what, void** data,
                  size_t* len);
int sk_napi_range(napi_env env, napi_value buf, napi_value off,
                  napi_value len, void** data, size_t* n);
int sk_napi_bytes_or_null(napi_env env, napi_value v, const char* what,
                          void** data, size_t* len);
int sk_napi_int32s(napi_env env, napi_value v, const char* what, size_t min,
                   int32_t** data);
int sk_napi_float64s(napi_env env, napi_value v, const char* what,
                     size_t min, double** data);
napi_value sk_napi_copy(napi_env env, const void* src, size_t len);
napi_value sk_napi_number(napi_env env, int64_t n);
napi_value sk_napi_path_call(napi_env env, napi_callback_info info,
                             int (*fn)(const char* path));
napi_value sk_napi_type_error(napi_env env, const char* message);

/* A name-to-number table, ended by an entry whose name is NULL. The tables
 * end with that terminator rather than relying on their size because every
 * other entry sits under #ifdef and a table may be otherwise empty (ISO C
 * has no zero-length arrays).
 */
typedef struct sk_name_s {
  const char* name;
  int64_t value;
} sk_name_t;

#define SK_NAME(x) { #x, (x) }

int sk_napi_set_names(napi_env env, napi_value obj, const sk_name_t* names);

/* A kernel-reported socket address taken apart (sockaddr.c). For AF_UNIX,
 * addr and len cover exactly the sun_path bytes the kernel counted; for
 * AF_INET and AF_INET6 they cover the 4 or 16 address bytes. addr points
 * into the storage that was parsed.
 */
typedef struct sk_sockaddr_parts_s {
  int family;
  const void* addr;
  size_t len;
  uint32_t port;
  uint32_t scope_id;
} sk_sockaddr_parts_t;

int sk_sockaddr_parse(const struct sockaddr_storage* ss, socklen_t len,
                      sk_sockaddr_parts_t* out);

/* Control messages (cmsg.c). sk_cmsg_walk calls fn for each message of a
 * control buffer, in order, and stops at the first non-zero return, which
 * it passes on; it returns -EINVAL for a malformed buffer, else 0. data
 * may be unaligned: read it with memcpy.
 */
typedef int (*sk_cmsg_fn)(void* arg, int level, int type,
                          const unsigned char* data, size_t n);

int sk_cmsg_walk(const void* control, size_t len, sk_cmsg_fn fn, void* arg);

/* The constants and errnos objects (constants.c, errno.c, errno_ext.c). */
napi_value sk_constants_object(napi_env env);
int sk_constants_add_linux(napi_env env, napi_value obj);
napi_value sk_errno_object(napi_env env);
int sk_errno_add_ext(napi_env env, napi_value obj);

/* Per-environment state (env.c). sk_env_init runs at module
 * initialisation: it makes the environment's state and the cleanup hook
 * that closes, at the environment's teardown, every fd still recorded; it
 * returns 0, or -1 when N-API or memory failed. sk_env_callback_context is
 * the async context shared by every callback into JavaScript (NULL only if
 * N-API failed), and sk_env_call makes such a callback from a libuv
 * callback, handing an exception it throws to Node as uncaught.
 *
 * Every call that hands JavaScript a new fd passes it through sk_env_own
 * (or sk_env_own_pair for two), which records it and returns it; a
 * negative errno passes through, and an fd that cannot be recorded is
 * closed and reported as -ENOMEM, so no fd ever leaves unrecorded.
 * sk_env_own_pair returns 0 or a negative errno, both fds closed on
 * failure. sk_env_disown forgets an fd, before it is closed.
 */
typedef struct sk_env_s sk_env_t;

int sk_env_init(napi_env env);
napi_async_context sk_env_callback_context(napi_env env);
void sk_env_call(napi_env env, napi_ref fn, size_t argc,
                 const napi_value* argv);
int sk_env_own(napi_env env, int fd);
int sk_env_own_pair(napi_env env, const int fds[2]);
void sk_env_disown(napi_env env, int fd);

/* Waits on a waiter thread of their own (waiter.c). sk_waiter_start runs
 * ops->run(arg) on a new thread, again after each EINTR until cancelled,
 * and calls the JavaScript callback with its result; it returns the wait's
 * handle for waiterCancel, or a negative errno number (the thread could not
 * be made), or NULL with an exception pending. ops->abandon(arg, result),
 * if set, runs instead of the callback when the environment is torn down;
 * ops->release(arg) frees arg, on the loop's thread, whatever the outcome
 * (at once when the wait cannot start).
 */
typedef struct sk_waiter_s sk_waiter_t;
typedef struct sk_waiter_ops_s {
  int (*run)(void* arg);
  void (*abandon)(void* arg, int result);
  void (*release)(void* arg);
} sk_waiter_ops_t;

napi_value sk_waiter_start(napi_env env, napi_value callback,
                           const sk_waiter_ops_t* ops, void* arg);
/* The signal that interrupts a waiter thread, which nothing else may use. */
int sk_waiter_signal(void);

/* N-API entry points, one per function of the manifest (src/sys/binding.ts)
 * and in its order, grouped by family. test/sys/manifest.test.ts checks
 * that this list, binding.c's table and the manifest agree.
 */
napi_value sk_socket_open_js(napi_env env, napi_callback_info info);
napi_value sk_socket_pair_js(napi_env env, napi_callback_info info);
napi_value sk_socket_close_js(napi_env env, napi_callback_info info);
napi_value sk_socket_bind_js(napi_env env, napi_callback_info info);
napi_value sk_socket_listen_js(napi_env env, napi_callback_info info);
napi_value sk_socket_accept_js(napi_env env, napi_callback_info info);
napi_value sk_socket_connect_js(napi_env env, napi_callback_info info);
napi_value sk_socket_shutdown_js(napi_env env, napi_callback_info info);

napi_value sk_io_read_js(napi_env env, napi_callback_info info);
napi_value sk_io_write_js(napi_env env, napi_callback_info info);
napi_value sk_io_send_js(napi_env env, napi_callback_info info);
napi_value sk_io_writev_js(napi_env env, napi_callback_info info);

napi_value sk_sockopt_get_int_js(napi_env env, napi_callback_info info);
napi_value sk_sockopt_set_int_js(napi_env env, napi_callback_info info);
napi_value sk_sockopt_set_linger_js(napi_env env, napi_callback_info info);
napi_value sk_sockopt_set_bytes_js(napi_env env, napi_callback_info info);
napi_value sk_sockopt_get_bytes_js(napi_env env, napi_callback_info info);
napi_value sk_sockopt_peer_credentials_js(napi_env env,
                                          napi_callback_info info);

napi_value sk_sockaddr_inet_js(napi_env env, napi_callback_info info);
napi_value sk_sockaddr_unix_js(napi_env env, napi_callback_info info);
napi_value sk_sockaddr_getsockname_js(napi_env env, napi_callback_info info);
napi_value sk_sockaddr_getpeername_js(napi_env env, napi_callback_info info);
napi_value sk_sockaddr_netlink_js(napi_env env, napi_callback_info info);
napi_value sk_sockaddr_linklayer_js(napi_env env, napi_callback_info info);
napi_value sk_sockaddr_vm_js(napi_env env, napi_callback_info info);
napi_value sk_sockaddr_decode_js(napi_env env, napi_callback_info info);
napi_value sk_sockaddr_getsockname_any_js(napi_env env,
                                          napi_callback_info info);
napi_value sk_sockaddr_getpeername_any_js(napi_env env,
                                          napi_callback_info info);

napi_value sk_msg_recv_js(napi_env env, napi_callback_info info);
napi_value sk_msg_send_js(napi_env env, napi_callback_info info);
napi_value sk_msg_recv_raw_js(napi_env env, napi_callback_info info);
napi_value sk_msg_recvmmsg_js(napi_env env, napi_callback_info info);
napi_value sk_msg_sendmmsg_js(napi_env env, napi_callback_info info);

napi_value sk_cmsg_space_js(napi_env env, napi_callback_info info);
napi_value sk_cmsg_unix_rights_js(napi_env env, napi_callback_info info);
napi_value sk_cmsg_parse_js(napi_env env, napi_callback_info info);
napi_value sk_cmsg_unix_credentials_js(napi_env env, napi_callback_info info);

napi_value sk_iface_name_to_index_js(napi_env env, napi_callback_info info);
napi_value sk_iface_index_to_name_js(napi_env env, napi_callback_info info);

napi_value sk_file_pipe_js(napi_env env, napi_callback_info info);
napi_value sk_file_mkfifo_js(napi_env env, napi_callback_info info);
napi_value sk_file_dup_js(napi_env env, napi_callback_info info);
napi_value sk_file_set_nonblock_js(napi_env env, napi_callback_info info);
napi_value sk_file_fstat_js(napi_env env, napi_callback_info info);
napi_value sk_file_stat_js(napi_env env, napi_callback_info info);

napi_value sk_process_spawn_js(napi_env env, napi_callback_info info);
napi_value sk_process_wait_js(napi_env env, napi_callback_info info);
napi_value sk_process_pidfd_js(napi_env env, napi_callback_info info);
napi_value sk_process_kill_js(napi_env env, napi_callback_info info);
napi_value sk_process_signal_disposition_js(napi_env env, napi_callback_info info);

napi_value sk_poll_loop_js(napi_env env, napi_callback_info info);
napi_value sk_poll_open_js(napi_env env, napi_callback_info info);
napi_value sk_poll_update_js(napi_env env, napi_callback_info info);
napi_value sk_poll_ref_js(napi_env env, napi_callback_info info);
napi_value sk_poll_close_js(napi_env env, napi_callback_info info);

napi_value sk_env_adopt_js(napi_env env, napi_callback_info info);

napi_value sk_lock_try_js(napi_env env, napi_callback_info info);
napi_value sk_lock_wait_js(napi_env env, napi_callback_info info);
napi_value sk_lock_holder_js(napi_env env, napi_callback_info info);

napi_value sk_waiter_cancel_js(napi_env env, napi_callback_info info);

napi_value sk_mq_open_js(napi_env env, napi_callback_info info);
napi_value sk_mq_send_js(napi_env env, napi_callback_info info);
napi_value sk_mq_receive_js(napi_env env, napi_callback_info info);
napi_value sk_mq_getattr_js(napi_env env, napi_callback_info info);
napi_value sk_mq_unlink_js(napi_env env, napi_callback_info info);

napi_value sk_sem_open_js(napi_env env, napi_callback_info info);
napi_value sk_sem_close_js(napi_env env, napi_callback_info info);
napi_value sk_sem_try_wait_js(napi_env env, napi_callback_info info);
napi_value sk_sem_wait_js(napi_env env, napi_callback_info info);
napi_value sk_sem_post_js(napi_env env, napi_callback_info info);
napi_value sk_sem_get_value_js(napi_env env, napi_callback_info info);
napi_value sk_sem_unlink_js(napi_env env, napi_callback_info info);

napi_value sk_shm_open_js(napi_env env, napi_callback_info info);
napi_value sk_shm_unlink_js(napi_env env, napi_callback_info info);
napi_value sk_shm_truncate_js(napi_env env, napi_callback_info info);
napi_value sk_shm_map_js(napi_env env, napi_callback_info info);
napi_value sk_shm_detach_js(napi_env env, napi_callback_info info);

/* copy.c */
napi_value sk_copy_splice_js(napi_env env, napi_callback_info info);
napi_value sk_copy_counters_js(napi_env env, napi_callback_info info);
napi_value sk_copy_job_js(napi_env env, napi_callback_info info);

#endif  /* SOCKIT_BINDING_H_ */
