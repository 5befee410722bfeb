// A customer's receiver, written exactly as the public webhooks page tells
// customers to write it: Express with express.json(), and the page's
// verifyWebhook() copied verbatim. If a delivery does not verify here, it
// would not verify for a customer.
//
// Usage: WEBHOOK_SECRET=... node receiver.js
// Prints "listening <port>" once ready. POST / receives webhooks;
// GET /results returns what each delivery looked like to this receiver;
// PUT /secret (plain text) deploys another secret, as a customer does when
// the subscription's secret is rotated.

const crypto = require('crypto');
const express = require('express');

// ---- verbatim from the customer page (verify-webhook.js) ----
function verifyWebhook(body, timestamp, signature, secret) {
  const signatureInput = `${timestamp}.${JSON.stringify(body)}`;
  const expectedSignature = 'sha256=' + 
    crypto.createHmac('sha256', secret)
      .update(signatureInput)
      .digest('hex');
  
  return crypto.timingSafeEqual(
    Buffer.from(signature),
    Buffer.from(expectedSignature)
  );
}
// ---- end of the page's code ----

let secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('WEBHOOK_SECRET is required');
  process.exit(2);
}

const results = [];
const app = express();
// Kept beside the parsed body only to report whether the bytes we were sent
// are exactly what JSON.stringify gives back; verification does not use it.
app.use(express.json({ verify: (req, _res, buf) => { req.rawBody = buf.toString('utf8'); } }));

app.post('/', (req, res) => {
  let valid = false;
  let error = null;
  try {
    // In your webhook handler: (as on the page)
    valid = verifyWebhook(
      req.body,
      req.headers['x-inboundflow-timestamp'],
      req.headers['x-inboundflow-signature'],
      secret
    );
  } catch (e) {
    error = String(e && e.message ? e.message : e);
  }
  results.push({
    delivery_id: req.body && req.body.delivery_id,
    event: req.headers['x-inboundflow-event'],
    secret,
    signature_next: req.headers['x-inboundflow-signature-next'] || null,
    valid,
    error,
    stringify_equals_raw: JSON.stringify(req.body) === req.rawBody,
    body: req.body,
  });
  res.status(200).send('ok');
});

app.get('/results', (_req, res) => res.json(results));

app.put('/secret', express.text(), (req, res) => {
  secret = req.body;
  res.status(204).end();
});

const server = app.listen(0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});

// Stop with the test that started us.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
