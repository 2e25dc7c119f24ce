// Emporium <-> wechatpay-axios-plugin interoperability helper.
//
// Reads one JSON request on stdin, answers one JSON object on stdout, using only the
// library's own crypto helpers (Rsa, Aes.AesGcm, Formatter), so that the Rust test
// `crates/payments/tests/wechatpay_interop.rs` can compare Emporium with an independent,
// widely used implementation of WeChat Pay API v3.
//
// Operations ({"op": ...}):
//   sign_request    {private_key, method, uri, timestamp, nonce, body, mchid, serial}
//                   -> {message, signature, authorization}
//   verify_request  {public_key, method, uri, timestamp, nonce, body, signature} -> {ok}
//   notification    {private_key, api_v3_key, id, event_type, original_type, plaintext,
//                    timestamp, nonce, aes_nonce} -> {body, signature}
//   decrypt         {api_v3_key, nonce, associated_data, ciphertext} -> {plaintext}
'use strict';

const { Rsa, Aes, Formatter } = require('wechatpay-axios-plugin');

const ops = {
  sign_request(r) {
    const message = Formatter.request(r.method, r.uri, r.timestamp, r.nonce, r.body);
    const signature = Rsa.sign(message, Rsa.from(r.private_key, Rsa.KEY_TYPE_PRIVATE));
    const authorization = Formatter.authorization(r.mchid, r.nonce, signature, r.timestamp, r.serial);
    return { message, signature, authorization };
  },
  verify_request(r) {
    const message = Formatter.request(r.method, r.uri, r.timestamp, r.nonce, r.body);
    return { ok: Rsa.verify(message, r.signature, Rsa.from(r.public_key, Rsa.KEY_TYPE_PUBLIC)) };
  },
  notification(r) {
    const ciphertext = Aes.AesGcm.encrypt(r.plaintext, r.api_v3_key, r.aes_nonce, r.original_type);
    const body = JSON.stringify({
      id: r.id,
      create_time: '2027-01-15T10:40:00+08:00',
      resource_type: 'encrypt-resource',
      event_type: r.event_type,
      summary: 'payment succeeded',
      resource: {
        original_type: r.original_type,
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext,
        associated_data: r.original_type,
        nonce: r.aes_nonce,
      },
    });
    const message = Formatter.response(r.timestamp, r.nonce, body);
    const signature = Rsa.sign(message, Rsa.from(r.private_key, Rsa.KEY_TYPE_PRIVATE));
    return { body, signature };
  },
  decrypt(r) {
    return { plaintext: Aes.AesGcm.decrypt(r.ciphertext, r.api_v3_key, r.nonce, r.associated_data) };
  },
};

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const request = JSON.parse(input);
  const op = ops[request.op];
  if (!op) {
    process.stderr.write(`unknown op ${request.op}\n`);
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(op(request)));
});
