import type pg from 'pg';
import { devicesByTokens, type DeviceRow } from '../../db/sql/devicesByTokens.js';
import { DevicesChanged } from '../../db/sql/insertEvent.js';
import { CoreError } from '../errors.js';

/** Devices kept per process: far more than the devices publishing at once on one gateway. */
const MAX_DEVICES = 10_000;

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
      if (row) found.set(t, row);
      else missing.push(t);
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
    // The oldest found go first (a Map keeps insertion order).
    for (const t of this.rows.keys()) {
      if (this.rows.size <= MAX_DEVICES) break;
      this.rows.delete(t);
    }
    return found;
  }

  /**
   * Runs `store` with the devices of `tokens`; if the insert says a device changed, forgets
   * what was kept and runs it once more on fresh rows. A device changing again within that
   * second try (a handler edited twice in a few milliseconds) is answered CONFLICT.
   */
  async withDevices<T>(tokens: string[], store: (devices: Map<string, DeviceRow>) => Promise<T>): Promise<T> {
    try {
      return await store(await this.lookup(tokens));
    } catch (e) {
      if (!(e instanceof DevicesChanged)) throw e;
    }
    try {
      return await store(await this.lookup(tokens, true));
    } catch (e) {
      if (!(e instanceof DevicesChanged)) throw e;
      throw new CoreError('CONFLICT', 'the device changed while this event was being stored; publish it again', 'deviceToken', { cause: e });
    }
  }
}
