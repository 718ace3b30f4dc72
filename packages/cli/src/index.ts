export { parseUpOptions, toAddress, UP_DEFAULTS, type UpOptions } from './up-options.js';
