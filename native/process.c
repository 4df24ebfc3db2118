/*
 * Child processes: fork and exec with Go's process attributes, the wait
 * for a child's exit, and signals to a process (os/exec, os.Process).
 *
 * Why not libuv's uv_spawn, which Node's child_process uses. Go's exec
 * promises what uv_spawn cannot give: a signal ignored in the parent stays
 * ignored in the child (uv_spawn resets every disposition to SIG_DFL), the
 * child's user and system CPU time and whether it dumped core (libuv
 * reaps with waitpid and reports only the exit code and signal),
 * setpgid to a chosen group, the parent-death signal, TIOCNOTTY and
 * TIOCSCTTY, and supplementary groups. So the child is made here, and the
 * rest of the policy (paths, environment, which fd goes where) is the ipc
 * layer's (src/ipc/exec.ts).
 *
 * Between fork and exec the child is a copy of one thread of a process
 * with many, so it calls only async-signal-safe functions: no malloc, no
 * locks, no stdio. Everything it needs (argv, envp, the fd table) is built
 * before the fork. All signals are blocked in the parent's thread across
 * the fork, so no handler (libuv's writes to its signal pipe, shared with
 * the parent) can run in the child before its dispositions are reset.
 *
 * The outcome of the exec comes back through a close-on-exec pipe, as in
 * Go and libuv: end of file means the exec succeeded, and a record of
 * (stage, errno) means the child failed before it and exited with 127.
 * The parent does not wait for it here: the pipe's read end is handed to
 * JavaScript, which waits for it on the poller, so a slow exec never holds
 * the event loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#ifdef __linux__
# include <sys/prctl.h>
#endif

#include "binding.h"

/* At most this many fds in a child's table, and signals to ignore. */
#define SK_SPAWN_MAX_FDS 4096
#define SK_SPAWN_MAX_SIGNALS 64

#if defined(__linux__) && !defined(SYS_close_range)
# define SYS_close_range 436 /* The same number on every Linux architecture. */
#endif
#if defined(__linux__) && !defined(SYS_pidfd_open)
# define SYS_pidfd_open 434
#endif

/* What the child needs, all of it made before the fork. */
typedef struct sk_spawn_s {
  const char* path;
  char** argv;
  char** envp;
  const char* dir;
  int* fds;
  int nfds;
  const int32_t* attr;
  gid_t* groups;
  int ngroups;
  const int32_t* ignored;
  int nignored;
  int errfd;
  pid_t ppid;
} sk_spawn_t;

/* Reports (stage, err) to the parent and exits, as the child does on any
 * failure before exec. 127 is the shell's status for a command that could
 * not run; the parent reports the errno, never this status.
 */
static void sk_spawn_fail(int errfd, int stage, int err) {
  int32_t rec[2];
  ssize_t n;

  rec[0] = stage;
  rec[1] = err;
  do
    n = write(errfd, rec, sizeof(rec));
  while (n == -1 && errno == EINTR);
  _exit(127);
}

/* Writes the decimal n at dst (for LISTEN_PID), returning the end. */
static char* sk_spawn_itoa(char* dst, long n) {
  char tmp[24];
  int i;

  i = 0;
  do {
    tmp[i++] = (char) ('0' + n % 10);
    n /= 10;
  } while (n > 0);
  while (i > 0)
    *dst++ = tmp[--i];
  *dst = '\0';
  return dst;
}

/* Closes every fd from lo up, except keep; where close_range(2) is missing
 * (Linux before 5.9, macOS), close-on-exec, which every fd sockit and Node
 * make carries, is what keeps the parent's fds out of the child.
 */
static void sk_spawn_close_from(int lo, int keep) {
#ifdef __linux__
  if (keep >= lo) {
    if (keep > lo)
      syscall(SYS_close_range, (unsigned) lo, (unsigned) keep - 1, 0u);
    lo = keep + 1;
  }
  syscall(SYS_close_range, (unsigned) lo, ~0u, 0u);
#else
  (void) lo;
  (void) keep;
#endif
}

/* The child, between fork and exec. The order is Go's
 * (syscall.forkAndExecInChild): session and group, credentials, working
 * directory, parent-death signal, the fd table, the terminal, the signal
 * dispositions and mask, exec.
 */
