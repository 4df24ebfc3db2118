/*
 * POSIX named semaphores (sem_overview(7)): sem_open, sem_trywait,
 * sem_post, sem_getvalue and sem_unlink, and sem_wait on a waiter thread
 * (waiter.c), since a semaphore has no fd to poll.
 *
 * A semaphore record (sk_sem_t) is shared by the napi external JavaScript
 * holds and by every wait in flight on it, with two counts. `users` is
 * JavaScript's open handle (until semClose or the finalizer) and every wait
 * in flight: sem_close runs when it reaches 0, so no waiter thread is ever
 * left blocked in sem_wait on a closed sem_t. `holders` is the external
 * (until its finalizer) and every wait: the record is freed when it
 * reaches 0, so the finalizer never reads freed memory after a semClose.
 * Both counts change on the loop's thread only (a wait takes its share when
 * it starts and drops it in its release, both there), so they are plain
 * ints.
 */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "binding.h"

typedef struct sk_sem_s {
  sem_t* sem;
  int users;    /* The open handle and the waits: sem_close at 0. */
  int holders;  /* The external and the waits: free at 0. */
  int closed;   /* semClose (or the finalizer) ran: the handle is shut. */
} sk_sem_t;

/* "sockit.s" and "emaphor". */
static const napi_type_tag sk_sem_tag = {
  0x736f636b69742e73ULL, 0x656d6170686f72ULL
};

static void sk_sem_unuse(sk_sem_t* s) {
  if (--s->users > 0)
    return;
  sem_close(s->sem);
  s->sem = NULL;
}

static void sk_sem_unhold(sk_sem_t* s) {
  if (--s->holders == 0)
    free(s);
}

/* Shuts the handle: what semClose does, and the finalizer if it did not. */
static void sk_sem_shut(sk_sem_t* s) {
  if (s->closed)
    return;
  s->closed = 1;
  sk_sem_unuse(s);
}

static void sk_sem_finalize(napi_env env, void* data, void* hint) {
  (void) env;
  (void) hint;
  sk_sem_shut(data);
  sk_sem_unhold(data);
}

static sk_sem_t* sk_sem_from(napi_env env, napi_value v) {
  bool ours;
  void* data;

  if (napi_check_object_type_tag(env, v, &sk_sem_tag, &ours) != napi_ok ||
      !ours || napi_get_value_external(env, v, &data) != napi_ok) {
    sk_napi_type_error(env, "sockit: s must be a semaphore handle");
    return NULL;
  }
  return data;
}

/* semOpen(name, oflag, mode, value): the handle, or -errno. */
napi_value sk_sem_open_js(napi_env env, napi_callback_info info) {
  char name[SK_PATH_MAX];
  napi_value argv[4];
  napi_value ext;
  int32_t oflag;
  int32_t mode;
  size_t value;
  sk_sem_t* s;
  sem_t* sem;
  int err;

  if (sk_napi_args(env, info, 4, argv) ||
      sk_napi_path(env, argv[0], "name", name, sizeof(name), &err) ||
      sk_napi_int(env, argv[1], "oflag", &oflag) ||
      sk_napi_int(env, argv[2], "mode", &mode) ||
      sk_napi_size(env, argv[3], "value", &value)) {
    return NULL;
  }
  if (err)
    return sk_napi_number(env, err);
  if (value > SEM_VALUE_MAX)
    return sk_napi_number(env, -EINVAL);
  s = malloc(sizeof(*s));
  if (s == NULL)
    return sk_napi_number(env, -ENOMEM);
  sem = sem_open(name, oflag, (mode_t) mode, (unsigned) value);
  if (sem == SEM_FAILED) {
    err = -errno;
    free(s);
    return sk_napi_number(env, err);
  }
  s->sem = sem;
  s->users = 1;
  s->holders = 1;
  s->closed = 0;
  if (napi_create_external(env, s, sk_sem_finalize, NULL, &ext) != napi_ok) {
    sem_close(sem);
    free(s);
    return NULL;
  }
  if (napi_type_tag_object(env, ext, &sk_sem_tag) != napi_ok)
    return NULL;
  return ext;
}

