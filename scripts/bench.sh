#!/usr/bin/env bash
# Benchmark rtc-server against ejabberd with the shared, server-agnostic harness (../shared/bench, see its README.md
# and BASELINE.md), and append a side-by-side table per scenario to docs/benchmarks-latest.md.
#
#   npm run bench                    # login chat muc
#   npm run bench -- chat            # one or more of: login chat muc (all = the three)
#   RTC_ONLY=1 npm run bench         # rtc-server only;  EJABBERD_ONLY=1: ejabberd only
#
# Per scenario, in one run:
#  1. ejabberd: `run.sh ejabberd <scenario>` (fresh isolated instance on 127.0.0.1:15222/15280, SQLite in WAL mode,
#     MAM on: ejabberd's best SQLite configuration for 1:1 per BASELINE.md).
#  2. rtc-server: started from this tree on free ports with a fresh temp data dir, RTC_DOMAIN=bench.local and
#     RTC_PROFILE=standard (rooms are created by joining); once the c2s and HTTP ports listen, users user1..userN
#     (password "pass") are created with POST /api/register_bulk; then `run.sh custom <scenario>`; then SIGTERM.
#     The server's log is kept as server.log in its result folder.
#  3. scripts/bench-table.mjs prints the table; it is appended to docs/benchmarks-latest.md with date and commit.
#
# Env knobs (defaults in brackets):
#   RTC_ONLY / EJABBERD_ONLY [0]         run one half only
#   RTC_BENCH_DIR [<repo>/../shared/bench]   the harness folder (a folder holding bench/run.sh works too)
#   RTC_BENCH_RESULTS [/tmp/bench-results]   parent of the result folders <ts>-ejabberd-<sc>, <ts>-rtc-server-<sc>
#   EJABBERD_SQLITE_JOURNAL [wal]  EJABBERD_MAM [always]  EJABBERD_STORAGE [harness default: sql if available]
#   RTC_BENCH_SERVER_CMD [node --import tsx src/main.ts]   how rtc-server is started, from the repo root
#   RTC_BENCH_SERVER_ENV [""]            extra "KEY=VALUE ..." for the rtc-server process (they win over the defaults:
#                                        RTC_LISTEN_HOST=127.0.0.1 RTC_LOG_LEVEL=warn, like the ejabberd harness)
#   RTC_BENCH_DATABASE_URL [unset]       passed as RTC_DATABASE_URL; unset = the server's SQLite under RTC_DATA_DIR
#   RTC_BENCH_START_TIMEOUT [90]         seconds to wait for the listeners
#   RTC_BENCH_BASE_PORT [25222]          first port tried for the four listeners
#   RTC_BENCH_KEEP_DATA [0]              1 = keep the temp data dir
#   RTC_BENCH_NO_DOC [0]                 1 = do not append to docs/benchmarks-latest.md
#   Harness knobs (STEPS, CONCURRENCY, PAIRS, CHAT_PHASES, ROOMS, OCCUPANTS, MUC_PHASES, SIZE, DOMAIN) apply to both.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
BENCH="${RTC_BENCH_DIR:-$SCRIPT_DIR/../../shared/bench}"
[ -x "$BENCH/run.sh" ] || { [ -x "$BENCH/bench/run.sh" ] && BENCH="$BENCH/bench"; }
[ -x "$BENCH/run.sh" ] || { echo "bench: harness not found at $BENCH (set RTC_BENCH_DIR)" >&2; exit 2; }
BENCH="$(cd "$BENCH" && pwd)"
RESULTS="${RTC_BENCH_RESULTS:-/tmp/bench-results}"
DOC="$ROOT/docs/benchmarks-latest.md"
export DOMAIN="${DOMAIN:-bench.local}"
RTC_ONLY="${RTC_ONLY:-0}"
EJABBERD_ONLY="${EJABBERD_ONLY:-0}"
SERVER_CMD="${RTC_BENCH_SERVER_CMD:-node --import tsx src/main.ts}"
START_TIMEOUT="${RTC_BENCH_START_TIMEOUT:-90}"

log() { echo "bench: $*" >&2; }

