import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../config/load-config.js";
import { CommandError, type AdminCommand } from "../core/admin-command.js";
import { LocalSessionDirectory } from "../core/session-directory.js";
import type { AccountsApi } from "../modules/accounts/accounts.module.js";
import type { Router } from "../router/stanza-router.js";
import { commandName, parseArgs, startAdminApi } from "./admin-api.js";

describe("commandName (PROTOCOL §8.1 paths)", () => {
  it("takes the segment after /api, with an optional version segment", () => {
    expect(commandName("/api/register")).toBe("register");
    expect(commandName("/api/register/")).toBe("register");
    expect(commandName("/api/register/v3")).toBe("register");
    expect(commandName("/api")).toBeUndefined();
    expect(commandName("/api/")).toBeUndefined();
  });

  it("makes anything else after the command an unknown endpoint", () => {
    expect(commandName("/api/register/extra")).toBe("");
    expect(commandName("/api/register/v3/x")).toBe("");
  });
});

describe("parseArgs (PROTOCOL §8.1 malformed requests)", () => {
  it("refuses empty bodies, invalid JSON and non-objects", () => {
    expect(parseArgs("")).toEqual(new CommandError(400, "Missing POST data"));
    for (const text of ["{", "[]", "1", "null", '"x"']) expect(parseArgs(text)).toEqual(new CommandError(400, "Invalid JSON input"));
    expect(parseArgs('{"user":"a"}')).toEqual({ user: "a" });
  });
});

describe("admin API error shapes (PROTOCOL §8.3)", () => {
  let http: Server;
  let port: number;

  beforeAll(async () => {
    const config = resolveConfig({ hosts: ["localhost"], log: { level: "silent" } }, {}, tmpdir());
    const explode: AdminCommand = {
      name: "explode",
      description: "fails",
      args: [],
      handler: async () => {
        throw new Error("boom");
      },
    };
    const api = await startAdminApi({
      config,
      log: pino({ level: "silent" }),
      commands: new Map([["explode", explode]]),
      accounts: { checkPassword: async () => false } as unknown as AccountsApi,
      sessions: new LocalSessionDirectory(),
      router: {} as unknown as Router,
    });
    http = createServer((req, res) => api.handle(req, res));
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
    const address = http.address();
    port = typeof address === "object" && address !== null ? address.port : 0;
  });
  afterAll(() => new Promise<void>((r) => http.close(() => r())));

  it("turns an unexpected failure into 500 with ejabberd's object body", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/explode`, { method: "POST", body: "{}" });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe(`{"status":"error","code":1,"message":"boom"}`);
  });

  it("answers other methods than GET, POST and OPTIONS with 405", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/explode`, { method: "PUT", body: "{}" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, POST, OPTIONS");
  });
});
