// An OpenID Connect provider on loopback that stands in for Google in tests.
//
//   node end2end/oidc-provider.mjs [PORT [CONTROL_PORT]]
//
// Prints one JSON line once listening: {"issuer": "http://127.0.0.1:P", "control": "http://127.0.0.1:Q"}.
// The provider signs real RS256 ID tokens (keys published at its jwks_uri) and honours
// PKCE and the nonce. Who "signs in" at the provider is chosen through the control port:
//
//   PUT /identity  {"sub": "...", "email": "...", "email_verified": true, "name": "..."}
//   PUT /tamper    {"aud": "...", "nonce": "...", "iss": "..."}   (claims forced into the next ID tokens)
//
// Both stay in force until changed; `PUT /tamper {}` stops tampering.
import http from 'node:http';
import { OAuth2Server } from 'oauth2-mock-server';

const port = Number(process.argv[2] ?? 0);
const controlPort = Number(process.argv[3] ?? 0);
let identity = { sub: 'google-user-1', email: 'user@example.com', email_verified: true, name: 'Test User' };
let tamper = {};
// The identity chosen when the authorization code was issued, by code.
const identityByCode = new Map();

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
await server.start(port, '127.0.0.1');
// Named by address, not "localhost": the issuer must match what clients discover exactly.
server.issuer.url = `http://127.0.0.1:${server.address().port}`;

server.service.on('beforeAuthorizeRedirect', ({ url }) => {
  const code = url.searchParams.get('code');
  if (code) identityByCode.set(code, identity);
});

server.service.on('beforeTokenSigning', (token, req) => {
  const chosen = identityByCode.get(req.body?.code);
  if (!chosen) return;
  Object.assign(token.payload, chosen);
  // Only the ID token (audience = the client) gets tampered with.
  if (token.payload.nonce !== undefined || token.payload.aud !== undefined) {
    Object.assign(token.payload, tamper);
  }
});

const control = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    try {
      const value = body ? JSON.parse(body) : {};
      if (req.method === 'PUT' && req.url === '/identity') identity = value;
      else if (req.method === 'PUT' && req.url === '/tamper') tamper = value;
      else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(204).end();
    } catch (e) {
      res.writeHead(400).end(String(e));
    }
  });
});
control.listen(controlPort, '127.0.0.1', () => {
  const { port: listening } = control.address();
  console.log(JSON.stringify({ issuer: server.issuer.url, control: `http://127.0.0.1:${listening}` }));
});

const stop = async () => {
  control.close();
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
