// Emporium's Alipay signatures checked against Alipay's official Node.js SDK
// (alipay-sdk, pinned in package.json). Run by crates/payments/tests/alipay_interop.rs.
//
// Reads one JSON request on stdin and writes one JSON answer on stdout:
//
//   {"action":"sign_request", "app_id", "private_key" (PKCS#1 PEM), "method",
//    "params": {the request's parameters but sign}}
//     -> {"params": {...}, "sign": "..."}: what AlipaySdk#sdkExecute sends for the same
//        method, biz_content and common parameters (timestamp, format, notify_url, ...).
//        The signature is computed by the SDK's own code (util.sign), not here.
//
//   {"action":"verify", "public_key" (PEM), "params": {...with sign}}
//     -> {"ok": bool}: AlipaySdk#checkNotifySignV2, the SDK's notification check (it
//        tries with sign_type kept, then without, so it also checks request signatures).
//
//   {"action":"sign_notification", "private_key" (PKCS#8 PEM), "params": {...}}
//     -> {"body": "a=b&...", "sign": "..."}: a notification signed as Alipay's docs
//        prescribe for the verifying side, with node:crypto: every parameter but sign and
//        sign_type, non-empty, sorted, key=value joined by &, SHA256withRSA, base64.

import { createSign } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';

const input = JSON.parse(await readStdin());
const answer = {
  sign_request: signRequest,
  verify,
  sign_notification: signNotification,
}[input.action];
if (!answer) {
  throw new Error(`unknown action ${input.action}`);
}
process.stdout.write(JSON.stringify(answer(input)));

function signRequest({ app_id, private_key, method, params }) {
  // The SDK fills app_id, method, charset, version and sign_type from its config; every
  // other parameter is handed over as a request parameter, biz_content as an object
  // (the SDK serializes it with JSON.stringify, so equal strings mean equal JSON too).
  const sdk = new AlipaySdk({ appId: app_id, privateKey: private_key, keyType: 'PKCS1' });
  const bizParams = {};
  for (const [key, value] of Object.entries(params)) {
    if (['app_id', 'method', 'charset', 'version', 'sign_type'].includes(key)) {
      if (value !== sdk.config[camel(key)] && !(key === 'method' && value === method)) {
        throw new Error(`${key}=${value} differs from the SDK's ${sdk.config[camel(key)]}`);
      }
      continue;
    }
    bizParams[key] = key === 'biz_content' ? JSON.parse(value) : value;
  }
  const query = sdk.sdkExecute(method, bizParams);
  const signed = Object.fromEntries(new URLSearchParams(query.replaceAll('+', '%2B')));
  const { sign, ...rest } = signed;
  return { params: rest, sign };
}

function verify({ public_key, params }) {
  // The SDK needs some private key to start; it is not used to verify.
  const sdk = new AlipaySdk({ appId: 'verify-only', privateKey: 'unused', alipayPublicKey: public_key });
  return { ok: sdk.checkNotifySignV2(params) };
}

function signNotification({ private_key, params }) {
  const text = Object.keys(params)
    .filter(key => key !== 'sign' && key !== 'sign_type' && params[key] !== '')
    .sort()
    .map(key => `${key}=${params[key]}`)
    .join('&');
  const sign = createSign('RSA-SHA256').update(text, 'utf8').sign(private_key, 'base64');
  const body = new URLSearchParams({ ...params, sign, sign_type: 'RSA2' }).toString();
  return { body, sign };
}

function camel(key) {
  return key.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