# The 1/5/15-minute load averages; anything else using the CPU makes both servers' figures low and noisy.
loadavg() {
  local l; l="$(cut -d' ' -f1-3 /proc/loadavg)"
  if awk -v l="${l%% *}" 'BEGIN { exit !(l > 1.0) }'; then log "warning: load average $l before this half: other processes compete for the CPU"; fi
  echo "$l"
}

# ------------------------------------------------------------------------------------------------ arguments
SCENARIOS=()
for a in "${@:-login chat muc}"; do
  for s in $a; do
    case "$s" in
      all) SCENARIOS+=(login chat muc) ;;
      login|chat|muc) SCENARIOS+=("$s") ;;
      *) echo "usage: npm run bench [-- login|chat|muc|all ...]   (unknown scenario '$s')" >&2; exit 2 ;;
    esac
  done
done
if [ "$RTC_ONLY" = 1 ] && [ "$EJABBERD_ONLY" = 1 ]; then echo "bench: RTC_ONLY and EJABBERD_ONLY exclude each other" >&2; exit 2; fi

# ------------------------------------------------------------------------------------------------ ejabberd install
ejabberd_ready() {
  command -v ejabberdctl >/dev/null && command -v erl >/dev/null && command -v sqlite3 >/dev/null &&
    command -v bc >/dev/null && ls -d /usr/lib/erlang/lib/p1_sqlite3-* >/dev/null 2>&1
}

# Installs ejabberd with apt-get (root only). A temporary policy-rc.d stops the package from starting the system
# instance (node ejabberd@localhost on 5222/5280), whose ports rtc-server needs; the harness runs its own instance.
ensure_ejabberd() {
  ejabberd_ready && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "ejabberd is not installed and cannot be installed here (needs root and apt-get);"
    log "  install it with: apt-get install -y ejabberd erlang-p1-sqlite3 sqlite3 bc   -- skipping the ejabberd half"
    return 1
  fi
  log "installing ejabberd erlang-p1-sqlite3 sqlite3 bc with apt-get (log: /tmp/bench-apt.log)"
  local policy=/usr/sbin/policy-rc.d added=0 rc=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; added=1; fi
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ejabberd erlang-p1-sqlite3 sqlite3 bc; } \
    > /tmp/bench-apt.log 2>&1 || rc=$?
  if [ "$added" = 1 ]; then rm -f "$policy"; fi
  if command -v update-rc.d >/dev/null; then update-rc.d ejabberd disable >/dev/null 2>&1 || true; fi
  if ss -ltnpH '( sport = :5222 or sport = :5280 )' 2>/dev/null | grep -q beam; then
    log "stopping the packaged ejabberd that the install started (it holds 5222/5280)"
    timeout 60 ejabberdctl stop >/dev/null 2>&1 || true
  fi
  if [ "$rc" != 0 ] || ! ejabberd_ready; then log "ejabberd install failed (see /tmp/bench-apt.log); skipping the ejabberd half"; return 1; fi
}

# ------------------------------------------------------------------------------------------------ helpers
listening() { ss -ltnH "( sport = :$1 )" 2>/dev/null | grep -q LISTEN; }

# Prints N ports, starting at RTC_BENCH_BASE_PORT, that nothing listens on.
free_ports() {
  local n="$1" p="${RTC_BENCH_BASE_PORT:-25222}" got=()
  while [ "${#got[@]}" -lt "$n" ]; do
    if ! listening "$p"; then got+=("$p"); fi
    p=$((p + 1))
  done
  echo "${got[@]}"
}

users_for() {
  case "$1" in
    login) local steps="${STEPS:-1000,5000,10000}"; echo "${steps##*,}" ;;
    chat) echo $(( ${PAIRS:-500} * 2 )) ;;
    muc) echo $(( ${ROOMS:-20} * ${OCCUPANTS:-50} )) ;;
  esac
}

commit_id() {
  local c
  c="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)" || c="no commit yet"
  if [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -1)" ]; then c="$c (+ uncommitted changes)"; fi
  echo "$c"
}

# ------------------------------------------------------------------------------------------------ rtc-server
SRV_PID=""
SRV_DATA=""
SRV_OUT=""

