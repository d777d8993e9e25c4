export { dsarRequest } from './dsar-request';
