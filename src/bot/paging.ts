import type { Page } from '../core/pagination.js';

/**
 * Page `index` (0-based) of a keyset-paginated core list. Buttons carry a page number, not a
 * cursor (cursors do not fit in 64 bytes of callback data), so the cursor is walked to.
 */
export async function pageAt<T>(fetch: (after: string | null) => Promise<Page<T>>, index: number): Promise<Page<T>> {
  let page = await fetch(null);
  for (let i = 0; i < index && page.hasNextPage; i++) page = await fetch(page.endCursor);
  return page;
}
