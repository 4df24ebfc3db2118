/*
 * Control messages (cmsg(3)): sizing a control buffer, building an
 * SCM_RIGHTS message, and splitting received control bytes into messages.
 *
 * Layout is the platform's business (header size and alignment differ
 * between Linux, 32-bit systems and macOS), so every offset comes from the
 * CMSG_* macros, never from arithmetic of our own; JavaScript only ever
 * sees whole buffers, payloads and sizes.
 *
 * The bytes to parse come from JavaScript and may be anything, so the walk
 * checks every header against the bytes that remain before it trusts it,
 * and reads nothing at or beyond len.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>

#include "binding.h"

/* The largest payload cmsgSpace and unixRights accept. It keeps
 * CMSG_SPACE(n), which adds at most two headers' worth of header and
 * padding, within INT_MAX: msg_controllen is a socklen_t on macOS and
 * Linux refuses larger control buffers, so nothing bigger could be sent.
 */
#define SK_CMSG_DATA_MAX ((size_t) INT_MAX - 2 * CMSG_SPACE(0))

/* Walks the messages of a control buffer the way Go's
 * syscall.ParseSocketControlMessage does: each header must claim at least
 * a bare header and at most the bytes left; fewer bytes than a header
 * after the last message are its padding (the kernel counts the padding
 * of the last message in msg_controllen when room allows) and end the walk.
 *
 * CMSG_FIRSTHDR starts the walk, but CMSG_NXTHDR does not carry it on: it
 * answers a bad length by ending the walk (glibc 2.36 returns NULL for a
 * cmsg_len below a header), so a malformed buffer would pass for a short
 * one, and its end checks differ between C libraries (older glibc added
 * the unchecked length to the pointer first; the BSDs check only that a
 * next header fits). Stepping by CMSG_SPACE of the payload is where
 * CMSG_NXTHDR goes on a well-formed buffer. Headers are read with memcpy
 * because a Uint8Array may start at any byte offset.
 */
int sk_cmsg_walk(const void* control, size_t len, sk_cmsg_fn fn, void* arg) {
  struct msghdr msg;
  struct cmsghdr h;
  unsigned char* c;
  size_t left;
  size_t step;
  size_t n;
  int err;

  if (len > INT_MAX)
    return -EINVAL;
  memset(&msg, 0, sizeof(msg));
  msg.msg_control = (void*) control;
  msg.msg_controllen = len;
  c = (unsigned char*) CMSG_FIRSTHDR(&msg);
  left = len;
  while (c != NULL) {
    memcpy(&h, c, sizeof(h));
    if ((size_t) h.cmsg_len < CMSG_LEN(0) || (size_t) h.cmsg_len > left)
      return -EINVAL;
    n = (size_t) h.cmsg_len - CMSG_LEN(0);
    err = fn(arg, h.cmsg_level, h.cmsg_type,
             CMSG_DATA((struct cmsghdr*) c), n);
    if (err)
      return err;
    step = CMSG_SPACE(n);
    if (step > left || left - step < sizeof(struct cmsghdr))
      break;
    c += step;
    left -= step;
  }
  return 0;
}

/* cmsgSpace(n): CMSG_SPACE(n). */
napi_value sk_cmsg_space_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t n;

  if (sk_napi_args(env, info, 1, argv) ||
      sk_napi_size(env, argv[0], "n", &n)) {
    return NULL;
  }
  if (n > SK_CMSG_DATA_MAX)
    return sk_napi_type_error(env, "sockit: n must be below 2 GiB");
  return sk_napi_number(env, (int64_t) CMSG_SPACE(n));
}

/* Lays out one SOL_SOCKET/SCM_RIGHTS header for count fds at the start of
 * data, which holds CMSG_SPACE(count * sizeof(int)) bytes, zeroes the
 * rest (the padding, as Go's syscall.UnixRights leaves it), and returns
 * where the fds go.
 */
/* Writes one SOL_SOCKET message header of `type` for `n` payload bytes at
 * the start of data (size bytes, CMSG_SPACE(n), zeroed first) and returns
 * where the payload goes.
 */
static unsigned char* sk_cmsg_header(void* data, size_t size, int type,
                                     size_t n) {
  struct cmsghdr* c;
  struct msghdr msg;

  memset(data, 0, size);
  memset(&msg, 0, sizeof(msg));
  msg.msg_control = data;
  msg.msg_controllen = size;
  c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = type;
  c->cmsg_len = CMSG_LEN(n);
  return CMSG_DATA(c);
}

/* unixRights(fds): one SCM_RIGHTS message carrying fds, in a buffer of
 * CMSG_SPACE bytes. The fds are not checked: the kernel reports a bad one
 * (EBADF) when the message is sent.
 *
 * The ArrayBuffer is filled while no JavaScript can reach it (an element
 * getter may run, but cannot see it), and V8 allocates its memory aligned
 * for any type, so the header can be written in place.
 */
