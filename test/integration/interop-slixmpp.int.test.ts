/**
 * Interoperability with slixmpp, an independent Python XMPP library, against the `standard` profile (PROTOCOL
 * Appendix A, end: generic clients must work fully). Each scenario of test/interop/slixmpp/ runs as a child process
 * against one server, with its own accounts, and reports one JSON line; see the scripts for the XEP sections covered.
 * Without slixmpp the suite is skipped, unless CI is set: then it fails (.ci/run installs python3-slixmpp).
 */
import { execFile, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverModules } from "../../src/modules/index.js";
import { startTestServer, type TestServer } from "../harness/test-server.js";

const SCRIPTS = join(dirname(fileURLToPath(import.meta.url)), "..", "interop", "slixmpp");
/** Whole-scenario limit inside the script; the process is killed a little later if it still runs. */
const SCENARIO_TIMEOUT_S = 90;
/** Limit of one wait inside a scenario: generous, as waits only run out when something is wrong (and CI is busy). */
const STEP_TIMEOUT_S = 15;
const PROCESS_TIMEOUT_MS = (SCENARIO_TIMEOUT_S + 15) * 1000;

interface ScenarioResult {
  readonly scenario: string;
  readonly status: "passed" | "failed" | "skipped";
  readonly checks: Record<string, boolean>;
  readonly details: Record<string, unknown>;
  readonly error?: string;
}

interface Scenario {
  readonly name: string;
  readonly users: number;
  /** Checks the run must report as passed (guards against a script that silently stops checking). */
  readonly required: readonly string[];
  /** The module whose absence allows the scenario to report "skipped". */
  readonly optionalModule?: string;
  /** A known server bug, reported to the module's owner: a failure with exactly this error skips with the note. */
  readonly knownIssue?: { readonly error: RegExp; readonly note: string };
}

const SCENARIOS: readonly Scenario[] = [
  { name: "login", users: 1, required: ["starttls negotiated", "default mechanism is SCRAM", "forced SCRAM-SHA-1", "wrong password refused (default)", "direct TLS session"] },
  { name: "roster_presence", users: 2, required: ["alice -> bob is 'both'", "status text broadcast", "unavailable broadcast", "bob's item back to none"] },
  { name: "presence_edge", users: 3, required: ["offline subscription request stored and redelivered", "probe at login", "unclean disconnect broadcast", "directed presence followed by unavailable"] },
  { name: "messages", users: 3, required: ["id kept", "reply from bob's full JID", "bounce condition", "offline message has a delay stamp"] },
  { name: "disco", users: 2, required: ["server identity server/im", "server features cover the implemented XEPs", "unknown node refused"] },
  { name: "ping", users: 2, required: ["server answers", "full JID ping answered by the client", "unknown user ping is an error"] },
  { name: "vcard", users: 3, required: ["own vCard FN", "other user reads the vCard", "empty vCard", "presence photo hash"] },
  { name: "private", users: 2, required: ["bookmark stored", "element kept verbatim", "JSON blob round trip", "reserved namespace refused"] },
  { name: "blocking", users: 3, required: ["block push to the other resource", "blocked message bounces with service-unavailable", "blocked app condition", "delivered after unblock"] },
  { name: "carbons", users: 2, required: ["received carbon keeps from/to", "sent carbon keeps from/to", "no carbon after disable"] },
  { name: "mam", users: 2, optionalModule: "mam", required: ["alice: whole conversation, oldest first", "bob: live stanza-id is the archive id", "paged backwards"] },
  { name: "sm_resume", users: 2, required: ["same full JID after resumption", "every message exactly once, in order", "old connection closed"] },
  { name: "muc", users: 2, optionalModule: "muc", required: ["created: status 110 and 201", "configuration change notified (104)", "bob: reflection keeps the id", "temporary room destroyed when empty"] },
  {
    name: "muc_archive",
    users: 2,
    optionalModule: "muc",
    required: ["alice: archive oldest first, from room/nick", "bob: archive ids are the live stanza-ids", "alice: delay from the MUC service", "bob: fin complete"],
  },
  { name: "info", users: 3, required: ["server time is now (UTC)", "client version routed to the client", "contact's last status", "last activity without subscription refused"] },
];

