#!/usr/bin/env node
// Side-by-side markdown table of one benchmark scenario: ejabberd vs rtc-server, from the result.json files written
// by the shared harness (../shared/bench/loadgen/xmpp-bench.mjs; metrics explained in ../shared/bench/README.md).
//
//   node scripts/bench-table.mjs [--scenario login|chat|muc] EJABBERD_RESULT RTC_RESULT
//
// Each RESULT is a result folder (containing result.json, and summary.txt / server.env for the config notes),
// a result.json file, or "-" when that half was not run. A missing or unreadable half prints "n/a".
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: A, positionals } = parseArgs({
  allowPositionals: true,
  options: { scenario: { type: 'string' } },
});
if (positionals.length !== 2) {
  console.error('usage: bench-table.mjs [--scenario login|chat|muc] EJABBERD_RESULT|- RTC_RESULT|-');
  process.exit(2);
}

/** Loads { json, dir } for a result folder or file; json is null when absent or unreadable. */
function load(arg) {
  if (!arg || arg === '-') return { json: null, dir: null };
  const isDir = fs.existsSync(arg) && fs.statSync(arg).isDirectory();
  const file = isDir ? path.join(arg, 'result.json') : arg;
  const dir = isDir ? arg : path.dirname(arg);
  try {
    return { json: JSON.parse(fs.readFileSync(file, 'utf8')), dir };
  } catch {
    return { json: null, dir: fs.existsSync(dir) ? dir : null };
  }
}

const ej = load(positionals[0]);
const rtc = load(positionals[1]);
const scenario = A.scenario ?? ej.json?.scenario ?? rtc.json?.scenario;
if (!['login', 'chat', 'muc'].includes(scenario)) {
  console.error(`bench-table: unknown scenario ${scenario} (pass --scenario)`);
  process.exit(2);
}

// ------------------------------------------------------------------------------------------ metric extractors
const last = (arr) => (Array.isArray(arr) && arr.length ? arr[arr.length - 1] : undefined);
const phase = (r, mode) => r?.phases?.find((p) => p.phase.startsWith(mode));
const sumOf = (arr, key) => (Array.isArray(arr) && arr.length ? arr.reduce((s, x) => s + (x[key] ?? 0), 0) : undefined);
/** A number from one of the loadgen's text lines, e.g. "logged in 1000/1000" (the JSON has no field for it). */
const fromLines = (r, re) => {
  for (const l of r?.lines ?? []) { const m = re.exec(l); if (m) return Number(m[1]); }
  return undefined;
};

/** Rows: [label, extractor(result) -> number|undefined, digits, better: 'high'|'low'|null]. */
function loginRows() {
  const top = (r) => last(r?.steps);
  return [
    ['logins/s (all steps: logins / login wall time)', (r) => {
      const n = sumOf(r?.steps, 'newLogins'); const s = sumOf(r?.steps, 'seconds');
      return n !== undefined && s ? n / s : undefined;
    }, 1, 'high'],
    ['logins/s (last step)', (r) => top(r)?.loginsPerSec, 1, 'high'],
    ['online at the end', (r) => top(r)?.online, 0, 'high'],
    ['login errors (all steps)', (r) => sumOf(r?.steps, 'errors'), 0, 'low'],
    ['connect→online p50 (ms, last step)', (r) => top(r)?.connectToOnline?.p50, 1, 'low'],
    ['connect→online p99 (ms, last step)', (r) => top(r)?.connectToOnline?.p99, 1, 'low'],
    ['connect→auth p50 (ms, last step)', (r) => top(r)?.connectToAuth?.p50, 1, 'low'],
    ['server CPU per login (ms, last step)', (r) => top(r)?.serverCpuMsPerLogin, 2, 'low'],
    ['RSS per connection (KB, vs idle, all online)', (r) => top(r)?.rssPerConnKB, 1, 'low'],
    ['RSS per connection after forced GC (KB; ejabberd hook only)', (r) => top(r)?.afterHookRssPerConnKB, 1, 'low'],
    ['server RSS at the end (MB)', (r) => top(r)?.serverRssMB, 1, 'low'],
  ];
}

