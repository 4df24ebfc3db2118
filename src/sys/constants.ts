/**
 * The platform's socket constants, read from the native core at start-up (they differ between
 * Linux and macOS, so none is written here). Empty when the core failed to load: then every
 * call fails first with the load error.
 */
import { binding, bindingError } from "./binding.js";

/** Address families, socket types, levels, options, shutdown modes and message flags. */
export const C: Readonly<Record<string, number>> = bindingError === null ? binding.constants : {};
