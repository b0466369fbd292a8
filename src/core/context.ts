import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Sender } from './dispatch/sender.js';
import type { GatewayEvents } from './observe.js';
import type { AuthLimiter } from './security/authLimiter.js';
import type { TargetPolicy } from './security/urlGuard.js';
import type { WebhookIds } from './webhookIds.js';

/** What every core service is built from; passed in, never looked up globally. */
export interface CoreContext {
  db: Database;
  config: Config;
  /** URL guard policy: whether private targets are allowed, and how names resolve. */
  targets: TargetPolicy;
  /** The HTTP client of Send test (workers get their own). */
  sender: Sender;
  events: GatewayEvents;
  /** Failed authentications per client address, in this process. */
  authLimiter: AuthLimiter;
  now: () => Date;
  /** The webhook-ids of this installation's deliveries and alerts. */
  webhookIds: WebhookIds;
}
