/*
 * The `errnos` object: every errno name this platform defines, mapped to its
 * number (EAGAIN: 11 on Linux, 35 on macOS).
 *
 * JavaScript turns the negative numbers the core returns into Node-style
 * codes and Go's error texts with this table, so it must be complete and
 * must come from the headers, never from hard-coded numbers (Netty's native
 * transport does the same). Each name sits under #ifdef because no two
 * platforms define the same set. Aliases (EWOULDBLOCK and EAGAIN, ENOTSUP
 * and EOPNOTSUPP on Linux) are listed under both names.
 *
 * This file holds the names POSIX.1-2008 requires; errno_ext.c holds the
 * BSD, Linux and macOS extensions.
 */
#include <errno.h>

#include "binding.h"

/* The names <errno.h> must define (POSIX.1-2008). */
static const sk_name_t sk_errno_posix[] = {
#ifdef E2BIG
  SK_NAME(E2BIG),
#endif
#ifdef EACCES
  SK_NAME(EACCES),
#endif
#ifdef EADDRINUSE
  SK_NAME(EADDRINUSE),
#endif
#ifdef EADDRNOTAVAIL
  SK_NAME(EADDRNOTAVAIL),
#endif
#ifdef EAFNOSUPPORT
  SK_NAME(EAFNOSUPPORT),
#endif
#ifdef EAGAIN
  SK_NAME(EAGAIN),
#endif
#ifdef EALREADY
  SK_NAME(EALREADY),
#endif
#ifdef EBADF
  SK_NAME(EBADF),
#endif
#ifdef EBADMSG
  SK_NAME(EBADMSG),
#endif
#ifdef EBUSY
  SK_NAME(EBUSY),
#endif
#ifdef ECANCELED
  SK_NAME(ECANCELED),
#endif
#ifdef ECHILD
  SK_NAME(ECHILD),
#endif
#ifdef ECONNABORTED
  SK_NAME(ECONNABORTED),
#endif
#ifdef ECONNREFUSED
  SK_NAME(ECONNREFUSED),
#endif
#ifdef ECONNRESET
  SK_NAME(ECONNRESET),
#endif
#ifdef EDEADLK
  SK_NAME(EDEADLK),
#endif
#ifdef EDESTADDRREQ
  SK_NAME(EDESTADDRREQ),
#endif
#ifdef EDOM
  SK_NAME(EDOM),
#endif
#ifdef EDQUOT
  SK_NAME(EDQUOT),
#endif
#ifdef EEXIST
  SK_NAME(EEXIST),
#endif
#ifdef EFAULT
  SK_NAME(EFAULT),
#endif
#ifdef EFBIG
  SK_NAME(EFBIG),
#endif
#ifdef EHOSTUNREACH
  SK_NAME(EHOSTUNREACH),
#endif
#ifdef EIDRM
  SK_NAME(EIDRM),
#endif
#ifdef EILSEQ
  SK_NAME(EILSEQ),
#endif
#ifdef EINPROGRESS
  SK_NAME(EINPROGRESS),
#endif
#ifdef EINTR
  SK_NAME(EINTR),
#endif
#ifdef EINVAL
  SK_NAME(EINVAL),
#endif
#ifdef EIO
  SK_NAME(EIO),
#endif
#ifdef EISCONN
  SK_NAME(EISCONN),
#endif
#ifdef EISDIR
  SK_NAME(EISDIR),
#endif
#ifdef ELOOP
  SK_NAME(ELOOP),
#endif
#ifdef EMFILE
  SK_NAME(EMFILE),
#endif
#ifdef EMLINK
  SK_NAME(EMLINK),
#endif
#ifdef EMSGSIZE
  SK_NAME(EMSGSIZE),
#endif
#ifdef EMULTIHOP
  SK_NAME(EMULTIHOP),
#endif
#ifdef ENAMETOOLONG
  SK_NAME(ENAMETOOLONG),
#endif
#ifdef ENETDOWN
  SK_NAME(ENETDOWN),
#endif
#ifdef ENETRESET
  SK_NAME(ENETRESET),
#endif
#ifdef ENETUNREACH
  SK_NAME(ENETUNREACH),
#endif
#ifdef ENFILE
  SK_NAME(ENFILE),
#endif
#ifdef ENOBUFS
  SK_NAME(ENOBUFS),
#endif
#ifdef ENODATA
  SK_NAME(ENODATA),
#endif
#ifdef ENODEV
  SK_NAME(ENODEV),
#endif
#ifdef ENOENT
  SK_NAME(ENOENT),
#endif
#ifdef ENOEXEC
  SK_NAME(ENOEXEC),
#endif
#ifdef ENOLCK
  SK_NAME(ENOLCK),
#endif
#ifdef ENOLINK
  SK_NAME(ENOLINK),
#endif
#ifdef ENOMEM
  SK_NAME(ENOMEM),
#endif
#ifdef ENOMSG
  SK_NAME(ENOMSG),
#endif
#ifdef ENOPROTOOPT
  SK_NAME(ENOPROTOOPT),
#endif
#ifdef ENOSPC
  SK_NAME(ENOSPC),
#endif
#ifdef ENOSR
  SK_NAME(ENOSR),
#endif
#ifdef ENOSTR
  SK_NAME(ENOSTR),
#endif
#ifdef ENOSYS
  SK_NAME(ENOSYS),
#endif
#ifdef ENOTCONN
  SK_NAME(ENOTCONN),
#endif
#ifdef ENOTDIR
  SK_NAME(ENOTDIR),
#endif
#ifdef ENOTEMPTY
  SK_NAME(ENOTEMPTY),
#endif
#ifdef ENOTRECOVERABLE
  SK_NAME(ENOTRECOVERABLE),
#endif
#ifdef ENOTSOCK
  SK_NAME(ENOTSOCK),
#endif
#ifdef ENOTSUP
  SK_NAME(ENOTSUP),
#endif
#ifdef ENOTTY
  SK_NAME(ENOTTY),
#endif
#ifdef ENXIO
  SK_NAME(ENXIO),
#endif
#ifdef EOPNOTSUPP
  SK_NAME(EOPNOTSUPP),
#endif
#ifdef EOVERFLOW
  SK_NAME(EOVERFLOW),
#endif
#ifdef EOWNERDEAD
  SK_NAME(EOWNERDEAD),
#endif
#ifdef EPERM
  SK_NAME(EPERM),
#endif
#ifdef EPIPE
  SK_NAME(EPIPE),
#endif
#ifdef EPROTO
  SK_NAME(EPROTO),
#endif
#ifdef EPROTONOSUPPORT
  SK_NAME(EPROTONOSUPPORT),
#endif
#ifdef EPROTOTYPE
  SK_NAME(EPROTOTYPE),
#endif
#ifdef ERANGE
  SK_NAME(ERANGE),
#endif
#ifdef EROFS
  SK_NAME(EROFS),
#endif
#ifdef ESPIPE
  SK_NAME(ESPIPE),
#endif
#ifdef ESRCH
  SK_NAME(ESRCH),
#endif
#ifdef ESTALE
  SK_NAME(ESTALE),
#endif
#ifdef ETIME
  SK_NAME(ETIME),
#endif
#ifdef ETIMEDOUT
  SK_NAME(ETIMEDOUT),
#endif
#ifdef ETXTBSY
  SK_NAME(ETXTBSY),
#endif
#ifdef EWOULDBLOCK
  SK_NAME(EWOULDBLOCK),
#endif
#ifdef EXDEV
  SK_NAME(EXDEV),
#endif
  { NULL, 0 }
};

napi_value sk_errno_object(napi_env env) {
  napi_value obj;

  if (napi_create_object(env, &obj) != napi_ok ||
      sk_napi_set_names(env, obj, sk_errno_posix) ||
      sk_errno_add_ext(env, obj)) {
    return NULL;
  }
  return obj;
}
