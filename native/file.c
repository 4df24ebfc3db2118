/*
 * Descriptors that are not sockets: pipes, FIFOs and files, and the calls
 * every descriptor shares (dup, the O_NONBLOCK switch, fstat), for the
 * ipc layer's pipes and named pipes.
 *
 * As in socket.c, every descriptor made here is close-on-exec from birth:
 * pipe2(2) and F_DUPFD_CLOEXEC set it atomically, so no fork in another
 * thread can leak the fd into a child. Pipes are non-blocking from birth
 * too. Opening paths is not here: the ipc layer uses Node's fs.open (libuv
 * adds O_CLOEXEC) with O_NONBLOCK, which keeps even a FIFO's open bounded.
 * Pipe ends and dups are recorded as the environment's, as socket.c's fds
 * are (sk_env_own, env.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "binding.h"

/* pipe2(2) is in Linux and the BSDs but not in macOS, which also has no
 * feature macro to test for it; libuv's uv_pipe decides by system too.
 */
#if defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__) || \
    defined(__OpenBSD__)
# define SK_HAVE_PIPE2 1
#endif

/* The slots of fstat's and stat's `out` (src/sys/binding.ts). */
enum {
  SK_FILE_STAT_MODE, SK_FILE_STAT_DEV, SK_FILE_STAT_INO, SK_FILE_STAT_SIZE,
  SK_FILE_STAT_COUNT
};

#ifndef SK_HAVE_PIPE2
/* Gives a pipe end the flags pipe2 would have set atomically, in the same
 * short window socket.c's fcntl fallback accepts on macOS.
 */
static int sk_file_prepare(int fd) {
  int flags;

  if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
    return -errno;
  flags = fcntl(fd, F_GETFL);
  if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
    return -errno;
  return 0;
}
#endif

/* Both ends or neither: when an end cannot be prepared, both are closed,
 * since the caller never got to own them.
 */
static int sk_file_pipe(int fds[2]) {
#ifdef SK_HAVE_PIPE2
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC))
    return -errno;
  return 0;
#else
  int err;

  if (pipe(fds))
    return -errno;
  err = sk_file_prepare(fds[0]);
  if (err == 0)
    err = sk_file_prepare(fds[1]);
  if (err < 0) {
    close(fds[0]);
    close(fds[1]);
  }
  return err;
#endif
}

/* mkfifo(3) makes a name and no descriptor, and never waits, so there is
 * no EINTR to retry.
 */
static int sk_file_mkfifo(const char* path, int mode) {
  if (mkfifo(path, (mode_t) mode))
    return -errno;
  return 0;
}

/* F_DUPFD_CLOEXEC (POSIX.1-2008, in Linux since 2.6.24 and in macOS) sets
 * close-on-exec atomically, which dup(2) cannot. The copy shares the open
 * file description, and so its O_NONBLOCK, with the original.
 */
static int sk_file_dup(int fd) {
  int nfd;

  nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  return nfd == -1 ? -errno : nfd;
}

/* O_NONBLOCK belongs to the open file description, so the change is seen
 * through every dup of fd and by any other process sharing it (a pipe
 * inherited as stdin, say). An fd already in the wanted state is left
 * alone, saving the F_SETFL, as libuv's uv__nonblock_fcntl does.
 */
static int sk_file_set_nonblock(int fd, bool on) {
  int flags;
  int want;

  flags = fcntl(fd, F_GETFL);
  if (flags == -1)
    return -errno;
  want = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
  if (want != flags && fcntl(fd, F_SETFL, want) == -1)
    return -errno;
  return 0;
}

/* Writes the facts of st that the manifest lists. A double holds every
 * mode, and device, inode and size numbers up to 2^53, past what any file
 * system hands out in practice.
 */
static void sk_file_report(const struct stat* st, double* out) {
  out[SK_FILE_STAT_MODE] = (double) st->st_mode;
  out[SK_FILE_STAT_DEV] = (double) st->st_dev;
  out[SK_FILE_STAT_INO] = (double) st->st_ino;
  out[SK_FILE_STAT_SIZE] = (double) st->st_size;
}

/* pipe(out): the read end goes to out[0], the write end to out[1]; both
 * are written only on success.
 */
napi_value sk_file_pipe_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t* out;
  int fds[2];
  int err;

  if (sk_napi_args(env, info, 1, argv) ||
      sk_napi_int32s(env, argv[0], "out", 2, &out)) {
    return NULL;
  }
  err = sk_file_pipe(fds);
  if (err == 0)
    err = sk_env_own_pair(env, fds);
  if (err == 0) {
    out[0] = fds[0];
    out[1] = fds[1];
  }
  return sk_napi_number(env, err);
}

/* mkfifo(path, mode). The path lives on the stack: SK_PATH_MAX bytes are
 * 4 KiB, well within the stack of the main thread and of workers.
 */
napi_value sk_file_mkfifo_js(napi_env env, napi_callback_info info) {
  char path[SK_PATH_MAX];
  napi_value argv[2];
  int32_t mode;
  int err;

  if (sk_napi_args(env, info, 2, argv) ||
      sk_napi_path(env, argv[0], "path", path, sizeof(path), &err) ||
      sk_napi_int(env, argv[1], "mode", &mode)) {
    return NULL;
  }
  if (err)
    return sk_napi_number(env, err);
  return sk_napi_number(env, sk_file_mkfifo(path, mode));
}

napi_value sk_file_dup_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;

  if (sk_napi_args(env, info, 1, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd)) {
    return NULL;
  }
  return sk_napi_number(env, sk_env_own(env, sk_file_dup(fd)));
}

napi_value sk_file_set_nonblock_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  bool on;

  if (sk_napi_args(env, info, 2, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_bool(env, argv[1], "on", &on)) {
    return NULL;
  }
  return sk_napi_number(env, sk_file_set_nonblock(fd, on));
}

/* fstat(fd, out): out is written only on success. */
napi_value sk_file_fstat_js(napi_env env, napi_callback_info info) {
  struct stat st;
  napi_value argv[2];
  double* out;
  int32_t fd;

  if (sk_napi_args(env, info, 2, argv) ||
      sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_float64s(env, argv[1], "out", SK_FILE_STAT_COUNT, &out)) {
    return NULL;
  }
  if (fstat(fd, &st))
    return sk_napi_number(env, -errno);
  sk_file_report(&st, out);
  return sk_napi_number(env, 0);
}

/* stat(path, out): follows symbolic links, as stat(2) does; out is written
 * only on success.
 */
napi_value sk_file_stat_js(napi_env env, napi_callback_info info) {
  char path[SK_PATH_MAX];
  struct stat st;
  napi_value argv[2];
  double* out;
  int err;

  if (sk_napi_args(env, info, 2, argv) ||
      sk_napi_path(env, argv[0], "path", path, sizeof(path), &err) ||
      sk_napi_float64s(env, argv[1], "out", SK_FILE_STAT_COUNT, &out)) {
    return NULL;
  }
  if (err)
    return sk_napi_number(env, err);
  if (stat(path, &st))
    return sk_napi_number(env, -errno);
  sk_file_report(&st, out);
  return sk_napi_number(env, 0);
}
