// Every dissector and the table entries it is reached through: adding a protocol is one line here.
import { registry } from './registry.js';

// ---- link layer and slow protocols ----

// ---- network, transport and cluster protocols ----

export { registry };
