/**
 * Admin commands (PROTOCOL §8), declared by the modules that own them and served by the admin HTTP
 * API and the CLI (ejabberd's get_commands_spec, typed).
 */
export interface CommandArgSpec {
  readonly name: string;
  readonly type: "string" | "integer" | "boolean" | "json";
  readonly description?: string;
  readonly optional?: boolean;
}

/** A command's error with ejabberd's HTTP shape (PROTOCOL §8.3). `body` is the exact JSON body. */
export class CommandError extends Error {
  override readonly name = "CommandError";
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === "string" ? body : JSON.stringify(body));
  }
}

export type CommandArgs = Readonly<Record<string, unknown>>;

export interface AdminCommand {
  readonly name: string;
  readonly description: string;
  /** Documented arguments; aliases (PROTOCOL §8.4) are resolved by the handler. */
  readonly args: readonly CommandArgSpec[];
  /** The JSON value of a 200 reply. */
  handler(args: CommandArgs): Promise<unknown>;
}

/** ejabberd: 400 "Request have missing argument: <name>". */
export function missingArgument(name: string): CommandError {
  return new CommandError(400, `Request have missing argument: ${name}`);
}

export function stringArg(args: CommandArgs, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = args[n];
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
  }
  return undefined;
}

export function requireString(args: CommandArgs, ...names: string[]): string {
  const v = stringArg(args, ...names);
  if (v === undefined) throw missingArgument(names[0] ?? "?");
  return v;
}
