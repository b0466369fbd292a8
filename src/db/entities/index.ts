export { Account } from './Account.js';
export { ApiKey } from './ApiKey.js';
export { Device } from './Device.js';
export { Endpoint } from './Endpoint.js';
export { AdminChat } from './AdminChat.js';
export { AdminLinkCode } from './AdminLinkCode.js';
export { AlertState } from './AlertState.js';
export { ChatSession } from './ChatSession.js';
