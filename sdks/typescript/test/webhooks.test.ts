// Webhook signature verification: Standard Webhooks signatures computed here by hand (no server
// needed), then a real delivery when the node may deliver to 127.0.0.1.
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { unwrap, verifyWebhook, WebhookVerificationError } from "../src/index.js";
import { backendClient, serverEnv } from "./helpers.js";

const key = randomBytes(32);
const secret = `whsec_${key.toString("base64")}`;
const id = "evt_01JB8Z5S4Y3M2D7E1QW9XKAV0C";
const body = JSON.stringify({ id, type: "chat.message.created", data: { channel_id: "chn_x" } });

function sign(content: string, signingKey = key): string {
  return `v1,${createHmac("sha256", signingKey).update(content).digest("base64")}`;
}

function headers(timestamp: number, signature: string): Record<string, string> {
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature };
}

const now = Math.floor(Date.now() / 1000);

test("a valid signature verifies and returns the parsed body", () => {
  const payload = verifyWebhook(secret, body, headers(now, sign(`${id}.${now}.${body}`)));
  assert.deepEqual(payload, JSON.parse(body));
});

test("raw bytes and a Headers object work too", () => {
  const h = new Headers(headers(now, sign(`${id}.${now}.${body}`)));
  assert.deepEqual(verifyWebhook(secret, Buffer.from(body), h), JSON.parse(body));
});

test("one matching signature among several (secret rotation) is enough", () => {
  const other = sign(`${id}.${now}.${body}`, randomBytes(32));
  const good = sign(`${id}.${now}.${body}`);
  assert.ok(verifyWebhook(secret, body, headers(now, `${other} ${good}`)));
});

test("a tampered body is rejected", () => {
  const signature = sign(`${id}.${now}.${body}`);
  const tampered = body.replace("chn_x", "chn_y");
  assert.throws(() => verifyWebhook(secret, tampered, headers(now, signature)), WebhookVerificationError);
});

test("a wrong secret, a missing header or an old timestamp is rejected", () => {
  const signature = sign(`${id}.${now}.${body}`);
  const wrong = `whsec_${randomBytes(32).toString("base64")}`;
  assert.throws(() => verifyWebhook(wrong, body, headers(now, signature)), WebhookVerificationError);
  assert.throws(() => verifyWebhook(secret, body, { "webhook-id": id }), WebhookVerificationError);
  const old = now - 301;
  assert.throws(
    () => verifyWebhook(secret, body, headers(old, sign(`${id}.${old}.${body}`))),
    /timestamp outside the tolerance/,
  );
});

// A real delivery from the server to a local receiver, verified with the SDK. Needs a node that
// may deliver to 127.0.0.1: ATELIER_WEBHOOKS_ALLOWED_HOSTS=127.0.0.1 (with-server allows http).
test("a real delivery verifies (with ATELIER_WEBHOOKS_ALLOWED_HOSTS=127.0.0.1)", async (t) => {
  if (!(process.env.ATELIER_WEBHOOKS_ALLOWED_HOSTS ?? "").split(",").some((h) => h.trim() === "127.0.0.1")) {
    t.skip("set ATELIER_WEBHOOKS_ALLOWED_HOSTS=127.0.0.1 for scripts/with-server to run it");
    return;
  }
  const env = serverEnv();
  const backend = backendClient(env).client;
  const deliveries: { body: string; headers: IncomingHttpHeaders }[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      deliveries.push({ body: Buffer.concat(chunks).toString("utf8"), headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = receiver.address() as AddressInfo;
    const created = await unwrap(
      backend.POST("/v1/webhooks/endpoints", {
        body: { url: `http://127.0.0.1:${port}/hooks`, event_types: ["identity.user.created"] },
      }),
    );
    assert.match(created.secret, /^whsec_/);
    // Delivery nodes reuse endpoint lists for webhooks.endpoint_cache_ttl (1 s).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const user = await unwrap(backend.POST("/v1/users", { body: { display_name: "Hooked" } }));
    for (let i = 0; i < 60 && !deliveries.some((d) => d.body.includes(user.id)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const delivery = deliveries.find((d) => d.body.includes(user.id));
    assert.ok(delivery, `no delivery within 15 s (got ${deliveries.length})`);
    const event = verifyWebhook(created.secret, delivery.body, delivery.headers) as { id: string; type: string };
    assert.equal(event.type, "identity.user.created");
    assert.equal(event.id, delivery.headers["webhook-id"]);
    assert.throws(() => verifyWebhook(created.secret, `${delivery.body} `, delivery.headers), WebhookVerificationError);
  } finally {
    receiver.close();
  }
});