static void sk_spawn_child(sk_spawn_t* s) {
  const int32_t* attr;
  struct sigaction sa;
  sigset_t none;
  int errfd;
  int next;
  int flags;
  int sig;
  int i;

  attr = s->attr;
  flags = attr[SK_SPAWN_FLAGS];
  errfd = s->errfd;
  if ((flags & SK_SPAWN_SETSID) && setsid() == -1)
    sk_spawn_fail(errfd, SK_SPAWN_STAGE_SETSID, errno);
  if ((flags & SK_SPAWN_SETPGID) && setpgid(0, attr[SK_SPAWN_PGID]) == -1)
    sk_spawn_fail(errfd, SK_SPAWN_STAGE_SETPGID, errno);
  if (flags & SK_SPAWN_CREDENTIAL) {
    if ((flags & SK_SPAWN_SETGROUPS) && setgroups(s->ngroups, s->groups) == -1)
      sk_spawn_fail(errfd, SK_SPAWN_STAGE_SETGROUPS, errno);
    if (setgid((gid_t) attr[SK_SPAWN_GID]) == -1)
      sk_spawn_fail(errfd, SK_SPAWN_STAGE_SETGID, errno);
    if (setuid((uid_t) attr[SK_SPAWN_UID]) == -1)
      sk_spawn_fail(errfd, SK_SPAWN_STAGE_SETUID, errno);
  }
  if (s->dir != NULL && chdir(s->dir) == -1)
    sk_spawn_fail(errfd, SK_SPAWN_STAGE_CHDIR, errno);
#ifdef __linux__
  if (attr[SK_SPAWN_PDEATHSIG] > 0) {
    if (prctl(PR_SET_PDEATHSIG, (unsigned long) attr[SK_SPAWN_PDEATHSIG]) == -1)
      sk_spawn_fail(errfd, SK_SPAWN_STAGE_PDEATHSIG, errno);
    /* The parent may have gone before the prctl: then the signal is due. */
    if (getppid() != s->ppid)
      kill(getpid(), attr[SK_SPAWN_PDEATHSIG]);
  }
#endif

  /* The fd table, in Go's two passes. First every source that a lower
   * target would overwrite (and the error pipe, if it sits in the table's
   * range) moves above the table; then each target i gets its source.
   */
  next = s->nfds;
  if (errfd < next) {
    errfd = fcntl(errfd, F_DUPFD_CLOEXEC, next);
    if (errfd == -1)
      sk_spawn_fail(s->errfd, SK_SPAWN_STAGE_DUP, errno);
    next = errfd + 1;
  }
  for (i = 0; i < s->nfds; i++) {
    if (s->fds[i] >= 0 && s->fds[i] < i) {
      s->fds[i] = fcntl(s->fds[i], F_DUPFD_CLOEXEC, next);
      if (s->fds[i] == -1)
        sk_spawn_fail(errfd, SK_SPAWN_STAGE_DUP, errno);
      next = s->fds[i] + 1;
    }
  }
  for (i = 0; i < s->nfds; i++) {
    if (s->fds[i] < 0) {
      close(i);
    } else if (s->fds[i] == i) {
      if (fcntl(i, F_SETFD, 0) == -1)
        sk_spawn_fail(errfd, SK_SPAWN_STAGE_DUP, errno);
    } else if (dup2(s->fds[i], i) == -1) {
      sk_spawn_fail(errfd, SK_SPAWN_STAGE_DUP, errno);
    }
  }
  sk_spawn_close_from(s->nfds, errfd);

  /* Go's File.Fd() puts an fd it hands on into blocking mode; asked to,
   * do so for the extra files (fd 3 and up). It changes the open file
   * description, which the parent's copies share: the ipc layer asks only
   * for fds the parent gives up.
   */
  if (flags & SK_SPAWN_BLOCKING) {
    for (i = 3; i < s->nfds; i++) {
      int fl;

      if (s->fds[i] < 0)
        continue;
      fl = fcntl(i, F_GETFL);
      if (fl == -1 || ((fl & O_NONBLOCK) && fcntl(i, F_SETFL, fl & ~O_NONBLOCK) == -1))
        sk_spawn_fail(errfd, SK_SPAWN_STAGE_DUP, errno);
    }
  }

  if ((flags & SK_SPAWN_NOCTTY) && ioctl(0, TIOCNOTTY) == -1)
    sk_spawn_fail(errfd, SK_SPAWN_STAGE_NOCTTY, errno);
  if ((flags & SK_SPAWN_SETCTTY) && ioctl(attr[SK_SPAWN_CTTY], TIOCSCTTY, 1) == -1)
    sk_spawn_fail(errfd, SK_SPAWN_STAGE_SETCTTY, errno);

  /* Socket activation's LISTEN_PID names the child itself, known only
   * now; its slot was made long enough for any pid.
   */
  if (attr[SK_SPAWN_LISTEN_PID] >= 0)
    sk_spawn_itoa(s->envp[attr[SK_SPAWN_LISTEN_PID]] + strlen("LISTEN_PID="),
                  (long) getpid());

  /* Every disposition back to the default, except the signals the parent
   * asked to ignore (Go's children inherit SIG_IGN); then no signal
   * blocked. Failures are for signals that cannot be changed.
   */
  memset(&sa, 0, sizeof(sa));
  for (sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP)
      continue;
    sa.sa_handler = SIG_DFL;
    for (i = 0; i < s->nignored; i++) {
      if (s->ignored[i] == sig)
        sa.sa_handler = SIG_IGN;
    }
    sigaction(sig, &sa, NULL);
  }
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);

  execve(s->path, s->argv, s->envp);
  sk_spawn_fail(errfd, SK_SPAWN_STAGE_EXEC, errno);
}

