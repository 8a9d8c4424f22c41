/**
 * The module interface (DESIGN §2.3): one value per feature, registrations only in `setup`, I/O in
 * `onStart`. The loader tracks registrations and undoes them on stop.
 */
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Config } from "../config/load-config.js";
import type { Database } from "../storage/database.js";
import type { SqlDialectName } from "../storage/open-database.js";
import type { Migration } from "../storage/migrator.js";
import type { Element } from "../xml/element.js";
import type { Jid } from "../xmpp/jid.js";
import type { AdminCommand } from "./admin-command.js";
import type { ArchiveIdAllocator } from "./archive-ids.js";
import type { IqHandlerOptions } from "../router/iq-router.js";
import type { PayloadCodec } from "./codec.js";
import type { HookHandler, HookMap, HookName, HookResult, PhaseValue } from "./hook-map.js";
import type { LocalService } from "./local-services.js";
import type { Session } from "./session.js";
import type { SessionDirectory } from "./session-directory.js";

export interface IqRequest {
  readonly stanza: Element;
  readonly id: string;
  readonly type: "get" | "set";
  readonly from: Jid;
  /** The addressed entity; a missing `to` means the sender's own bare JID (RFC 6120 §10.3.3). */
  readonly to: Jid;
  /** The sending session when the IQ came from a local client. */
  readonly session: Session | undefined;
}

/** Returns the result payload (or nothing for an empty result); throws StanzaError to refuse. */
export type IqHandler<T> = (payload: T, iq: IqRequest) => Promise<Element | undefined | void> | Element | undefined | void;

export interface StanzaRouter {
  /** The only way out (DESIGN §2.1 principle 2): `from` and `to` must be set. */
  route(stanza: Element): Promise<void>;
  /**
   * Delivers one stanza (without `to`) to many local full JIDs, serialised once per wire format
   * (a room broadcast, PROTOCOL §3.7). Recipients without a session are skipped.
   */
  broadcast(stanza: Element, recipients: Iterable<Jid>): Promise<void>;
}

export interface ModuleContext {
  readonly config: Config;
  readonly hosts: readonly string[];
  readonly log: Logger;
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialectName;
  readonly sessions: SessionDirectory;
  readonly router: StanzaRouter;
  readonly archiveIds: ArchiveIdAllocator;
  readonly iq: { handle<T>(type: "get" | "set", codec: PayloadCodec<T>, handler: IqHandler<T>, options?: IqHandlerOptions): void };
  readonly hooks: {
    on<K extends HookName>(name: K, handler: HookHandler<K>, phase?: PhaseValue): void;
    /** Emits a hook this module owns (e.g. accounts emits `user.created`). */
    run<K extends HookName>(name: K, payload: HookMap[K]): Promise<HookResult>;
  };
  readonly services: { register(service: LocalService): void };
  readonly commands: { register(command: AdminCommand): void };
  readonly disco: {
    /** Extra disco#info features of the server host (beyond `features`), e.g. decided by config. */
    addFeature(feature: string): void;
    /** Extra features of account bare JIDs (beyond `accountFeatures`), e.g. decided by config (XEP-0357). */
    addAccountFeature(feature: string): void;
    /** Every module's host features, gathered once all modules are set up (read at query time, not in setup). */
    hostFeatures(): readonly string[];
    /** Every module's `accountFeatures`, gathered once all modules are set up (read at query time). */
    accountFeatures(): readonly string[];
  };
  use<Api>(module: ServerModule<Api>): Api;
  onStart(task: () => Promise<void> | void): void;
  onStop(task: () => Promise<void> | void): void;
}

export interface ServerModule<Api = void> {
  readonly name: string;
  /** disco#info features of the server host, gathered by the disco module. */
  readonly features?: readonly string[];
  /** Features advertised on the account's bare JID (XEP-0030 on user JIDs, e.g. MAM). */
  readonly accountFeatures?: readonly string[];
  readonly migrations?: readonly Migration[];
  setup(ctx: ModuleContext): Api;
}

export function defineModule<Api>(module: ServerModule<Api>): ServerModule<Api> {
  return module;
}
