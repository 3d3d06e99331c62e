// A reference floor for bench/proxy, not a proxy anyone should use: the
// least a Node proxy can do per request over raw sockets. It forwards every
// request on 127.0.0.1:LISTEN to 127.0.0.1:APP over a keep-alive pool, drops
// only Connection/Keep-Alive, adds X-Forwarded-For/Proto and Via, and
// understands only bodiless requests and Content-Length responses. No
// routing, no validation, no error handling: what is left is the cost of the
// socket reads and writes and the event loop, which berth's fast path pays too.
//
//   node bench/proxy/bare-proxy.js LISTEN_PORT APP_PORT   (prints "ready")
import net from 'node:net';

const [listenPort, appPort] = process.argv.slice(2).map(Number);
const idle = [];

function withApp(callback) {
  // Skip connections the app closed while idle (its keep-alive timeout): the one check even a floor needs.
  for (let pooled = idle.pop(); pooled; pooled = idle.pop()) if (!pooled.destroyed) return callback(pooled);
  const socket = net.connect(appPort, '127.0.0.1');
  socket.setNoDelay(true);
  socket.on('error', () => {});
  socket.on('connect', () => callback(socket));
}

function rewrite(head, extra) {
  const lines = head.split('\r\n');
  let out = `${lines[0]}\r\n`;
  let length = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const name = line.slice(0, line.indexOf(':')).toLowerCase();
    if (name === 'connection' || name === 'keep-alive') continue;
    if (name === 'content-length') length = Number(line.slice(line.indexOf(':') + 1));
    out += `${line}\r\n`;
  }
  return { text: `${out}${extra}\r\n`, length };
}

net
  .createServer({ noDelay: true }, (client) => {
    let buffered = '';
    let busy = false;
    client.on('error', () => {});
    client.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      pump();
    });
    function pump() {
      if (busy) return;
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const request = rewrite(buffered.slice(0, end), 'x-forwarded-for: 127.0.0.1\r\nx-forwarded-proto: http\r\nvia: 1.1 bare\r\n');
      buffered = buffered.slice(end + 4);
      busy = true;
      withApp((app) => {
        let reply = '';
        let remaining = -1;
        const onData = (chunk) => {
          if (remaining < 0) {
            reply += chunk.toString('latin1');
            const headEnd = reply.indexOf('\r\n\r\n');
            if (headEnd < 0) return;
            const response = rewrite(reply.slice(0, headEnd), '');
            const body = reply.slice(headEnd + 4);
            remaining = response.length - body.length;
            client.write(response.text + body, 'latin1');
          } else {
            client.write(chunk);
            remaining -= chunk.length;
          }
          if (remaining <= 0) {
            app.off('data', onData);
            idle.push(app);
            busy = false;
            pump();
          }
        };
        app.on('data', onData);
        app.write(request.text, 'latin1');
      });
    }
  })
  .listen(listenPort, '127.0.0.1', () => console.log('ready'));
