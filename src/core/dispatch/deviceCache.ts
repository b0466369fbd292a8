import type pg from 'pg';
import { devicesByTokens, type DeviceRow } from '../../db/sql/devicesByTokens.js';
import { DevicesChanged } from '../../db/sql/insertEvent.js';
import { CoreError } from '../errors.js';

/** Devices kept per process: far more than the devices publishing at once on one gateway. */
const MAX_DEVICES = 10_000;

/** Tries of one publish whose devices keep changing under it before every changed one is refused. */
const TRIES = 3;

/**
 * The devices publishes found, by token, so that a publish costs one statement instead of a
 * lookup and then the insert (each statement costs the publishing process 250–300 µs of CPU
 * here, and one more round trip). A device's id, account, channel and token never change
 * (registry/devices.ts); its inbound handler can, and a device can go with its account. The
 * insert stores nothing when a device it routes for is gone or has another handler
 * (DevicesChanged), and the publish is prepared again from fresh rows: a copy kept here is
 * never believed past the statement that uses it. A token not found is never kept, so an
 * unknown device is refused by the database every time.
 */
export class DeviceCache {
  private readonly rows = new Map<string, DeviceRow>();

  constructor(private readonly pool: pg.Pool) {}

  /** The devices of `tokens` that exist; from the database when `fresh` or not kept. */
  async lookup(tokens: string[], fresh = false): Promise<Map<string, DeviceRow>> {
    const found = new Map<string, DeviceRow>();
    const missing: string[] = [];
    for (const t of tokens) {
      const row = fresh ? undefined : this.rows.get(t);
      if (!row) {
        missing.push(t);
        continue;
      }
      found.set(t, row);
      // The most recently used last, so that the oldest go first below (a Map keeps insertion order).
      this.rows.delete(t);
      this.rows.set(t, row);
    }
    if (!missing.length) return found;
    const rows = await devicesByTokens(this.pool, missing);
    for (const t of missing) {
      const row = rows.get(t);
      this.rows.delete(t);
      if (!row) continue;
      found.set(t, row);
      this.rows.set(t, row);
    }
    for (const t of this.rows.keys()) {
      if (this.rows.size <= MAX_DEVICES) break;
      this.rows.delete(t);
    }
    return found;
  }

  /**
   * Runs `store` with the devices of `tokens` (kept ones first, then fresh ones once the insert
   * said a device changed). A device that changed again under the fresh try (its handler
   * edited twice within milliseconds) is in `changedTwice` for the next try: the caller refuses
   * what depends on it (deviceConflict) and stores the rest.
   */
  async withDevices<T>(
    tokens: string[],
    store: (devices: Map<string, DeviceRow>, changedTwice: ReadonlySet<string>) => Promise<T>,
    opts: { fresh?: boolean } = {},
  ): Promise<T> {
    const changedTwice = new Set<string>();
    for (let tried = 0; ; tried++) {
      try {
        return await store(await this.lookup(tokens, opts.fresh || tried > 0), changedTwice);
      } catch (e) {
        if (!(e instanceof DevicesChanged)) throw e;
        if (tried >= TRIES) throw deviceConflict('deviceToken');
        if (tried > 0 || opts.fresh) for (const id of e.deviceIds) changedTwice.add(id);
      }
    }
  }
}

/** What a publish whose device changed twice while it was being stored is answered. */
export const deviceConflict = (field: string): CoreError =>
  new CoreError('CONFLICT', `${field}: the device changed while this event was being stored; publish it again`, field, { reason: 'the device changed while this event was being stored' });
