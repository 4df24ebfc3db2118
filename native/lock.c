/*
 * File locks: flock(2)'s whole-file locks, and fcntl(2)'s byte-range locks
 * of both kinds, owned by an open file description (F_OFD_*, Linux 3.15)
 * or by the process (the classic POSIX record locks, F_SETLK).
 *
 * One vocabulary for all three: a kind (SK_LOCK_FLOCK, SK_LOCK_OFD,
 * SK_LOCK_POSIX) and fcntl's lock types (F_RDLCK shared, F_WRLCK
 * exclusive, F_UNLCK none), with a range that flock ignores. lockTry never
 * waits; lockWait makes the same call in its waiting form on a waiter
 * thread (waiter.c), where it blocks until the lock is granted, the kernel
 * refuses it (EDEADLK), or the wait is cancelled (EINTR). What a conflict
 * means, an upgrade that flock could not keep, and what to undo after a
 * cancel are decided in TypeScript (src/ipc/filelock.ts).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>

#include "binding.h"

/* One lock call's arguments, copied for the waiter thread. */
typedef struct sk_lock_req_s {
  int fd;
  int kind;
  int type;
  off_t start;
  off_t len;
} sk_lock_req_t;

static int sk_lock_flock(const sk_lock_req_t* r, int wait) {
  int how;

  if (r->type == F_RDLCK)
    how = LOCK_SH;
  else if (r->type == F_WRLCK)
    how = LOCK_EX;
  else
    how = LOCK_UN;
  if (!wait)
    how |= LOCK_NB;
  return flock(r->fd, how) == -1 ? -errno : 0;
}

/* The fcntl command for a kind; 0 where the platform lacks OFD locks. */
static int sk_lock_cmd(int kind, int op) {
  if (kind == SK_LOCK_POSIX)
    return op == 0 ? F_SETLK : op == 1 ? F_SETLKW : F_GETLK;
#ifdef F_OFD_SETLK
  return op == 0 ? F_OFD_SETLK : op == 1 ? F_OFD_SETLKW : F_OFD_GETLK;
#else
  return 0;
#endif
}

static void sk_lock_fill(const sk_lock_req_t* r, struct flock* fl) {
  /* OFD locks require l_pid to be 0 (fcntl(2)). */
  memset(fl, 0, sizeof(*fl));
  fl->l_type = (short) r->type;
  fl->l_whence = SEEK_SET;
  fl->l_start = r->start;
  fl->l_len = r->len;
}

/* op: 0 set without waiting, 1 set waiting, 2 get. */
static int sk_lock_fcntl(const sk_lock_req_t* r, int op, struct flock* fl) {
  int cmd;

  cmd = sk_lock_cmd(r->kind, op);
  if (cmd == 0)
    return -EINVAL;
  sk_lock_fill(r, fl);
  return fcntl(r->fd, cmd, fl) == -1 ? -errno : 0;
}

static int sk_lock_set(const sk_lock_req_t* r, int wait) {
  struct flock fl;

  if (r->kind == SK_LOCK_FLOCK)
    return sk_lock_flock(r, wait);
  return sk_lock_fcntl(r, wait, &fl);
}

static int sk_lock_run(void* arg) {
  return sk_lock_set(arg, 1);
}

static void sk_lock_release(void* arg) {
  free(arg);
}

static const sk_waiter_ops_t sk_lock_waiter_ops = {
  sk_lock_run,
  NULL, /* At teardown the fd is closed, which lets go of what was taken. */
  sk_lock_release
};

/* Reads (fd, kind, type, start, len) from argv; a TypeError for anything
 * out of range, so the kernel sees only what the manifest promises.
 */
static int sk_lock_args(napi_env env, napi_value* argv, sk_lock_req_t* r) {
  size_t start;
  size_t len;

  if (sk_napi_int(env, argv[0], "fd", &r->fd) ||
      sk_napi_int(env, argv[1], "kind", &r->kind) ||
      sk_napi_int(env, argv[2], "type", &r->type) ||
      sk_napi_size(env, argv[3], "start", &start) ||
      sk_napi_size(env, argv[4], "len", &len)) {
    return -1;
  }
  if (r->kind < SK_LOCK_FLOCK || r->kind > SK_LOCK_POSIX) {
    sk_napi_type_error(env, "sockit: kind must be an SK_LOCK_* kind");
    return -1;
  }
  if (r->type != F_RDLCK && r->type != F_WRLCK && r->type != F_UNLCK) {
    sk_napi_type_error(env, "sockit: type must be F_RDLCK, F_WRLCK or F_UNLCK");
    return -1;
  }
  r->start = (off_t) start;
  r->len = (off_t) len;
  return 0;
}

napi_value sk_lock_try_js(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  sk_lock_req_t r;

  if (sk_napi_args(env, info, 5, argv) || sk_lock_args(env, argv, &r))
    return NULL;
  if (r.fd < 0)
    return sk_napi_number(env, -EBADF);
  return sk_napi_number(env, sk_lock_set(&r, 0));
}

napi_value sk_lock_wait_js(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  sk_lock_req_t r;
  sk_lock_req_t* arg;

  if (sk_napi_args(env, info, 6, argv) || sk_lock_args(env, argv, &r))
    return NULL;
  if (r.fd < 0)
    return sk_napi_number(env, -EBADF);
  if (r.kind != SK_LOCK_FLOCK && sk_lock_cmd(r.kind, 1) == 0)
    return sk_napi_number(env, -EINVAL);
  arg = malloc(sizeof(*arg));
  if (arg == NULL)
    return sk_napi_number(env, -ENOMEM);
  *arg = r;
  return sk_waiter_start(env, argv[5], &sk_lock_waiter_ops, arg);
}

/* F_GETLK or F_OFD_GETLK: would a lock of `type` on the range be granted?
 * out[SK_LOCK_HOLDER_TYPE] is F_UNLCK if so; else the slots describe one
 * lock in the way: its type, start, length (0: to the end of the file) and
 * pid (-1 for an OFD lock, which no process owns).
 */
napi_value sk_lock_holder_js(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  struct flock fl;
  sk_lock_req_t r;
  double* out;
  int rc;

  if (sk_napi_args(env, info, 6, argv) || sk_lock_args(env, argv, &r) ||
      sk_napi_float64s(env, argv[5], "out", SK_LOCK_HOLDER_COUNT, &out)) {
    return NULL;
  }
  if (r.fd < 0)
    return sk_napi_number(env, -EBADF);
  if (r.kind == SK_LOCK_FLOCK || r.type == F_UNLCK)
    return sk_napi_number(env, -EINVAL);
  rc = sk_lock_fcntl(&r, 2, &fl);
  if (rc == 0) {
    out[SK_LOCK_HOLDER_TYPE] = fl.l_type;
    out[SK_LOCK_HOLDER_START] = (double) fl.l_start;
    out[SK_LOCK_HOLDER_LEN] = (double) fl.l_len;
    out[SK_LOCK_HOLDER_PID] = fl.l_pid;
  }
  return sk_napi_number(env, rc);
}
