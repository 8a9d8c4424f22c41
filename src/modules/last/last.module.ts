/**
 * XEP-0012 Last Activity: the host answers with its uptime (§5); an account's bare JID answers
 * `seconds="0"` while the account has an available session, else the seconds since its last
 * available session went away, with that presence's status text (§3), as the presence module
 * recorded it. Full JIDs are the client's.
 */
import { defineModule, type IqRequest } from "../../core/module.js";
import { elementCodec } from "../../core/codec.js";
import type { SessionDirectory } from "../../core/session-directory.js";
import { el, type Element } from "../../xml/element.js";
import type { Jid } from "../../xmpp/jid.js";
import { NS } from "../../xmpp/namespaces.js";
import { StanzaError } from "../../xmpp/stanza-error.js";
import { accountsModule, type AccountsApi } from "../accounts/accounts.module.js";
import { presenceModule, type PresenceApi } from "../presence/presence.module.js";
import type { LastUnavailable } from "../presence/presence.store.js";
import { rosterModule, type RosterApi } from "../roster/roster.module.js";

export interface LastApi {
  /** When (epoch ms) the account's last available session went away (undefined: never recorded). */
  lastLogout(user: Jid): Promise<LastUnavailable | undefined>;
}

export const lastModule = defineModule<LastApi>({
  name: "last",
  features: [NS.last],
  accountFeatures: [NS.last],

  setup(ctx) {
    // One record of logouts: the presence module keeps it for probe answers (RFC 6121 §4.3.2).
    const presence = ctx.use(presenceModule);
    const roster = ctx.use(rosterModule);
    const accounts = ctx.use(accountsModule);
    const admins = new Set(ctx.config.admins);
    let startedAt = Date.now();
    ctx.onStart(() => {
      startedAt = Date.now();
    });

    // XEP-0012 §5: the host answers with its uptime.
    ctx.iq.handle("get", elementCodec("query", NS.last), async (_query, iq) => {
      if (iq.to.local === "") return lastResult(Math.floor((Date.now() - startedAt) / 1000));
      return accountLast({ sessions: ctx.sessions, accounts, admins, presence, roster }, iq);
    });

    return { lastLogout: (user) => presence.lastUnavailable(user.bare()) };
  },
});

interface AccountLastDeps {
  readonly sessions: SessionDirectory;
  readonly accounts: AccountsApi;
  readonly admins: ReadonlySet<string>;
  readonly presence: PresenceApi;
  readonly roster: RosterApi;
}

/** XEP-0012 §3, the bare-JID query. */
async function accountLast(deps: AccountLastDeps, iq: IqRequest): Promise<Element> {
  const user = iq.to.bare();
  const isSelf = user.bareString === iq.from.bareString;
  const sessions = deps.sessions.resourcesOf(user);
  if (!isSelf && sessions.length === 0 && !(await deps.accounts.exists(user))) throw new StanzaError("service-unavailable");
  // XEP-0012 §3: only entities allowed to see the user's presence: the user, contacts with a
  // `from`/`both` subscription, and server admins.
  if (!isSelf && !deps.admins.has(iq.from.bareString) && !(await deps.roster.state(user, iq.from.bare())).from) {
    throw new StanzaError("forbidden");
  }
  if (sessions.some((s) => s.isAvailable)) return lastResult(0);
  const logout = await deps.presence.lastUnavailable(user);
  // As ejabberd's mod_last: nothing recorded (never logged out) is service-unavailable.
  if (logout === undefined) throw new StanzaError("service-unavailable", "No info about last activity found");
  return lastResult(Math.max(0, Math.floor((Date.now() - logout.at) / 1000)), logout.status);
}

function lastResult(seconds: number, status?: string): Element {
  return el("query", { xmlns: NS.last, seconds }, status === undefined || status === "" ? undefined : status);
}
