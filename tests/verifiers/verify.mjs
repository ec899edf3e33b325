// SPDX-License-Identifier: MIT
// verify.mjs: runs the Standard Webhooks reference verifiers over
// deliveries a test received, so that what receivers will use decides.
//
//   node verify.mjs < deliveries.json > results.json
//
// Input: a JSON array of {"id", "timestamp", "signature" (the three
// webhook-* headers as received), "body_b64" (the body's bytes), "at" (Unix
// seconds of arrival: the libraries' clock is set to it, so their 5-minute
// tolerance holds for deliveries recorded earlier in a run), "secrets"
// (whsec_... keys) and "public_keys" (whpk_... Ed25519 keys)}.
// Output: per delivery {"standardwebhooks": [ok per secret], "svix": [ok
// per secret], "v1a": [ok per public key], "tampered": the same three for
// the body with its last byte changed}.  v1 is checked by the two npm
// libraries; neither checks v1a (asymmetric) signatures, so those go
// through Node's own Ed25519 (OpenSSL), over the same "id.timestamp.body".
import crypto from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Webhook: StandardWebhook } = require('standardwebhooks');
const { Webhook: SvixWebhook } = require('svix');

const realNow = Date.now;

function libOk(Lib, secret, body, headers) {
  try {
    new Lib(secret).verify(body, headers);
    return true;
  } catch {
    return false;
  }
}

function v1aOk(publicKey, d, body) {
  const raw = Buffer.from(publicKey.replace(/^whpk_/, ''), 'base64');
  const key = crypto.createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  const msg = Buffer.concat([Buffer.from(`${d.id}.${d.timestamp}.`), body]);
  return (d.signature || '').split(' ').some((s) => {
    if (!s.startsWith('v1a,')) return false;
    const sig = Buffer.from(s.slice(4), 'base64');
    return sig.length === 64 && crypto.verify(null, msg, key, sig);
  });
}

function check(d, body) {
  const headers = { 'webhook-id': d.id, 'webhook-timestamp': d.timestamp,
    'webhook-signature': d.signature };
  // svix wants the body as a string or Buffer, standardwebhooks bytes too
  return {
    standardwebhooks: d.secrets.map((s) => libOk(StandardWebhook, s, body, headers)),
    svix: d.secrets.map((s) => libOk(SvixWebhook, s, body, headers)),
    v1a: d.public_keys.map((k) => v1aOk(k, d, body)),
  };
}

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const out = JSON.parse(input).map((d) => {
  const body = Buffer.from(d.body_b64, 'base64');
  const tampered = Buffer.from(body);
  if (tampered.length > 0) tampered[tampered.length - 1] ^= 0x01;
  Date.now = () => d.at * 1000;
  const r = check(d, body);
  r.tampered = check(d, tampered);
  Date.now = realNow;
  return r;
});
process.stdout.write(JSON.stringify(out));