# The server runs in its own process group (setsid, group id = SRV_PID): it is alive while any member is, e.g. the
# node child of an npx/tsx wrapper. Only that group is ever signalled.
server_alive() { kill -0 -- "-$SRV_PID" 2>/dev/null || kill -0 "$SRV_PID" 2>/dev/null; }

stop_server() {
  if [ -n "$SRV_PID" ]; then
    if server_alive; then
      kill -TERM -- "-$SRV_PID" 2>/dev/null || kill -TERM "$SRV_PID" 2>/dev/null || true
      for _ in $(seq 1 60); do server_alive || break; sleep 0.5; done
      if server_alive; then
        log "rtc-server ignored SIGTERM for 30 s; sending SIGKILL"
        kill -KILL -- "-$SRV_PID" 2>/dev/null || kill -KILL "$SRV_PID" 2>/dev/null || true
      fi
    fi
    local rc=0
    wait "$SRV_PID" 2>/dev/null || rc=$?
    log "rtc-server (pid $SRV_PID) stopped, exit code $rc"
    [ -n "$SRV_OUT" ] && echo "EXIT_CODE=$rc" >> "$SRV_OUT/server.env"
    SRV_PID=""
  fi
  if [ -n "$SRV_DATA" ]; then
    [ -n "$SRV_OUT" ] && echo "DATA_SIZE=$(du -sh "$SRV_DATA" 2>/dev/null | cut -f1)" >> "$SRV_OUT/server.env"
    if [ "${RTC_BENCH_KEEP_DATA:-0}" = 1 ]; then log "kept data dir $SRV_DATA"; else rm -rf "$SRV_DATA"; fi
    SRV_DATA=""
  fi
}
trap 'stop_server' EXIT
trap 'exit 130' INT TERM

# Prints why rtc-server is unusable ("did not start: ..." etc.) with its log tail, stops it, returns 1.
server_failed() {
  echo "rtc-server $1" >&2
  if [ -s "$SRV_OUT/server.log" ]; then
    echo "--- last 40 lines of $SRV_OUT/server.log" >&2; tail -n 40 "$SRV_OUT/server.log" >&2; echo "---" >&2
  fi
  stop_server
  return 1
}

start_server() {
  local out="$1" c2s tls http https
  read -r c2s tls http https <<< "$(free_ports 4)"
  SRV_DATA="$(mktemp -d /tmp/rtc-bench-data.XXXXXX)"
  SRV_OUT="$out"
  ADMIN_JID="admin@$DOMAIN"; ADMIN_PASS="bench-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
  C2S_PORT="$c2s"; HTTP_PORT="$http"
  local -a senv=(RTC_DOMAIN="$DOMAIN" RTC_PROFILE=standard RTC_DATA_DIR="$SRV_DATA"
    RTC_C2S_PORT="$c2s" RTC_C2S_TLS_PORT="$tls" RTC_HTTP_PORT="$http" RTC_HTTPS_PORT="$https"
    RTC_LISTEN_HOST=127.0.0.1 RTC_LOG_LEVEL=warn RTC_ADMIN_JID="$ADMIN_JID" RTC_ADMIN_PASSWORD="$ADMIN_PASS")
  local -a unset_db=(-u RTC_DATABASE_URL)
  if [ -n "${RTC_BENCH_DATABASE_URL:-}" ]; then senv+=(RTC_DATABASE_URL="$RTC_BENCH_DATABASE_URL"); unset_db=(); fi
  # shellcheck disable=SC2206  # word splitting of "KEY=VALUE ..." is intended
  senv+=(${RTC_BENCH_SERVER_ENV:-})
  { printf '%s\n' "${senv[@]}" | grep -v '^RTC_ADMIN_PASSWORD='; echo "SERVER_CMD=$SERVER_CMD"; } > "$out/server.env"
  log "starting rtc-server: $SERVER_CMD (c2s $c2s, http $http, data $SRV_DATA, log $out/server.log)"
  # shellcheck disable=SC2086  # SERVER_CMD is a command line
  (cd "$ROOT" && exec setsid env "${unset_db[@]}" "${senv[@]}" $SERVER_CMD) > "$out/server.log" 2>&1 < /dev/null &
  SRV_PID=$!
  local deadline=$((SECONDS + START_TIMEOUT))
  until listening "$c2s" && listening "$http"; do
    if ! kill -0 "$SRV_PID" 2>/dev/null; then
      local rc=0; wait "$SRV_PID" 2>/dev/null || rc=$?; SRV_PID=""
      echo "EXIT_CODE=$rc" >> "$out/server.env"
      server_failed "did not start: it exited with code $rc before listening on c2s port $c2s and HTTP port $http"; return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      server_failed "did not start: c2s port $c2s $(listening "$c2s" && echo listens || echo "does not listen"), HTTP port $http $(listening "$http" && echo listens || echo "does not listen") after ${START_TIMEOUT}s"
      return 1
    fi
    sleep 0.5
  done
  # the process that owns the c2s socket (not a wrapper such as npx) is the one to sample
  SERVER_PID="$(ss -ltnpH "( sport = :$c2s )" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)"
  SERVER_PID="${SERVER_PID:-$SRV_PID}"
  echo "SERVER_PID=$SERVER_PID" >> "$out/server.env"
  log "rtc-server listening after $((SECONDS + START_TIMEOUT - deadline))s (pid $SERVER_PID)"
}

