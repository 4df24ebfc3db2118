/*
 * The errno names beyond POSIX.1-2008: those Linux and macOS share from
 * their BSD heritage, then each platform's own. Every name sits under
 * #ifdef, so this file compiles unchanged on both (a table whose names are
 * all missing holds just its terminator); see errno.c for why the tables
 * exist.
 */
#include <errno.h>

#include "binding.h"

/* Names both Linux and macOS define outside POSIX. */
static const sk_name_t sk_errno_bsd[] = {
#ifdef EHOSTDOWN
  SK_NAME(EHOSTDOWN),
#endif
#ifdef ENOTBLK
  SK_NAME(ENOTBLK),
#endif
#ifdef EPFNOSUPPORT
  SK_NAME(EPFNOSUPPORT),
#endif
#ifdef EREMOTE
  SK_NAME(EREMOTE),
#endif
#ifdef ESHUTDOWN
  SK_NAME(ESHUTDOWN),
#endif
#ifdef ESOCKTNOSUPPORT
  SK_NAME(ESOCKTNOSUPPORT),
#endif
#ifdef ETOOMANYREFS
  SK_NAME(ETOOMANYREFS),
#endif
#ifdef EUSERS
  SK_NAME(EUSERS),
#endif
  { NULL, 0 }
};

/* Linux's own names (errno(3)), from its STREAMS and SysV heritage. */
static const sk_name_t sk_errno_linux[] = {
#ifdef EADV
  SK_NAME(EADV),
#endif
#ifdef EBADE
  SK_NAME(EBADE),
#endif
#ifdef EBADFD
  SK_NAME(EBADFD),
#endif
#ifdef EBADR
  SK_NAME(EBADR),
#endif
#ifdef EBADRQC
  SK_NAME(EBADRQC),
#endif
#ifdef EBADSLT
  SK_NAME(EBADSLT),
#endif
#ifdef EBFONT
  SK_NAME(EBFONT),
#endif
#ifdef ECHRNG
  SK_NAME(ECHRNG),
#endif
#ifdef ECOMM
  SK_NAME(ECOMM),
#endif
#ifdef EDEADLOCK
  SK_NAME(EDEADLOCK),
#endif
#ifdef EDOTDOT
  SK_NAME(EDOTDOT),
#endif
#ifdef EHWPOISON
  SK_NAME(EHWPOISON),
#endif
#ifdef EISNAM
  SK_NAME(EISNAM),
#endif
#ifdef EKEYEXPIRED
  SK_NAME(EKEYEXPIRED),
#endif
#ifdef EKEYREJECTED
  SK_NAME(EKEYREJECTED),
#endif
#ifdef EKEYREVOKED
  SK_NAME(EKEYREVOKED),
#endif
#ifdef EL2HLT
  SK_NAME(EL2HLT),
#endif
#ifdef EL2NSYNC
  SK_NAME(EL2NSYNC),
#endif
#ifdef EL3HLT
  SK_NAME(EL3HLT),
#endif
#ifdef EL3RST
  SK_NAME(EL3RST),
#endif
#ifdef ELIBACC
  SK_NAME(ELIBACC),
#endif
#ifdef ELIBBAD
  SK_NAME(ELIBBAD),
#endif
#ifdef ELIBEXEC
  SK_NAME(ELIBEXEC),
#endif
#ifdef ELIBMAX
  SK_NAME(ELIBMAX),
#endif
#ifdef ELIBSCN
  SK_NAME(ELIBSCN),
#endif
#ifdef ELNRNG
  SK_NAME(ELNRNG),
#endif
#ifdef EMEDIUMTYPE
  SK_NAME(EMEDIUMTYPE),
#endif
#ifdef ENAVAIL
  SK_NAME(ENAVAIL),
#endif
#ifdef ENOANO
  SK_NAME(ENOANO),
#endif
#ifdef ENOCSI
  SK_NAME(ENOCSI),
#endif
#ifdef ENOKEY
  SK_NAME(ENOKEY),
#endif
#ifdef ENOMEDIUM
  SK_NAME(ENOMEDIUM),
#endif
#ifdef ENONET
  SK_NAME(ENONET),
#endif
#ifdef ENOPKG
  SK_NAME(ENOPKG),
#endif
#ifdef ENOTNAM
  SK_NAME(ENOTNAM),
#endif
#ifdef ENOTUNIQ
  SK_NAME(ENOTUNIQ),
#endif
#ifdef EREMCHG
  SK_NAME(EREMCHG),
#endif
#ifdef EREMOTEIO
  SK_NAME(EREMOTEIO),
#endif
#ifdef ERESTART
  SK_NAME(ERESTART),
#endif
#ifdef ERFKILL
  SK_NAME(ERFKILL),
#endif
#ifdef ESRMNT
  SK_NAME(ESRMNT),
#endif
#ifdef ESTRPIPE
  SK_NAME(ESTRPIPE),
#endif
#ifdef EUCLEAN
  SK_NAME(EUCLEAN),
#endif
#ifdef EUNATCH
  SK_NAME(EUNATCH),
#endif
#ifdef EXFULL
  SK_NAME(EXFULL),
#endif
  { NULL, 0 }
};

/* macOS's own names (intro(2)). */
static const sk_name_t sk_errno_darwin[] = {
#ifdef EAUTH
  SK_NAME(EAUTH),
#endif
#ifdef EBADARCH
  SK_NAME(EBADARCH),
#endif
#ifdef EBADEXEC
  SK_NAME(EBADEXEC),
#endif
#ifdef EBADMACHO
  SK_NAME(EBADMACHO),
#endif
#ifdef EBADRPC
  SK_NAME(EBADRPC),
#endif
#ifdef EDEVERR
  SK_NAME(EDEVERR),
#endif
#ifdef EFTYPE
  SK_NAME(EFTYPE),
#endif
#ifdef ENEEDAUTH
  SK_NAME(ENEEDAUTH),
#endif
#ifdef ENOATTR
  SK_NAME(ENOATTR),
#endif
#ifdef ENOPOLICY
  SK_NAME(ENOPOLICY),
#endif
#ifdef EPROCLIM
  SK_NAME(EPROCLIM),
#endif
#ifdef EPROCUNAVAIL
  SK_NAME(EPROCUNAVAIL),
#endif
#ifdef EPROGMISMATCH
  SK_NAME(EPROGMISMATCH),
#endif
#ifdef EPROGUNAVAIL
  SK_NAME(EPROGUNAVAIL),
#endif
#ifdef EPWROFF
  SK_NAME(EPWROFF),
#endif
#ifdef EQFULL
  SK_NAME(EQFULL),
#endif
#ifdef ERPCMISMATCH
  SK_NAME(ERPCMISMATCH),
#endif
#ifdef ESHLIBVERS
  SK_NAME(ESHLIBVERS),
#endif
  { NULL, 0 }
};

int sk_errno_add_ext(napi_env env, napi_value obj) {
  if (sk_napi_set_names(env, obj, sk_errno_bsd) ||
      sk_napi_set_names(env, obj, sk_errno_linux) ||
      sk_napi_set_names(env, obj, sk_errno_darwin)) {
    return -1;
  }
  return 0;
}