/* A NULL-ended copy of the JavaScript array of strings v, every string
 * allocated with the array; extra bytes are added to each (for
 * LISTEN_PID's digits). Returns NULL with a TypeError thrown, or with
 * *err = -EINVAL for a string holding a NUL (which execve cannot pass).
 */
static char** sk_spawn_strings(napi_env env, napi_value v, const char* what,
                               size_t extra, int* err) {
  napi_value item;
  uint32_t n;
  uint32_t i;
  size_t len;
  char** out;
  bool is;

  if (napi_is_array(env, v, &is) != napi_ok || !is) {
    sk_napi_type_error(env, what);
    return NULL;
  }
  if (napi_get_array_length(env, v, &n) != napi_ok)
    return NULL;
  out = calloc((size_t) n + 1, sizeof(char*));
  if (out == NULL) {
    *err = -ENOMEM;
    return NULL;
  }
  for (i = 0; i < n; i++) {
    if (napi_get_element(env, v, i, &item) != napi_ok ||
        napi_get_value_string_utf8(env, item, NULL, 0, &len) != napi_ok) {
      sk_napi_type_error(env, what);
      goto fail;
    }
    out[i] = malloc(len + 1 + extra);
    if (out[i] == NULL) {
      *err = -ENOMEM;
      goto fail;
    }
    napi_get_value_string_utf8(env, item, out[i], len + 1, &len);
    if (strlen(out[i]) != len) {
      *err = -EINVAL;
      goto fail;
    }
  }
  return out;

fail:
  for (i = 0; i < n; i++)
    free(out[i]);
  free(out);
  return NULL;
}

static void sk_spawn_free(char** v) {
  char** p;

  if (v == NULL)
    return;
  for (p = v; *p != NULL; p++)
    free(*p);
  free(v);
}

/* Forks and starts the child; on success *pid is the child's and *errfd
 * the read end of its error pipe (non-blocking, close-on-exec).
 */
static int sk_spawn(sk_spawn_t* s, pid_t* pid, int* errfd) {
  sigset_t all;
  sigset_t old;
  int ep[2];
  int flags;

  /* Close-on-exec from birth where the system can (another thread's fork
   * must not pass the pipe on), as file.c's pipes are.
   */
#ifdef __linux__
  if (pipe2(ep, O_CLOEXEC))
    return -errno;
#else
  if (pipe(ep))
    return -errno;
  if (fcntl(ep[0], F_SETFD, FD_CLOEXEC) == -1 ||
      fcntl(ep[1], F_SETFD, FD_CLOEXEC) == -1) {
    flags = -errno;
    close(ep[0]);
    close(ep[1]);
    return flags;
  }
#endif
  s->errfd = ep[1];
  s->ppid = getpid();
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  *pid = fork();
  if (*pid == 0)
    sk_spawn_child(s);
  flags = *pid == -1 ? -errno : 0;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  close(ep[1]);
  if (flags < 0) {
    close(ep[0]);
    return flags;
  }
  flags = fcntl(ep[0], F_GETFL);
  if (flags != -1)
    fcntl(ep[0], F_SETFL, flags | O_NONBLOCK);
  *errfd = ep[0];
  return 0;
}

/* spawn(path, argv, envp, dir, fds, attr, groups, ignored, out): see
 * src/sys/binding.ts. out[0] is the pid, out[1] the error pipe's read end.
 */