/* semClose(s): lets go of JavaScript's reference; idempotent. */
napi_value sk_sem_close_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  sk_sem_t* s;

  if (sk_napi_args(env, info, 1, argv) || (s = sk_sem_from(env, argv[0])) == NULL)
    return NULL;
  sk_sem_shut(s);
  return NULL;
}

/* The calls below refuse a handle whose sem_t is closed with EBADF, as a
 * closed fd is. A shut handle with waits in flight still has it: the wait's
 * settling may post back a count it took as it was cancelled (sem.ts);
 * JavaScript refuses every other call once it has closed the semaphore.
 */
static sk_sem_t* sk_sem_open_arg(napi_env env, napi_callback_info info,
                                 size_t n, napi_value* argv, int* err) {
  sk_sem_t* s;

  *err = 0;
  if (sk_napi_args(env, info, n, argv) || (s = sk_sem_from(env, argv[0])) == NULL)
    return NULL;
  if (s->sem == NULL)
    *err = -EBADF;
  return s;
}

napi_value sk_sem_try_wait_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  sk_sem_t* s;
  int err;
  int rc;

  if ((s = sk_sem_open_arg(env, info, 1, argv, &err)) == NULL)
    return NULL;
  if (err)
    return sk_napi_number(env, err);
  do rc = sem_trywait(s->sem);
  while (rc == -1 && errno == EINTR);
  return sk_napi_number(env, rc == -1 ? -errno : 0);
}

napi_value sk_sem_post_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  sk_sem_t* s;
  int err;

  if ((s = sk_sem_open_arg(env, info, 1, argv, &err)) == NULL)
    return NULL;
  if (err)
    return sk_napi_number(env, err);
  return sk_napi_number(env, sem_post(s->sem) == -1 ? -errno : 0);
}

napi_value sk_sem_get_value_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  sk_sem_t* s;
  int value;
  int err;

  if ((s = sk_sem_open_arg(env, info, 1, argv, &err)) == NULL)
    return NULL;
  if (err)
    return sk_napi_number(env, err);
  if (sem_getvalue(s->sem, &value) == -1)
    return sk_napi_number(env, -errno);
  /* Linux reports 0, never a negative count of waiters (sem_getvalue(3)). */
  return sk_napi_number(env, value < 0 ? 0 : value);
}

static int sk_sem_run(void* arg) {
  sk_sem_t* s;

  s = arg;
  return sem_wait(s->sem) == -1 ? -errno : 0;
}

/* The environment is going away and nobody will see the result: a count
 * taken in that instant goes back, so teardown never eats a post.
 */
static void sk_sem_abandon(void* arg, int result) {
  sk_sem_t* s;

  s = arg;
  if (result == 0)
    sem_post(s->sem);
}

static void sk_sem_release(void* arg) {
  sk_sem_unuse(arg);
  sk_sem_unhold(arg);
}

static const sk_waiter_ops_t sk_sem_waiter_ops = {
  sk_sem_run,
  sk_sem_abandon,
  sk_sem_release
};

/* semWait(s, onDone): the wait's handle, or -errno. */
napi_value sk_sem_wait_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  sk_sem_t* s;
  int err;

  if ((s = sk_sem_open_arg(env, info, 2, argv, &err)) == NULL)
    return NULL;
  if (err)
    return sk_napi_number(env, err);
  s->users++;
  s->holders++;
  return sk_waiter_start(env, argv[1], &sk_sem_waiter_ops, s);
}

static int sk_sem_unlink(const char* name) {
  return sem_unlink(name) == -1 ? -errno : 0;
}

napi_value sk_sem_unlink_js(napi_env env, napi_callback_info info) {
  return sk_napi_path_call(env, info, sk_sem_unlink);
}
