/**
 * The platform's socket constants, read from the native core at start-up (they differ between
 * Linux and macOS, so none is written here). Empty when the core failed to load: then every
 * call fails first with the load error.
 */
import { binding, bindingError, type Binding } from "./binding.js";

/**
 * Address families, socket types, levels, options, shutdown modes, message flags, open(2) flags,
 * file types, and sockit's layout facts (`SK_*`: struct sizes, offsets, byte order, the slots
 * of recvmsg's `info`), as {@link Binding.constants} lists them. A name the platform lacks is
 * absent, so read it as `C.NAME!` only where the platform is known to have it.
 */
export const C: Readonly<Record<string, number>> = bindingError === null ? binding.constants : {};