napi_value sk_process_spawn_js(napi_env env, napi_callback_info info) {
  char path[SK_PATH_MAX];
  char dir[SK_PATH_MAX];
  napi_value argv[9];
  napi_valuetype t;
  sk_spawn_t s;
  int32_t* fds;
  int32_t* attr;
  int32_t* groups;
  int32_t* ignored;
  int32_t* out;
  size_t nfds;
  size_t ngroups;
  size_t nignored;
  uint32_t nenv;
  pid_t pid;
  int errfd;
  int err;
  int i;

  memset(&s, 0, sizeof(s));
  err = 0;
  pid = -1;
  errfd = -1;
  if (sk_napi_args(env, info, 9, argv) ||
      sk_napi_path(env, argv[0], "path", path, sizeof(path), &err) ||
      napi_typeof(env, argv[3], &t) != napi_ok) {
    return NULL;
  }
  if (t == napi_null) {
    dir[0] = '\0';
  } else if (sk_napi_path(env, argv[3], "dir", dir, sizeof(dir), &err)) {
    return NULL;
  }
  if (sk_napi_int32s(env, argv[4], "fds", 0, &fds) ||
      sk_napi_int32s(env, argv[5], "attr", SK_SPAWN_ATTR_COUNT, &attr) ||
      sk_napi_int32s(env, argv[6], "groups", 0, &groups) ||
      sk_napi_int32s(env, argv[7], "ignored", 0, &ignored) ||
      sk_napi_int32s(env, argv[8], "out", 2, &out) ||
      napi_get_typedarray_info(env, argv[4], NULL, &nfds, NULL, NULL, NULL) != napi_ok ||
      napi_get_typedarray_info(env, argv[6], NULL, &ngroups, NULL, NULL, NULL) != napi_ok ||
      napi_get_typedarray_info(env, argv[7], NULL, &nignored, NULL, NULL, NULL) != napi_ok) {
    return NULL;
  }
  if (nfds > SK_SPAWN_MAX_FDS || nignored > SK_SPAWN_MAX_SIGNALS ||
      ngroups > (size_t) NGROUPS_MAX) {
    sk_napi_type_error(env, "sockit: spawn: too many fds, signals or groups");
    return NULL;
  }
  if (err)
    return sk_napi_number(env, err);
  s.path = path;
  s.dir = t == napi_null ? NULL : dir;
  s.attr = attr;
  s.ignored = ignored;
  s.nignored = (int) nignored;
  s.nfds = (int) nfds;
  s.ngroups = (int) ngroups;
  s.argv = sk_spawn_strings(env, argv[1], "sockit: argv must be an array of strings", 0, &err);
  if (s.argv != NULL) {
    /* LISTEN_PID's slot gets room for the digits of any pid. */
    s.envp = sk_spawn_strings(env, argv[2], "sockit: envp must be an array of strings",
                              attr[SK_SPAWN_LISTEN_PID] >= 0 ? 24 : 0, &err);
  }
  if (s.envp != NULL) {
    napi_get_array_length(env, argv[2], &nenv);
    if (attr[SK_SPAWN_LISTEN_PID] >= 0 && (uint32_t) attr[SK_SPAWN_LISTEN_PID] >= nenv) {
      sk_napi_type_error(env, "sockit: spawn: the LISTEN_PID slot is outside envp");
      goto done;
    }
  }
  s.fds = malloc((nfds + 1) * sizeof(int));
  s.groups = malloc((ngroups + 1) * sizeof(gid_t));
  if (s.fds == NULL || s.groups == NULL)
    err = -ENOMEM;
  if (s.envp != NULL && err == 0) {
    for (i = 0; i < (int) nfds; i++)
      s.fds[i] = fds[i];
    for (i = 0; i < (int) ngroups; i++)
      s.groups[i] = (gid_t) groups[i];
    err = sk_spawn(&s, &pid, &errfd);
    if (err == 0)
      err = sk_env_own(env, errfd);
    if (err >= 0) {
      out[0] = (int32_t) pid;
      out[1] = errfd;
      err = 0;
    }
  }

done:
  sk_spawn_free(s.argv);
  sk_spawn_free(s.envp);
  free(s.fds);
  free(s.groups);
  if (s.argv == NULL || s.envp == NULL) {
    bool pending;
    napi_is_exception_pending(env, &pending);
    if (pending)
      return NULL;
  }
  return sk_napi_number(env, err);
}

/* wait(pid, out): wait4 with WNOHANG, so it never blocks. Returns the pid
 * when the child has changed state (out filled), 0 while it runs, or
 * -errno. The status is decoded here because the W* macros, not the bit
 * layout, are what POSIX fixes.
 */
