import { recorder } from '../recorder.js';
import { instrumentFetch } from './fetch.js';
import { instrumentHttpClients } from './http-client.js';

/** Installs outgoing-HTTP tracing on the first `configure()` that asks for it (the default). */
export function installOutgoing(): void {
  recorder.onConfigure((config) => {
    if (!config.enabled || !config.instrumentOutgoing) return;
    instrumentHttpClients();
    instrumentFetch();
  });
}