function messageRows(kind) {
  const closed = (r) => phase(r, 'closed');
  const open = (r) => phase(r, 'open');
  const unit = kind === 'muc' ? 'deliveries/s' : 'msg/s';
  return [
    ['clients logged in', (r) => fromLines(r, /logged in (\d+)\//), 0, 'high'],
    ...(kind === 'muc' ? [['room join errors', (r) => fromLines(r, /join errors=(\d+)/), 0, 'low']] : []),
    [`max ${unit} (closed phase, delivered)`, (r) => closed(r)?.deliveredPerSec, 1, 'high'],
    ['sent msg/s (closed phase)', (r) => closed(r)?.sentPerSec, 1, 'high'],
    ['open phase offered rate (msg/s, 50% of own closed)', (r) => open(r)?.sentPerSec, 1, null],
    ['latency p50 at open phase (ms)', (r) => open(r)?.latency?.p50, 2, 'low'],
    ['latency p99 at open phase (ms)', (r) => open(r)?.latency?.p99, 2, 'low'],
    ['CPU per 1000 delivered (ms, closed phase)', (r) => closed(r)?.serverCpuMsPer1000Delivered, 1, 'low'],
    ['CPU per 1000 delivered (ms, open phase)', (r) => open(r)?.serverCpuMsPer1000Delivered, 1, 'low'],
    ['server CPU cores used (closed phase)', (r) => closed(r)?.serverCpuUtil, 2, null],
    ['server RSS after closed phase (MB)', (r) => closed(r)?.serverRssMB, 1, 'low'],
    ['lost after drain (all phases)', (r) => sumOf(r?.phases, 'lost'), 0, 'low'],
    ['unexpected server closes', (r) => r?.unexpectedClose, 0, 'low'],
  ];
}

// ------------------------------------------------------------------------------------------ formatting
const fmt = (v, digits) => (v === undefined || v === null || Number.isNaN(v) ? 'n/a'
  : Number(v).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

/** rtc/ejabberd; "—" when either side is missing or the base is zero. */
function ratio(e, r) {
  if (typeof e !== 'number' || typeof r !== 'number' || Number.isNaN(e) || Number.isNaN(r)) return '—';
  if (e === 0) return r === 0 ? '=' : '—';
  const q = r / e;
  return `${q >= 10 ? q.toFixed(1) : q.toFixed(2)}×`;
}

const arrow = (better) => (better === 'high' ? ' ↑' : better === 'low' ? ' ↓' : '');

/** Config notes: ejabberd's settings from summary.txt ("#   KEY=VAL"), rtc-server's from server.env. */
function configNote(dir, keys) {
  if (!dir) return 'not run';
  const read = (f) => { try { return fs.readFileSync(path.join(dir, f), 'utf8'); } catch { return ''; } };
  const text = read('summary.txt') + '\n' + read('server.env');
  const kv = new Map();
  for (const m of text.matchAll(/^(?:#\s+)?([A-Z_]+)=(.*)$/gm)) kv.set(m[1], m[2].trim());
  if (kv.get('STORAGE') === 'mnesia') kv.delete('SQLITE_JOURNAL'); // the journal knob only applies to SQLite
  const parts = keys.filter((k) => kv.has(k)).map((k) => `${k}=${kv.get(k)}`);
  return `${parts.join(' ') || 'defaults'} (\`${dir}\`)`;
}

/** Conditions under which a column's figures do not mean what the row labels say. */
function warnings(r) {
  if (!r) return [];
  const w = [];
  const loggedIn = fromLines(r, /logged in (\d+)\//);
  const wanted = fromLines(r, /logged in \d+\/(\d+)/);
  if (loggedIn !== undefined && wanted !== undefined && loggedIn < wanted) w.push(`only ${loggedIn} of ${wanted} clients logged in; no message phases ran`);
  const joinErrors = fromLines(r, /join errors=(\d+)/);
  if (joinErrors) w.push(`${joinErrors} room joins failed; the loadgen also counts error bounces carrying the body as deliveries, so the message figures are not meaningful`);
  if (scenario === 'login' && (sumOf(r.steps, 'errors') ?? 0) > 0) w.push('some logins failed (see errorSamples in result.json)');
  return w;
}

const rows = scenario === 'login' ? loginRows() : messageRows(scenario);
const out = [];
out.push('| metric | ejabberd | rtc-server | ratio (rtc/ejabberd) |');
out.push('| --- | ---: | ---: | ---: |');
for (const [label, get, digits, better] of rows) {
  const e = ej.json ? get(ej.json) : undefined;
  const r = rtc.json ? get(rtc.json) : undefined;
  out.push(`| ${label}${arrow(better)} | ${fmt(e, digits)} | ${fmt(r, digits)} | ${ratio(e, r)} |`);
}
out.push('');
for (const [name, half] of [['ejabberd', ej], ['rtc-server', rtc]]) {
  for (const w of warnings(half.json)) out.push(`**Warning (${name}): ${w}**  `);
}
out.push(`ejabberd: ${configNote(ej.dir, ['STORAGE', 'SQLITE_JOURNAL', 'MAM', 'AUTH_FORMAT', 'STARTTLS'])}  `);
out.push(`rtc-server: ${configNote(rtc.dir, ['RTC_PROFILE', 'RTC_DATABASE_URL', 'RTC_LOG_LEVEL', 'SERVER_CMD', 'DATA_SIZE'])}  `);
out.push('↑ higher is better, ↓ lower is better. Single runs on a shared 2-core machine: differences under ~20% are noise.');
console.log(out.join('\n'));
