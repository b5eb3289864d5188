// Node's TCP echo server as Node's documentation teaches it, for echospec's
// plain-echo runs (make realworld; see ../README.md).
//
// Its shape is the example under net.createServer() in Node's net docs
// (https://nodejs.org/api/net.html#netcreateserveroptions-connectionlistener,
// "a TCP echo server which listens for connections on port 8124"): a
// 'connection' listener that logs, logs the socket's 'end', and pipes the
// socket into itself (c.pipe(c)); a server 'error' handler that throws;
// listen with a callback that logs. Two changes: it listens on
// $ECHO_HOST:$ECHO_PORT instead of port 8124, and it does not greet the
// client (the docs' c.write('hello\r\n') would put 7 bytes that are not an
// echo in front of every echo). Nothing else: no socket 'error' handler,
// default options (allowHalfOpen false), as the docs have it.
const net = require('node:net');
const server = net.createServer((c) => {
  // 'connection' listener.
  console.log('client connected');
  c.on('end', () => {
    console.log('client disconnected');
  });
  c.pipe(c);
});
server.on('error', (err) => {
  throw err;
});
server.listen(Number(process.env.ECHO_PORT), process.env.ECHO_HOST, () => {
  console.log('server bound');
});