napi_value sk_cmsg_unix_rights_js(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  napi_value item;
  napi_value ab;
  napi_value arr;
  unsigned char* p;
  bool is_array;
  uint32_t count;
  uint32_t i;
  int32_t fd;
  size_t size;
  void* data;

  if (sk_napi_args(env, info, 1, argv))
    return NULL;
  if (napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[0], &count) != napi_ok) {
    return sk_napi_type_error(env, "sockit: fds must be an Array");
  }
  if (count > SK_CMSG_DATA_MAX / sizeof(int))
    return sk_napi_type_error(env, "sockit: fds is too long");
  size = CMSG_SPACE(count * sizeof(int));
  if (napi_create_arraybuffer(env, size, &data, &ab) != napi_ok)
    return NULL;
  p = sk_cmsg_header(data, size, SCM_RIGHTS, count * sizeof(int));
  for (i = 0; i < count; i++) {
    if (napi_get_element(env, argv[0], i, &item) != napi_ok ||
        sk_napi_int(env, item, "fds[i]", &fd)) {
      return NULL;
    }
    memcpy(p + i * sizeof(int), &fd, sizeof(int));
  }
  if (napi_create_typedarray(env, napi_uint8_array, size, ab, 0, &arr) !=
      napi_ok) {
    return NULL;
  }
  return arr;
}

/* The state of parseControlMessages while sk_cmsg_walk runs. */
typedef struct sk_cmsg_parse_s {
  napi_env env;
  napi_value list;
  uint32_t count;
} sk_cmsg_parse_t;

/* Appends [level, type, data] to the list, data a copy of the payload:
 * the received bytes belong to a buffer JavaScript will reuse.
 */
static int sk_cmsg_parse_one(void* arg, int level, int type,
                             const unsigned char* data, size_t n) {
  sk_cmsg_parse_t* s;
  napi_value v[3];
  napi_value item;
  uint32_t i;

  s = arg;
  if (napi_create_int32(s->env, level, &v[0]) != napi_ok ||
      napi_create_int32(s->env, type, &v[1]) != napi_ok ||
      (v[2] = sk_napi_copy(s->env, data, n)) == NULL ||
      napi_create_array_with_length(s->env, 3, &item) != napi_ok) {
    return 1;
  }
  for (i = 0; i < 3; i++)
    if (napi_set_element(s->env, item, i, v[i]) != napi_ok)
      return 1;
  if (napi_set_element(s->env, s->list, s->count++, item) != napi_ok)
    return 1;
  return 0;
}

/* parseControlMessages(oob, len): the messages in oob[0, len), or -EINVAL
 * when the bytes are malformed. len is normally info[5] of recvmsg.
 */
napi_value sk_cmsg_parse_js(napi_env env, napi_callback_info info) {
  sk_cmsg_parse_t s;
  napi_value argv[2];
  void* p;
  size_t blen;
  size_t n;
  int err;

  if (sk_napi_args(env, info, 2, argv) ||
      sk_napi_bytes(env, argv[0], "oob", &p, &blen) ||
      sk_napi_size(env, argv[1], "len", &n)) {
    return NULL;
  }
  if (n > blen)
    return sk_napi_type_error(env, "sockit: len must be within oob");
  s.env = env;
  s.count = 0;
  if (napi_create_array(env, &s.list) != napi_ok)
    return NULL;
  err = sk_cmsg_walk(p, n, sk_cmsg_parse_one, &s);
  /* 1 is our own callback's failure: an N-API call failed, and any
   * exception it raised is pending, so JavaScript sees it.
   */
  if (err == 1)
    return NULL;
  if (err)
    return sk_napi_number(env, err);
  return s.list;
}

/* unixCredentials(pid, uid, gid): one SCM_CREDENTIALS message (Linux), in a
 * buffer of CMSG_SPACE(sizeof(struct ucred)) bytes; -ENOSYS elsewhere. The
 * kernel checks the values when the message is sent (EPERM for another
 * process's ids without privilege).
 */
napi_value sk_cmsg_unix_credentials_js(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t ids[3];
  int i;

  if (sk_napi_args(env, info, 3, argv))
    return NULL;
  for (i = 0; i < 3; i++) {
    if (sk_napi_int(env, argv[i], i == 0 ? "pid" : i == 1 ? "uid" : "gid",
                    &ids[i])) {
      return NULL;
    }
  }
#ifdef SCM_CREDENTIALS
  {
    struct ucred cred;
    unsigned char* p;
    napi_value ab;
    napi_value arr;
    size_t size;
    void* data;

    cred.pid = (pid_t) ids[0];
    cred.uid = (uid_t) ids[1];
    cred.gid = (gid_t) ids[2];
    size = CMSG_SPACE(sizeof(cred));
    if (napi_create_arraybuffer(env, size, &data, &ab) != napi_ok)
      return NULL;
    p = sk_cmsg_header(data, size, SCM_CREDENTIALS, sizeof(cred));
    memcpy(p, &cred, sizeof(cred));
    if (napi_create_typedarray(env, napi_uint8_array, size, ab, 0, &arr) !=
        napi_ok) {
      return NULL;
    }
    return arr;
  }
#else
  return sk_napi_number(env, -ENOSYS);
#endif
}

