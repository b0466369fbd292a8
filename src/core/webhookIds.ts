/**
 * The `webhook-id` header of what the gateway sends: `msg_<installation>_<delivery id>` for a
 * delivery, `alert_<installation>_<alert id>` for an alert webhook's POST. The database id
 * makes it the same on every retry and redelivery of one delivery (receivers deduplicate on
 * it); the installation part (db/migrations/…_installation.ts) keeps a wiped database, whose
 * sequences start again from 1, from repeating ids a receiver has already seen.
 */
export interface WebhookIds {
  delivery(deliveryId: string): string;
  alert(alertId: string): string;
}

export function webhookIds(installation: string): WebhookIds {
  return {
    delivery: (deliveryId) => `msg_${installation}_${deliveryId}`,
    alert: (alertId) => `alert_${installation}_${alertId}`,
  };
}
