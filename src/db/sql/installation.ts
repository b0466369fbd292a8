import type pg from 'pg';

/** The installation's id (one row, made by its migration); see core/webhookIds.ts. */
export async function readInstallationId(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(`select id from installation`);
  if (!rows[0]) throw new Error('the database has no installation id (its migrations did not run to the end)');
  return rows[0].id;
}
