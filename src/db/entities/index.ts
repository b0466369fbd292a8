export { Account } from './Account.js';
export { ApiKey } from './ApiKey.js';
export { Device } from './Device.js';
export { Endpoint } from './Endpoint.js';
