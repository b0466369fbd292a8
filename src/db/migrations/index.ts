import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123000000_init } from './Migration20261123000000_init.js';
import { Migration20261123100000_bot } from './Migration20261123100000_bot.js';
import { Migration20261123200000_perf } from './Migration20261123200000_perf.js';
import { Migration20261201000000_queue } from './Migration20261201000000_queue.js';
import { Migration20261201100000_catalogue } from './Migration20261201100000_catalogue.js';
import { Migration20261201140000_claimPlans } from './Migration20261201140000_claimPlans.js';
import { Migration20261201210000_endpointSettings } from './Migration20261201210000_endpointSettings.js';
import { Migration20261201220000_security } from './Migration20261201220000_security.js';
import { Migration20261201225000_disabled } from './Migration20261201225000_disabled.js';
import { Migration20261201230000_alertOutbox } from './Migration20261201230000_alertOutbox.js';
import { Migration20261201235000_claimByKey } from './Migration20261201235000_claimByKey.js';
import { Migration20261202000000_rateBursts } from './Migration20261202000000_rateBursts.js';
import { Migration20261202100000_installation } from './Migration20261202100000_installation.js';
import { Migration20261202110000_probeDueOnly } from './Migration20261202110000_probeDueOnly.js';
import { Migration20261202120000_claimPlansKept } from './Migration20261202120000_claimPlansKept.js';

/**
 * Every migration, in order. Listed explicitly so the migrator never has to import files
 * by path (which Node cannot do for .ts under vitest); add each new migration here.
 */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261123000000_init', class: Migration20261123000000_init },
  { name: 'Migration20261123100000_bot', class: Migration20261123100000_bot },
  { name: 'Migration20261123200000_perf', class: Migration20261123200000_perf },
  { name: 'Migration20261201000000_queue', class: Migration20261201000000_queue },
  { name: 'Migration20261201100000_catalogue', class: Migration20261201100000_catalogue },
  { name: 'Migration20261201140000_claimPlans', class: Migration20261201140000_claimPlans },
  { name: 'Migration20261201210000_endpointSettings', class: Migration20261201210000_endpointSettings },
  { name: 'Migration20261201220000_security', class: Migration20261201220000_security },
  { name: 'Migration20261201225000_disabled', class: Migration20261201225000_disabled },
  { name: 'Migration20261201230000_alertOutbox', class: Migration20261201230000_alertOutbox },
  { name: 'Migration20261201235000_claimByKey', class: Migration20261201235000_claimByKey },
  { name: 'Migration20261202000000_rateBursts', class: Migration20261202000000_rateBursts },
  { name: 'Migration20261202100000_installation', class: Migration20261202100000_installation },
  { name: 'Migration20261202110000_probeDueOnly', class: Migration20261202110000_probeDueOnly },
  { name: 'Migration20261202120000_claimPlansKept', class: Migration20261202120000_claimPlansKept },
];
