/*
 * The errno names beyond POSIX.1-2008: those Linux and macOS share from
 * their BSD heritage, then each platform's own. Every name sits under
 * #ifdef, so this file compiles unchanged on both; see errno.c for why the
 * table exists.
 */
#include <errno.h>

#include "binding.h"

#define SK_ERRNO(name)                                                        \
  do {                                                                        \
    if (sk_napi_set_int(env, obj, #name, (name)))                             \
      return -1;                                                              \
  } while (0)

/* Names both Linux and macOS define outside POSIX. */
static int sk_errno_add_bsd(napi_env env, napi_value obj) {
#ifdef EHOSTDOWN
  SK_ERRNO(EHOSTDOWN);
#endif
#ifdef ENOTBLK
  SK_ERRNO(ENOTBLK);
#endif
#ifdef EPFNOSUPPORT
  SK_ERRNO(EPFNOSUPPORT);
#endif
#ifdef EREMOTE
  SK_ERRNO(EREMOTE);
#endif
#ifdef ESHUTDOWN
  SK_ERRNO(ESHUTDOWN);
#endif
#ifdef ESOCKTNOSUPPORT
  SK_ERRNO(ESOCKTNOSUPPORT);
#endif
#ifdef ETOOMANYREFS
  SK_ERRNO(ETOOMANYREFS);
#endif
#ifdef EUSERS
  SK_ERRNO(EUSERS);
#endif
  return 0;
}

/* Linux's own names (errno(3)), from the STREAMS and SysV heritage. */
static int sk_errno_add_linux(napi_env env, napi_value obj) {
  /* On the other platform no name below exists, and both parameters
   * would be unused.
   */
  (void) env;
  (void) obj;
#ifdef EADV
  SK_ERRNO(EADV);
#endif
#ifdef EBADE
  SK_ERRNO(EBADE);
#endif
#ifdef EBADFD
  SK_ERRNO(EBADFD);
#endif
#ifdef EBADR
  SK_ERRNO(EBADR);
#endif
#ifdef EBADRQC
  SK_ERRNO(EBADRQC);
#endif
#ifdef EBADSLT
  SK_ERRNO(EBADSLT);
#endif
#ifdef EBFONT
  SK_ERRNO(EBFONT);
#endif
#ifdef ECHRNG
  SK_ERRNO(ECHRNG);
#endif
#ifdef ECOMM
  SK_ERRNO(ECOMM);
#endif
#ifdef EDEADLOCK
  SK_ERRNO(EDEADLOCK);
#endif
#ifdef EDOTDOT
  SK_ERRNO(EDOTDOT);
#endif
#ifdef EHWPOISON
  SK_ERRNO(EHWPOISON);
#endif
#ifdef EISNAM
  SK_ERRNO(EISNAM);
#endif
#ifdef EKEYEXPIRED
  SK_ERRNO(EKEYEXPIRED);
#endif
#ifdef EKEYREJECTED
  SK_ERRNO(EKEYREJECTED);
#endif
#ifdef EKEYREVOKED
  SK_ERRNO(EKEYREVOKED);
#endif
#ifdef EL2HLT
  SK_ERRNO(EL2HLT);
#endif
#ifdef EL2NSYNC
  SK_ERRNO(EL2NSYNC);
#endif
#ifdef EL3HLT
  SK_ERRNO(EL3HLT);
#endif
#ifdef EL3RST
  SK_ERRNO(EL3RST);
#endif
#ifdef ELIBACC
  SK_ERRNO(ELIBACC);
#endif
#ifdef ELIBBAD
  SK_ERRNO(ELIBBAD);
#endif
#ifdef ELIBEXEC
  SK_ERRNO(ELIBEXEC);
#endif
#ifdef ELIBMAX
  SK_ERRNO(ELIBMAX);
#endif
#ifdef ELIBSCN
  SK_ERRNO(ELIBSCN);
#endif
#ifdef ELNRNG
  SK_ERRNO(ELNRNG);
#endif
#ifdef EMEDIUMTYPE
  SK_ERRNO(EMEDIUMTYPE);
#endif
#ifdef ENAVAIL
  SK_ERRNO(ENAVAIL);
#endif
#ifdef ENOANO
  SK_ERRNO(ENOANO);
#endif
#ifdef ENOCSI
  SK_ERRNO(ENOCSI);
#endif
#ifdef ENOKEY
  SK_ERRNO(ENOKEY);
#endif
#ifdef ENOMEDIUM
  SK_ERRNO(ENOMEDIUM);
#endif
#ifdef ENONET
  SK_ERRNO(ENONET);
#endif
#ifdef ENOPKG
  SK_ERRNO(ENOPKG);
#endif
#ifdef ENOTNAM
  SK_ERRNO(ENOTNAM);
#endif
#ifdef ENOTUNIQ
  SK_ERRNO(ENOTUNIQ);
#endif
#ifdef EREMCHG
  SK_ERRNO(EREMCHG);
#endif
#ifdef EREMOTEIO
  SK_ERRNO(EREMOTEIO);
#endif
#ifdef ERESTART
  SK_ERRNO(ERESTART);
#endif
#ifdef ERFKILL
  SK_ERRNO(ERFKILL);
#endif
#ifdef ESRMNT
  SK_ERRNO(ESRMNT);
#endif
#ifdef ESTRPIPE
  SK_ERRNO(ESTRPIPE);
#endif
#ifdef EUCLEAN
  SK_ERRNO(EUCLEAN);
#endif
#ifdef EUNATCH
  SK_ERRNO(EUNATCH);
#endif
#ifdef EXFULL
  SK_ERRNO(EXFULL);
#endif
  return 0;
}

/* macOS's own names (intro(2)). */
static int sk_errno_add_darwin(napi_env env, napi_value obj) {
  /* On the other platform no name below exists, and both parameters
   * would be unused.
   */
  (void) env;
  (void) obj;
#ifdef EAUTH
  SK_ERRNO(EAUTH);
#endif
#ifdef EBADARCH
  SK_ERRNO(EBADARCH);
#endif
#ifdef EBADEXEC
  SK_ERRNO(EBADEXEC);
#endif
#ifdef EBADMACHO
  SK_ERRNO(EBADMACHO);
#endif
#ifdef EBADRPC
  SK_ERRNO(EBADRPC);
#endif
#ifdef EDEVERR
  SK_ERRNO(EDEVERR);
#endif
#ifdef EFTYPE
  SK_ERRNO(EFTYPE);
#endif
#ifdef ENEEDAUTH
  SK_ERRNO(ENEEDAUTH);
#endif
#ifdef ENOATTR
  SK_ERRNO(ENOATTR);
#endif
#ifdef ENOPOLICY
  SK_ERRNO(ENOPOLICY);
#endif
#ifdef EPROCLIM
  SK_ERRNO(EPROCLIM);
#endif
#ifdef EPROCUNAVAIL
  SK_ERRNO(EPROCUNAVAIL);
#endif
#ifdef EPROGMISMATCH
  SK_ERRNO(EPROGMISMATCH);
#endif
#ifdef EPROGUNAVAIL
  SK_ERRNO(EPROGUNAVAIL);
#endif
#ifdef EPWROFF
  SK_ERRNO(EPWROFF);
#endif
#ifdef EQFULL
  SK_ERRNO(EQFULL);
#endif
#ifdef ERPCMISMATCH
  SK_ERRNO(ERPCMISMATCH);
#endif
#ifdef ESHLIBVERS
  SK_ERRNO(ESHLIBVERS);
#endif
  return 0;
}

int sk_errno_add_ext(napi_env env, napi_value obj) {
  if (sk_errno_add_bsd(env, obj) ||
      sk_errno_add_linux(env, obj) ||
      sk_errno_add_darwin(env, obj)) {
    return -1;
  }
  return 0;
}
