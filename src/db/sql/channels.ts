/** LISTEN/NOTIFY channel names shared by every gateway process. */
export const DELIVERY_CHANNEL = 'kirisan_deliveries';
export const ATTEMPT_CHANNEL = 'kirisan_attempts';
export const ENDPOINT_CHANNEL = 'kirisan_endpoints';
/** Payload: the id of an API key just revoked; every process closes the sockets it authenticated. */
export const API_KEY_CHANNEL = 'kirisan_api_keys';
export const ALERT_CHANNEL = 'kirisan_alerts';