napi_value sk_process_wait_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct rusage ru;
  int32_t pid;
  double* out;
  pid_t rc;
  int status;

  if (sk_napi_args(env, info, 2, argv) ||
      sk_napi_int(env, argv[0], "pid", &pid) ||
      sk_napi_float64s(env, argv[1], "out", SK_WAIT_COUNT, &out)) {
    return NULL;
  }
  memset(&ru, 0, sizeof(ru));
  do
    rc = wait4(pid, &status, WNOHANG, &ru);
  while (rc == -1 && errno == EINTR);
  if (rc <= 0)
    return sk_napi_number(env, rc == 0 ? 0 : -errno);
  out[SK_WAIT_STATUS] = status;
  out[SK_WAIT_EXITED] = WIFEXITED(status) ? 1 : 0;
  out[SK_WAIT_CODE] = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  out[SK_WAIT_SIGNALED] = WIFSIGNALED(status) ? 1 : 0;
  out[SK_WAIT_SIGNAL] = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
#ifdef WCOREDUMP
  out[SK_WAIT_CORE] = WIFSIGNALED(status) && WCOREDUMP(status) ? 1 : 0;
#else
  out[SK_WAIT_CORE] = 0;
#endif
  out[SK_WAIT_STOPPED] = WIFSTOPPED(status) ? 1 : 0;
  out[SK_WAIT_STOP_SIGNAL] = WIFSTOPPED(status) ? WSTOPSIG(status) : 0;
  out[SK_WAIT_CONTINUED] = WIFCONTINUED(status) ? 1 : 0;
  out[SK_WAIT_UTIME_US] = (double) ru.ru_utime.tv_sec * 1e6 + (double) ru.ru_utime.tv_usec;
  out[SK_WAIT_STIME_US] = (double) ru.ru_stime.tv_sec * 1e6 + (double) ru.ru_stime.tv_usec;
  out[SK_WAIT_MAXRSS] = (double) ru.ru_maxrss;
  return sk_napi_number(env, rc);
}

/* pidfd(pid): an fd that polls readable once the child has exited
 * (pidfd_open, Linux 5.3), close-on-exec, recorded as the environment's.
 * -ENOSYS where there is none; the ipc layer then watches SIGCHLD.
 */
napi_value sk_process_pidfd_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t pid;

  if (sk_napi_args(env, info, 1, argv) ||
      sk_napi_int(env, argv[0], "pid", &pid)) {
    return NULL;
  }
#ifdef __linux__
  {
    long fd = syscall(SYS_pidfd_open, (pid_t) pid, 0u);
    return sk_napi_number(env, sk_env_own(env, fd == -1 ? -errno : (int) fd));
  }
#else
  return sk_napi_number(env, -ENOSYS);
#endif
}

/* kill(pid, sig): 0 or -errno. pid < 0 names a process group. */
napi_value sk_process_kill_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t pid;
  int32_t sig;

  if (sk_napi_args(env, info, 2, argv) ||
      sk_napi_int(env, argv[0], "pid", &pid) ||
      sk_napi_int(env, argv[1], "sig", &sig)) {
    return NULL;
  }
  if (kill(pid, sig) == -1)
    return sk_napi_number(env, -errno);
  return sk_napi_number(env, 0);
}

/* signalDisposition(sig, set): set -1 only reads; 0 sets SIG_DFL, 1
 * SIG_IGN. Returns 1 if the disposition was SIG_IGN before, else 0, or
 * -errno (EINVAL for a signal that cannot be changed). The ipc layer sets
 * a disposition only for a signal no Node listener has, since libuv's
 * handler would otherwise be replaced under it.
 */
napi_value sk_process_signal_disposition_js(napi_env env, napi_callback_info info) {
  struct sigaction old;
  struct sigaction sa;
  napi_value argv[2];
  int32_t sig;
  int32_t set;
  int rc;

  if (sk_napi_args(env, info, 2, argv) ||
      sk_napi_int(env, argv[0], "sig", &sig) ||
      sk_napi_int(env, argv[1], "set", &set)) {
    return NULL;
  }
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = set == 1 ? SIG_IGN : SIG_DFL;
  rc = sigaction(sig, set < 0 ? NULL : &sa, &old);
  if (rc == -1)
    return sk_napi_number(env, -errno);
  return sk_napi_number(env, old.sa_handler == SIG_IGN ? 1 : 0);
}
