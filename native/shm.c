/*
 * POSIX shared memory (shm_overview(7)): shm_open and shm_unlink, the
 * segment's size (fstat, ftruncate), and its mapping as an ArrayBuffer.
 *
 * The mapping's lifetime is V8's, not JavaScript's: shmMap hands out an
 * external ArrayBuffer over the mmap'd bytes, whose finalizer unmaps them,
 * and V8 runs that finalizer only once nothing can reach the bytes any
 * more. shmDetach (close, in JavaScript) detaches the buffer: every view
 * of it then has length 0, so a read gives undefined and a write does
 * nothing, and the bytes are unmapped once V8 lets go of its backing
 * store. No view can ever reach unmapped memory, so a view used after
 * close cannot crash the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binding.h"

/* shmOpen(name, oflag, mode): the fd (recorded as the environment's), or
 * -errno. O_CLOEXEC is added: shm_open sets it on Linux and macOS anyway.
 */
napi_value sk_shm_open_js(napi_env env, napi_callback_info info) {
  char name[SK_PATH_MAX];
  napi_value argv[3];
  int32_t oflag;
  int32_t mode;
  int err;
  int fd;

  if (sk_napi_args(env, info, 3, argv) ||
      sk_napi_path(env, argv[0], "name", name, sizeof(name), &err) ||
      sk_napi_int(env, argv[1], "oflag", &oflag) ||
      sk_napi_int(env, argv[2], "mode", &mode)) {
    return NULL;
  }
  if (err)
    return sk_napi_number(env, err);
  fd = shm_open(name, oflag | O_CLOEXEC, (mode_t) mode);
  return sk_napi_number(env, sk_env_own(env, fd == -1 ? -errno : fd));
}

static int sk_shm_unlink(const char* name) {
  return shm_unlink(name) == -1 ? -errno : 0;
}

napi_value sk_shm_unlink_js(napi_env env, napi_callback_info info) {
  return sk_napi_path_call(env, info, sk_shm_unlink);
}

/* shmTruncate(fd, size): ftruncate(2), 0 or -errno. */
napi_value sk_shm_truncate_js(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  size_t size;
  int rc;

  if (sk_napi_args(env, info, 2, argv) || sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_size(env, argv[1], "size", &size)) {
    return NULL;
  }
  do rc = ftruncate(fd, (off_t) size);
  while (rc == -1 && errno == EINTR);
  return sk_napi_number(env, rc == -1 ? -errno : 0);
}

typedef struct sk_shm_map_s {
  void* addr;
  size_t len;
} sk_shm_map_t;

static void sk_shm_unmap(napi_env env, void* data, void* hint) {
  sk_shm_map_t* m;

  (void) env;
  (void) data;
  m = hint;
  munmap(m->addr, m->len);
  free(m);
}

/* shmMap(fd, size, writable): an ArrayBuffer over a mapping of the first
 * `size` bytes, or -errno: MAP_SHARED and writable, or for a read-only
 * segment MAP_PRIVATE, still writable, so that a write through a view
 * copies the page for this process instead of faulting (V8 cannot know a
 * page is read-only, and a fault would kill the process). A size of 0 maps
 * nothing: mmap refuses it, so an empty ArrayBuffer stands in.
 */
napi_value sk_shm_map_js(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  sk_shm_map_t* m;
  napi_value ab;
  int32_t fd;
  size_t size;
  bool writable;
  void* addr;
  void* data;

  if (sk_napi_args(env, info, 3, argv) || sk_napi_int(env, argv[0], "fd", &fd) ||
      sk_napi_size(env, argv[1], "size", &size) ||
      sk_napi_bool(env, argv[2], "writable", &writable)) {
    return NULL;
  }
  if (size == 0) {
    if (napi_create_arraybuffer(env, 0, &data, &ab) != napi_ok)
      return NULL;
    return ab;
  }
  m = malloc(sizeof(*m));
  if (m == NULL)
    return sk_napi_number(env, -ENOMEM);
  addr = mmap(NULL, size, PROT_READ | PROT_WRITE,
              writable ? MAP_SHARED : MAP_PRIVATE, fd, 0);
  if (addr == MAP_FAILED) {
    free(m);
    return sk_napi_number(env, -errno);
  }
  m->addr = addr;
  m->len = size;
  if (napi_create_external_arraybuffer(env, addr, size, sk_shm_unmap, m,
                                       &ab) != napi_ok) {
    munmap(addr, size);
    free(m);
    return NULL;
  }
  return ab;
}

/* shmDetach(ab): detaches a mapping's ArrayBuffer (views go to length 0);
 * its bytes are unmapped when V8 releases the backing store.
 */
napi_value sk_shm_detach_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool detachable;

  if (sk_napi_args(env, info, 1, argv))
    return NULL;
  if (napi_is_detached_arraybuffer(env, argv[0], &detachable) != napi_ok)
    return sk_napi_type_error(env, "sockit: ab must be an ArrayBuffer");
  if (!detachable && napi_detach_arraybuffer(env, argv[0]) != napi_ok)
    return sk_napi_type_error(env, "sockit: ab cannot be detached");
  return NULL;
}
