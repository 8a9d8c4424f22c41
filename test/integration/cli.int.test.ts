// The rtc CLI (bin/rtc.mjs) against a real server over its admin API (PROTOCOL §8), run as a child process.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/test-server.js";

const CLI = fileURLToPath(new URL("../../bin/rtc.mjs", import.meta.url));

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function rtc(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const clean = { ...process.env };
  for (const k of ["RTC_API_URL", "RTC_HTTP_PORT", "RTC_CONFIG", "RTC_API_USER", "RTC_API_PASSWORD", "RTC_API_TOKEN"]) delete clean[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...clean, ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A port nobody listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
  const address = probe.address();
  await new Promise<void>((r) => probe.close(() => r()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("rtc CLI", () => {
  // Loopback is not trusted here, so every call must authenticate: it exercises --user/--password.
  let server: TestServer;
  let url: string;
  let auth: string[];

  beforeAll(async () => {
    server = await startTestServer({ config: { api: { trusted_networks: [], bearer_tokens: ["cli-token"] } } });
    await server.server.admin.run("register", { user: "admin", host: "localhost", password: "adminpw" });
    url = `http://127.0.0.1:${server.port("http")}`;
    auth = ["--url", url, "--user", "admin", "--password", "adminpw"];
  });
  afterAll(() => server.stop());

  it("registers a user from positional arguments in the documented order", async () => {
    const result = await rtc([...auth, "register", "alice", "localhost", "secret"]);
    expect(result).toMatchObject({ code: 0, stdout: "User alice@localhost successfully registered\n" });
    expect((await server.server.admin.run("check_password", { user: "alice", host: "localhost", password: "secret" }))).toBe(0);
  });

  it("checks an account with positional or named arguments", async () => {
    expect(await rtc([...auth, "check_account", "alice", "localhost"])).toMatchObject({ code: 0, stdout: "0\n" });
    expect(await rtc([...auth, "check_account", "--user", "nobody", "--host=localhost"])).toMatchObject({ code: 0, stdout: "1\n" });
  });

  it("keeps --user/--password after the command as the command's arguments", async () => {
    const result = await rtc(["--url", url, "--user", "admin", "--password", "adminpw", "register", "--user", "bob", "--password", "pw"]);
    expect(result).toMatchObject({ code: 0, stdout: "User bob@localhost successfully registered\n" });
  });

  it("takes words after -- as positional values even when they start with --", async () => {
    expect(await rtc([...auth, "register", "--", "carol", "localhost", "--dashing"])).toMatchObject({ code: 0 });
    expect(await rtc([...auth, "check_password", "carol", "localhost", "--", "--dashing"])).toMatchObject({ code: 0, stdout: "0\n" });
  });

  it("prints JSON replies indented", async () => {
    const result = await rtc([...auth, "registered_users", "localhost"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(["admin", "alice", "bob", "carol"]);
    expect(result.stdout).toBe(JSON.stringify(["admin", "alice", "bob", "carol"], null, 2) + "\n");
    expect(JSON.parse((await rtc([...auth, "connected_users_number"])).stdout)).toEqual({ num_sessions: 0 });
  });

  it("takes the URL from RTC_HTTP_PORT and a bearer token from --token", async () => {
    const result = await rtc(["--token", "cli-token", "check_account", "alice"], { RTC_HTTP_PORT: String(server.port("http")) });
    expect(result).toMatchObject({ code: 0, stdout: "0\n" });
  });

  it("takes the URL from the server's config file (--config or RTC_CONFIG)", async () => {
    const file = join(server.dataDir, "cli-test.yaml");
    writeFileSync(file, `listeners:\n  http:\n    host: 0.0.0.0\n    port: ${server.port("http")}\n`);
    expect(await rtc(["--config", file, "--token", "cli-token", "check_account", "--user", "alice"])).toMatchObject({ code: 0, stdout: "0\n" });
    expect(await rtc(["--token", "cli-token", "check_account", "--user", "alice"], { RTC_CONFIG: file })).toMatchObject({ code: 0, stdout: "0\n" });
  });

  it("lists the server's commands with their arguments on --help", async () => {
    const result = await rtc([...auth, "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\s+register <user> \[host\] <password>\s+Register a user$/m);
    expect(result.stdout).toMatch(/^\s+change_password <user> \[host\] <newpass>\s/m);
    expect(result.stdout).toMatch(/^\s+status\s+Get the status of the node$/m);
    const one = await rtc([...auth, "help", "register"]);
    expect(one.stdout).toContain("rtc register <user> [host] <password>");
    expect(one.stdout).toMatch(/--password\s+string: Password/);
  });

  it("exits 1 with the reply body on an error status", async () => {
    const result = await rtc([...auth, "register", "alice", "localhost", "again"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("HTTP 409");
    expect(result.stderr).toContain('"message": "User alice@localhost already registered"');
  });

  it("exits 1 on 401 without credentials, and on a wrong password", async () => {
    const anonymous = await rtc(["--url", url, "status"]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain("HTTP 401");
    expect((await rtc(["--url", url, "--user", "admin", "--password", "nope", "status"])).code).toBe(1);
  });

  it("refuses an unknown command and too many arguments", async () => {
    const unknown = await rtc([...auth, "no_such_command", "x"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown command no_such_command");
    const named = await rtc([...auth, "no_such_command", "--x", "1"]);
    expect(named.code).toBe(1);
    expect(named.stderr).toContain("HTTP 404");
    expect(named.stderr).toContain('"message": "Endpoint not found."');
    const tooMany = await rtc([...auth, "check_account", "a", "b", "c"]);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toContain("check_account takes at most 2 arguments: user, host");
  });

  it("says clearly when the server is not running, and prints the static usage", async () => {
    const port = await closedPort();
    for (const args of [["status"], ["--help"]]) {
      const result = await rtc(["--url", `http://127.0.0.1:${port}`, ...args]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`cannot reach the admin API at http://127.0.0.1:${port}/api (ECONNREFUSED)`);
      expect(result.stderr).toContain("Usage: rtc [options] <command>");
    }
  });
});
