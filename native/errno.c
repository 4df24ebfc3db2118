/*
 * The `errnos` object: every errno name this platform defines, mapped to its
 * number (EAGAIN: 11 on Linux, 35 on macOS).
 *
 * JavaScript turns the negative numbers the core returns into Node-style
 * codes and Go's error texts with this table, so it must be complete and
 * must come from the headers, never from hard-coded numbers (see Netty's
 * native transport, which does the same). Each name sits under #ifdef
 * because no two platforms define the same set. Aliases (EWOULDBLOCK and
 * EAGAIN, ENOTSUP and EOPNOTSUPP on Linux) are listed under both names.
 *
 * This file holds the names POSIX.1-2008 requires; errno_ext.c holds the
 * BSD, Linux and macOS extensions.
 */
#include <errno.h>

#include "binding.h"

#define SK_ERRNO(name)                                                        \
  do {                                                                        \
    if (sk_napi_set_int(env, obj, #name, (name)))                             \
      return -1;                                                              \
  } while (0)

int sk_errno_add_posix(napi_env env, napi_value obj) {
#ifdef E2BIG
  SK_ERRNO(E2BIG);
#endif
#ifdef EACCES
  SK_ERRNO(EACCES);
#endif
#ifdef EADDRINUSE
  SK_ERRNO(EADDRINUSE);
#endif
#ifdef EADDRNOTAVAIL
  SK_ERRNO(EADDRNOTAVAIL);
#endif
#ifdef EAFNOSUPPORT
  SK_ERRNO(EAFNOSUPPORT);
#endif
#ifdef EAGAIN
  SK_ERRNO(EAGAIN);
#endif
#ifdef EALREADY
  SK_ERRNO(EALREADY);
#endif
#ifdef EBADF
  SK_ERRNO(EBADF);
#endif
#ifdef EBADMSG
  SK_ERRNO(EBADMSG);
#endif
#ifdef EBUSY
  SK_ERRNO(EBUSY);
#endif
#ifdef ECANCELED
  SK_ERRNO(ECANCELED);
#endif
#ifdef ECHILD
  SK_ERRNO(ECHILD);
#endif
#ifdef ECONNABORTED
  SK_ERRNO(ECONNABORTED);
#endif
#ifdef ECONNREFUSED
  SK_ERRNO(ECONNREFUSED);
#endif
#ifdef ECONNRESET
  SK_ERRNO(ECONNRESET);
#endif
#ifdef EDEADLK
  SK_ERRNO(EDEADLK);
#endif
#ifdef EDESTADDRREQ
  SK_ERRNO(EDESTADDRREQ);
#endif
#ifdef EDOM
  SK_ERRNO(EDOM);
#endif
#ifdef EDQUOT
  SK_ERRNO(EDQUOT);
#endif
#ifdef EEXIST
  SK_ERRNO(EEXIST);
#endif
#ifdef EFAULT
  SK_ERRNO(EFAULT);
#endif
#ifdef EFBIG
  SK_ERRNO(EFBIG);
#endif
#ifdef EHOSTUNREACH
  SK_ERRNO(EHOSTUNREACH);
#endif
#ifdef EIDRM
  SK_ERRNO(EIDRM);
#endif
#ifdef EILSEQ
  SK_ERRNO(EILSEQ);
#endif
#ifdef EINPROGRESS
  SK_ERRNO(EINPROGRESS);
#endif
#ifdef EINTR
  SK_ERRNO(EINTR);
#endif
#ifdef EINVAL
  SK_ERRNO(EINVAL);
#endif
#ifdef EIO
  SK_ERRNO(EIO);
#endif
#ifdef EISCONN
  SK_ERRNO(EISCONN);
#endif
#ifdef EISDIR
  SK_ERRNO(EISDIR);
#endif
#ifdef ELOOP
  SK_ERRNO(ELOOP);
#endif
#ifdef EMFILE
  SK_ERRNO(EMFILE);
#endif
#ifdef EMLINK
  SK_ERRNO(EMLINK);
#endif
#ifdef EMSGSIZE
  SK_ERRNO(EMSGSIZE);
#endif
#ifdef EMULTIHOP
  SK_ERRNO(EMULTIHOP);
#endif
#ifdef ENAMETOOLONG
  SK_ERRNO(ENAMETOOLONG);
#endif
#ifdef ENETDOWN
  SK_ERRNO(ENETDOWN);
#endif
#ifdef ENETRESET
  SK_ERRNO(ENETRESET);
#endif
#ifdef ENETUNREACH
  SK_ERRNO(ENETUNREACH);
#endif
#ifdef ENFILE
  SK_ERRNO(ENFILE);
#endif
#ifdef ENOBUFS
  SK_ERRNO(ENOBUFS);
#endif
#ifdef ENODATA
  SK_ERRNO(ENODATA);
#endif
#ifdef ENODEV
  SK_ERRNO(ENODEV);
#endif
#ifdef ENOENT
  SK_ERRNO(ENOENT);
#endif
#ifdef ENOEXEC
  SK_ERRNO(ENOEXEC);
#endif
#ifdef ENOLCK
  SK_ERRNO(ENOLCK);
#endif
#ifdef ENOLINK
  SK_ERRNO(ENOLINK);
#endif
#ifdef ENOMEM
  SK_ERRNO(ENOMEM);
#endif
#ifdef ENOMSG
  SK_ERRNO(ENOMSG);
#endif
#ifdef ENOPROTOOPT
  SK_ERRNO(ENOPROTOOPT);
#endif
#ifdef ENOSPC
  SK_ERRNO(ENOSPC);
#endif
#ifdef ENOSR
  SK_ERRNO(ENOSR);
#endif
#ifdef ENOSTR
  SK_ERRNO(ENOSTR);
#endif
#ifdef ENOSYS
  SK_ERRNO(ENOSYS);
#endif
#ifdef ENOTCONN
  SK_ERRNO(ENOTCONN);
#endif
#ifdef ENOTDIR
  SK_ERRNO(ENOTDIR);
#endif
#ifdef ENOTEMPTY
  SK_ERRNO(ENOTEMPTY);
#endif
#ifdef ENOTRECOVERABLE
  SK_ERRNO(ENOTRECOVERABLE);
#endif
#ifdef ENOTSOCK
  SK_ERRNO(ENOTSOCK);
#endif
#ifdef ENOTSUP
  SK_ERRNO(ENOTSUP);
#endif
#ifdef ENOTTY
  SK_ERRNO(ENOTTY);
#endif
#ifdef ENXIO
  SK_ERRNO(ENXIO);
#endif
#ifdef EOPNOTSUPP
  SK_ERRNO(EOPNOTSUPP);
#endif
#ifdef EOVERFLOW
  SK_ERRNO(EOVERFLOW);
#endif
#ifdef EOWNERDEAD
  SK_ERRNO(EOWNERDEAD);
#endif
#ifdef EPERM
  SK_ERRNO(EPERM);
#endif
#ifdef EPIPE
  SK_ERRNO(EPIPE);
#endif
#ifdef EPROTO
  SK_ERRNO(EPROTO);
#endif
#ifdef EPROTONOSUPPORT
  SK_ERRNO(EPROTONOSUPPORT);
#endif
#ifdef EPROTOTYPE
  SK_ERRNO(EPROTOTYPE);
#endif
#ifdef ERANGE
  SK_ERRNO(ERANGE);
#endif
#ifdef EROFS
  SK_ERRNO(EROFS);
#endif
#ifdef ESPIPE
  SK_ERRNO(ESPIPE);
#endif
#ifdef ESRCH
  SK_ERRNO(ESRCH);
#endif
#ifdef ESTALE
  SK_ERRNO(ESTALE);
#endif
#ifdef ETIME
  SK_ERRNO(ETIME);
#endif
#ifdef ETIMEDOUT
  SK_ERRNO(ETIMEDOUT);
#endif
#ifdef ETXTBSY
  SK_ERRNO(ETXTBSY);
#endif
#ifdef EWOULDBLOCK
  SK_ERRNO(EWOULDBLOCK);
#endif
#ifdef EXDEV
  SK_ERRNO(EXDEV);
#endif
  return 0;
}

napi_value sk_errno_object(napi_env env) {
  napi_value obj;

  if (napi_create_object(env, &obj) != napi_ok ||
      sk_errno_add_posix(env, obj) ||
      sk_errno_add_ext(env, obj)) {
    return NULL;
  }
  return obj;
}