api() { # api COMMAND JSON [extra curl args] -> prints HTTP code, body to $SRV_OUT/api-COMMAND.out
  curl -sS -o "$SRV_OUT/api-$1.out" -w '%{http_code}' --max-time 900 --retry 5 --retry-connrefused --retry-delay 1 \
    -X POST -H 'Content-Type: application/json' -d "$2" "${@:3}" "http://127.0.0.1:$HTTP_PORT/api/$1" || echo 000
}

provision_users() {
  local n="$1" code t0=$SECONDS
  local body="{\"host\":\"$DOMAIN\",\"prefix\":\"user\",\"from\":1,\"to\":$n,\"password\":\"pass\"}"
  code="$(api register_bulk "$body")"
  if [ "$code" = 401 ] || [ "$code" = 403 ]; then code="$(api register_bulk "$body" -u "$ADMIN_JID:$ADMIN_PASS")"; fi
  if [ "$code" = 200 ]; then
    log "register_bulk: $n users in $((SECONDS - t0))s, answer: $(head -c 200 "$SRV_OUT/api-register_bulk.out")"
    return 0
  fi
  if [ "$code" = 404 ]; then
    log "register_bulk is not implemented (404); falling back to POST /api/register, 16 in parallel (slow)"
    seq 1 "$n" | xargs -P 16 -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' \
      -d "{\"user\":\"user{}\",\"host\":\"$DOMAIN\",\"password\":\"pass\"}" "http://127.0.0.1:$HTTP_PORT/api/register" |
      sort | uniq -c | sed 's/^/  http /' >&2
    return 0
  fi
  server_failed "could not provision users: POST /api/register_bulk answered HTTP $code: $(head -c 500 "$SRV_OUT/api-register_bulk.out" 2>/dev/null)"
}

run_rtc() { # run_rtc SCENARIO OUT
  local sc="$1" out="$2" rc=0
  mkdir -p "$out"
  start_server "$out" || return 1
  provision_users "$(users_for "$sc")" || return 1
  env -u KEEP PORT="$C2S_PORT" HOST=127.0.0.1 DOMAIN="$DOMAIN" SERVER_PID="$SERVER_PID" OUT="$out" \
    "$BENCH/run.sh" custom "$sc" || rc=$?
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "rtc-server died during the $sc run; last lines of $out/server.log:" >&2; tail -n 40 "$out/server.log" >&2; rc=1
  fi
  stop_server
  [ "$rc" = 0 ] && [ -s "$out/result.json" ]
}

