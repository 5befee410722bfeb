// A receiver built on the official Standard Webhooks library for Node.js
// (npm `standardwebhooks`), used as its documentation shows: the raw body
// and the request's headers go to Webhook#verify.
//
// Usage: WEBHOOK_SECRET=whsec_... node standard-receiver.js
// Prints "listening <port>" once ready. POST / receives webhooks (answers 401
// when verification fails); GET /results returns what each delivery looked
// like; PUT /secret (plain text) deploys another secret.

const express = require('express');
const { Webhook } = require('standardwebhooks');

let secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('WEBHOOK_SECRET is required');
  process.exit(2);
}

const results = [];
const app = express();

app.post('/', express.raw({ type: '*/*' }), (req, res) => {
  let valid = false;
  let error = null;
  let payload = null;
  try {
    payload = new Webhook(secret).verify(req.body, req.headers);
    valid = true;
  } catch (e) {
    error = String(e && e.message ? e.message : e);
  }
  results.push({
    delivery_id: req.headers['webhook-id'] || null,
    secret,
    signatures: (req.headers['webhook-signature'] || '').split(' ').filter(Boolean).length,
    inboundflow_signature: req.headers['x-inboundflow-signature'] || null,
    valid,
    error,
    event: payload && payload.event,
  });
  res.status(valid ? 200 : 401).send(valid ? 'ok' : 'invalid');
});

app.get('/results', (_req, res) => res.json(results));

app.put('/secret', express.text(), (req, res) => {
  secret = req.body;
  res.status(204).end();
});

const server = app.listen(0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
