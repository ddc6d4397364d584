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
import { slow } from './slow.js';
import { lacp } from './lacp.js';
import { marker } from './marker.js';
import { ossp } from './ossp.js';
registry.add('ethertype', 0x8809, slow);
registry.add('slow.subtype', 1, lacp);
registry.add('slow.subtype', 2, marker);
registry.add('slow.subtype', 10, ossp);
import { sll } from './sll.js';
import { sll2 } from './sll2.js';
registry.add('linktype', 113, sll);
registry.add('linktype', 276, sll2);

// ---- network, transport and cluster protocols ----
import { ipv4, ipv4Raw } from './ipv4.js';
import { ipv6, ipv6Raw } from './ipv6.js';
import { udp } from './udp.js';
import { tcp } from './tcp.js';
import { carp } from './carp.js';
import { vrrp } from './vrrp.js';
import { hsrp } from './hsrp.js';
import { knet, KNET_PORTS } from './knet.js';
import { mscs } from './mscs.js';
registry.add('linktype', 101, ipv4Raw); // LINKTYPE_RAW: IPv4 or IPv6 by the version nibble (added first:
registry.add('linktype', 101, ipv6Raw); // the plain ipv4/ipv6 added below stay the ones known by name)
registry.add('ethertype', 0x0800, ipv4);
registry.add('linktype', 228, ipv4);
registry.add('ethertype', 0x86dd, ipv6);
registry.add('linktype', 229, ipv6);
registry.add('ip.proto', 17, udp);
registry.add('ip.proto', 6, tcp);
registry.add('ip.proto', 112, carp); // CARP's heuristic first, then VRRP (PROTOCOLS.md §2.8)
registry.add('ip.proto', 112, vrrp);
registry.add('udp.port', 1985, hsrp);
registry.add('udp.port', 2029, hsrp);
for (const port of KNET_PORTS) registry.add('udp.port', port, knet);
registry.add('udp.port', 3343, mscs);

export { registry };
