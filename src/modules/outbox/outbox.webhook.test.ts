// The §7.9 envelope and headers; the signature is checked against an independent HMAC computation.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildWebhookRequest, webhookEndpoint } from "./outbox.webhook.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const target = { url: "http://backend.test/v1/chats/track-member", secret: "s3cr3t-ü", maxAgeS: 86400 };
const event = {
  hook: "track_member",
  event: "member.join",
  host: "chat.example.com",
  fields: { appId: "65f0a1", room: "65f0a1_lobby@conference.chat.example.com", user: "65f0a1_bob@chat.example.com", subscribed: true, note: "Grüße" },
} as const;

describe("buildWebhookRequest (§7.9 Transport, Envelope)", () => {
  it("puts id, event, ts, host first, then the fields in their order", () => {
    const request = buildWebhookRequest(event, target, 1717000000123, "6f1c1a4e-9b7d-4c1e-8f00-0123456789ab");
    expect(request.body).toBe(
      '{"id":"6f1c1a4e-9b7d-4c1e-8f00-0123456789ab","event":"member.join","ts":1717000000123,"host":"chat.example.com",' +
        '"appId":"65f0a1","room":"65f0a1_lobby@conference.chat.example.com","user":"65f0a1_bob@chat.example.com","subscribed":true,"note":"Grüße"}',
    );
    expect(request.contentType).toBe("application/json");
    expect(request.endpoint).toBe("hooks.track_member");
    expect(request.url).toBe(target.url);
    expect(request.maxAgeS).toBe(86400);
  });

  it("signs the raw UTF-8 body bytes with HMAC-SHA256 and sends secret, event and id headers", () => {
    const request = buildWebhookRequest(event, target);
    const expected = createHmac("sha256", Buffer.from("s3cr3t-ü", "utf8")).update(Buffer.from(request.body, "utf8")).digest("hex");
    expect(request.headers).toEqual({
      "X-Webhook-Secret": "s3cr3t-ü",
      "X-Webhook-Signature": `sha256=${expected}`,
      "X-Webhook-Event": "member.join",
      "X-Webhook-Id": request.id,
    });
    expect(request.headers["X-Webhook-Signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it("uses a fresh UUID v4 as id (body and header agree) and the current time as ts", () => {
    const before = Date.now();
    const a = buildWebhookRequest(event, target);
    const b = buildWebhookRequest(event, target);
    const body = JSON.parse(a.body) as { id: string; ts: number };
    expect(body.id).toMatch(UUID_V4);
    expect(body.id).toBe(a.id);
    expect(a.headers["X-Webhook-Id"]).toBe(a.id);
    expect(b.id).not.toBe(a.id);
    expect(body.ts).toBeGreaterThanOrEqual(before);
    expect(body.ts).toBeLessThanOrEqual(Date.now());
  });

  it("keeps the envelope when a field is named like an envelope key", () => {
    const request = buildWebhookRequest({ ...event, fields: { id: "x", host: "evil", extra: null } }, target, 5, "the-id");
    expect(request.body).toBe('{"id":"the-id","event":"member.join","ts":5,"host":"chat.example.com","extra":null}');
  });

  it("names endpoints hooks.<name>, and stats", () => {
    expect(webhookEndpoint("message_audit")).toBe("hooks.message_audit");
    expect(webhookEndpoint("stats")).toBe("stats");
  });
});
