// Every dissector and the table entries it is reached through: adding a protocol is one line here.
import { registry } from './registry.js';

// ---- link layer and slow protocols ----
import { ethernet } from './ethernet.js';
import { vlan, vlanTpids } from './vlan.js';
import { llc, LLC_PDU, ETH_P_802_2 } from './llc.js';
registry.add('linktype', 1, ethernet);
for (const tpid of vlanTpids) registry.add('ethertype', tpid, vlan);
registry.add('llc.sap', LLC_PDU, llc);
registry.add('sll.proto', ETH_P_802_2, llc);
import { arp } from './arp.js';
registry.add('ethertype', 0x0806, arp);
registry.add('ethertype', 0x8035, arp);

// ---- network, transport and cluster protocols ----

export { registry };