# ------------------------------------------------------------------------------------------------ ejabberd
run_ejabberd() { # run_ejabberd SCENARIO OUT
  local sc="$1" out="$2"
  local -a eenv=(SQLITE_JOURNAL="${EJABBERD_SQLITE_JOURNAL:-wal}" MAM="${EJABBERD_MAM:-always}")
  [ -n "${EJABBERD_STORAGE:-}" ] && eenv+=(STORAGE="$EJABBERD_STORAGE")
  log "ejabberd $sc: ${eenv[*]}"
  # npm run exports NODE=<node binary>, which the harness would take as the Erlang node name
  env -u NODE -u PORT -u SERVER_PID -u KEEP "${eenv[@]}" OUT="$out" "$BENCH/run.sh" ejabberd "$sc" && [ -s "$out/result.json" ]
}

# ------------------------------------------------------------------------------------------------ main
if [ "$EJABBERD_ONLY" != 1 ] && [ -z "${RTC_BENCH_SERVER_CMD:-}" ]; then
  if [ ! -f "$ROOT/src/main.ts" ]; then
    echo "rtc-server did not start: $ROOT/src/main.ts does not exist yet (EJABBERD_ONLY=1 benchmarks ejabberd alone)" >&2
    exit 1
  fi
fi
DO_EJABBERD=1
if [ "$RTC_ONLY" = 1 ]; then DO_EJABBERD=0; elif ! ensure_ejabberd; then DO_EJABBERD=0; fi

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true   # 10k client sockets on each side of loopback
mkdir -p "$RESULTS"
FAILED=()
for sc in "${SCENARIOS[@]}"; do
  TS="$(date +%Y%m%d-%H%M%S)"
  EJ_OUT="-"; RTC_OUT="-"; LOADS=()
  if [ "$DO_EJABBERD" = 1 ]; then
    EJ_OUT="$RESULTS/$TS-ejabberd-$sc"
    echo "==================== ejabberd $sc ====================" >&2
    LOADS+=("ejabberd $(loadavg)")
    run_ejabberd "$sc" "$EJ_OUT" || { FAILED+=("ejabberd-$sc"); log "ejabberd $sc failed (see $EJ_OUT)"; }
  fi
  if [ "$EJABBERD_ONLY" != 1 ]; then
    RTC_OUT="$RESULTS/$TS-rtc-server-$sc"
    echo "==================== rtc-server $sc ====================" >&2
    LOADS+=("rtc-server $(loadavg)")
    run_rtc "$sc" "$RTC_OUT" || { FAILED+=("rtc-server-$sc"); log "rtc-server $sc failed (see $RTC_OUT)"; }
  fi
  TABLE="$(node "$SCRIPT_DIR/bench-table.mjs" --scenario "$sc" "$EJ_OUT" "$RTC_OUT")"
  HEAD="## $sc, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(commit_id)

$(nproc) cores shared with the load generator; load average (1/5/15 min) before each half: $(printf '%s; ' "${LOADS[@]}" | sed 's/; $//')."
  printf '\n%s\n\n%s\n' "$HEAD" "$TABLE"
  if [ "${RTC_BENCH_NO_DOC:-0}" != 1 ] && { [ -s "$EJ_OUT/result.json" ] || [ -s "$RTC_OUT/result.json" ]; }; then
    if [ ! -f "$DOC" ]; then
      # shellcheck disable=SC2016  # backquotes are markdown
      printf '# Benchmarks: rtc-server vs ejabberd\n\nAppended by `npm run bench` (scripts/bench.sh) with the shared harness (`../shared/bench`).\n' > "$DOC"
    fi
    printf '\n%s\n\n%s\n' "$HEAD" "$TABLE" >> "$DOC"
  fi
  # a scenario whose server could not start will not do better in the next one
  if [[ " ${FAILED[*]} " == *" rtc-server-$sc "* ]] && [ ! -s "$RTC_OUT/result.json" ] && [ ! -s "$RTC_OUT/summary.txt" ]; then
    log "stopping: rtc-server could not be benchmarked"; break
  fi
done
[ "${RTC_BENCH_NO_DOC:-0}" = 1 ] || [ ! -f "$DOC" ] || log "tables are appended to $DOC"
if [ "${#FAILED[@]}" -gt 0 ]; then log "failed: ${FAILED[*]}"; exit 1; fi