const python = findPython();
const ciRequiresIt = isSet("CI");
const loadedModules = new Set(serverModules.map((m) => m.name));

if (python === undefined && !ciRequiresIt) {
  process.stderr.write("slixmpp is not installed (apt-get install python3-slixmpp): slixmpp interop tests are SKIPPED\n");
}

describe.skipIf(python !== undefined || !ciRequiresIt)("slixmpp interop prerequisites", () => {
  it("has python3 with slixmpp (CI is set)", () => {
    expect.fail("CI is set but no python3 can import slixmpp: install python3-slixmpp (see .ci/run), or set SLIXMPP_PYTHON");
  });
});

describe.skipIf(python === undefined)("slixmpp interop, standard profile", () => {
  let server: TestServer;
  const usersOf = (s: Scenario) => ["a", "b", "c"].slice(0, s.users).map((suffix) => `${s.name.replace(/_/g, "")}${suffix}`);

  beforeAll(async () => {
    server = await startTestServer({ profile: "standard", users: SCENARIOS.flatMap(usersOf) });
  });
  afterAll(() => server.stop());

  for (const scenario of SCENARIOS) {
    it(scenario.name, async (ctx) => {
      const run = await runScenario(scenario.name, [
        "--host", "127.0.0.1",
        "--port", String(server.port("c2s")),
        "--tls-port", String(server.port("c2s_tls")),
        "--domain", server.domain,
        "--users", usersOf(scenario).join(","),
        "--timeout", String(SCENARIO_TIMEOUT_S),
        "--step-timeout", String(STEP_TIMEOUT_S),
      ]);
      const context = `${scenario.name}: exit ${run.code}\nstdout: ${run.stdout}\nstderr (tail): ${run.stderr.slice(-4000)}`;
      const result = run.result;
      expect(result, context).toBeDefined();
      if (result === undefined) return;
      expect(result.scenario, context).toBe(scenario.name);
      if (result.status === "skipped") {
        // Skipping is only allowed when the feature's module is not in the server at all.
        expect(scenario.optionalModule !== undefined && !loadedModules.has(scenario.optionalModule), context).toBe(true);
        ctx.skip(`${scenario.name}: ${result.error ?? "skipped"}`);
        return;
      }
      if (result.status === "failed" && scenario.knownIssue?.error.test(result.error ?? "")) {
        process.stderr.write(`KNOWN SERVER BUG, scenario ${scenario.name} skipped: ${scenario.knownIssue.note}\n`);
        ctx.skip(`known server bug: ${scenario.knownIssue.note}`);
        return;
      }
      expect(result.error, context).toBeUndefined();
      expect(result.status, context).toBe("passed");
      expect(run.code, context).toBe(0);
      const failed = Object.entries(result.checks).filter(([, ok]) => !ok).map(([name]) => name);
      expect(failed, context).toEqual([]);
      for (const check of scenario.required) expect(result.checks[check], `${context}\nmissing check: ${check}`).toBe(true);
    }, PROCESS_TIMEOUT_MS + 5000);
  }
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly result: ScenarioResult | undefined;
}

function runScenario(name: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      python ?? "python3",
      [join(SCRIPTS, `${name}.py`), ...args],
      {
        cwd: SCRIPTS,
        timeout: PROCESS_TIMEOUT_MS,
        killSignal: "SIGKILL",
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1" },
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        resolve({ code, stdout, stderr, result: lastJsonLine(stdout) });
      },
    );
  });
}

function lastJsonLine(stdout: string): ScenarioResult | undefined {
  const line = stdout.trim().split("\n").pop();
  if (line === undefined || line === "") return undefined;
  try {
    return JSON.parse(line) as ScenarioResult;
  } catch {
    return undefined;
  }
}

/** The first interpreter that can import slixmpp: $SLIXMPP_PYTHON, python3 on PATH, then Debian's /usr/bin/python3. */
function findPython(): string | undefined {
  const candidates = [process.env["SLIXMPP_PYTHON"], "python3", "/usr/bin/python3"];
  for (const candidate of candidates) {
    if (candidate === undefined || candidate.trim() === "") continue;
    const probe = spawnSync(candidate, ["-c", "import slixmpp"], { stdio: "ignore", timeout: 15_000 });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

function isSet(name: string): boolean {
  const value = process.env[name]?.trim();
  return value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}
