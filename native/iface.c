/*
 * Network interface names and indexes, for IPv6 zones: Go's zoneCache maps
 * "fe80::1%eth0" to the scope id of eth0 and back, and so must we. These
 * are library calls (if_nametoindex(3) reads the kernel's table through a
 * netlink or ioctl round trip), quick and non-blocking.
 */
#include <net/if.h>
#include <string.h>

#include "binding.h"

/* ifNameToIndex(name): the interface's index, or 0 when there is none, as
 * if_nametoindex(3) reports it.
 */
napi_value sk_iface_name_to_index_js(napi_env env, napi_callback_info info) {
  char name[IF_NAMESIZE + 1];
  napi_value argv[1];
  size_t len;

  if (sk_napi_args(env, info, 1, argv))
    return NULL;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof(name), &len) !=
      napi_ok) {
    return sk_napi_type_error(env, "sockit: name must be a string");
  }
  /* A name that filled the buffer is longer than any interface name. */
  if (len >= IF_NAMESIZE || strlen(name) != len)
    return sk_napi_number(env, 0);
  return sk_napi_number(env, if_nametoindex(name));
}

/* ifIndexToName(index): the interface's name, or null when there is none.
 */
napi_value sk_iface_index_to_name_js(napi_env env, napi_callback_info info) {
  char name[IF_NAMESIZE];
  napi_value argv[1];
  napi_value result;
  int32_t index;

  if (sk_napi_args(env, info, 1, argv) ||
      sk_napi_int(env, argv[0], "index", &index)) {
    return NULL;
  }
  if (index <= 0 || if_indextoname((unsigned int) index, name) == NULL) {
    if (napi_get_null(env, &result) != napi_ok)
      return NULL;
    return result;
  }
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &result) != napi_ok)
    return NULL;
  return result;
}
