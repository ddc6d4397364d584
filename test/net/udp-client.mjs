// A client on the lab segment (test/net/keepalived.test.ts): one small UDP datagram to ADDR:PORT
// every INTERVAL ms, so the client keeps an ARP entry for the virtual IP and sends to its owner.
//   node udp-client.mjs ADDR [PORT] [INTERVAL_MS]
import dgram from 'node:dgram';

const [addr, port = '9', every = '200'] = process.argv.slice(2);
const sock = dgram.createSocket('udp4');
let n = 0;
const timer = setInterval(() => {
  sock.send(Buffer.from(`teamscope lab client ${n++}`), Number(port), addr, () => {});
}, Number(every));
process.on('SIGTERM', () => {
  clearInterval(timer);
  sock.close();
});
process.stdout.write(`sending to ${addr}:${port} every ${every} ms\n`);
