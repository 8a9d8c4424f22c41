// TLS certificate and key for STARTTLS, direct TLS and HTTPS (PROTOCOL §1.3): configured files, or a self-signed
// certificate generated once under `<dataDir>/tls/` and reused on later starts.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import { generate } from "selfsigned";

export interface TlsCredentialOptions {
  certFile?: string | undefined;
  keyFile?: string | undefined;
  dataDir: string;
  /** Served domains; the generated certificate covers each, `*.`each and `conference.`each. */
  hostnames: string[];
}

export interface TlsCredentials {
  cert: string;
  key: string;
  /** True only when this call created a new self-signed certificate. */
  generated: boolean;
  /** The certificate file in use. */
  path: string;
}

const VALIDITY_YEARS = 10;
const inFlight = new Map<string, Promise<TlsCredentials>>();

export async function loadOrCreateTlsCredentials(options: TlsCredentialOptions): Promise<TlsCredentials> {
  const { certFile, keyFile } = options;
  if (certFile !== undefined || keyFile !== undefined) {
    if (certFile === undefined || keyFile === undefined) {
      throw new Error("TLS configuration needs both a certificate file and a key file, or neither");
    }
    return loadConfigured(certFile, keyFile);
  }
  // Several listeners may ask at once during startup; they must share one generated certificate.
  const dir = join(options.dataDir, "tls");
  const running = inFlight.get(dir);
  if (running !== undefined) return running;
  const work = loadOrGenerate(dir, options.hostnames).finally(() => inFlight.delete(dir));
  inFlight.set(dir, work);
  return work;
}

async function loadConfigured(certFile: string, keyFile: string): Promise<TlsCredentials> {
  const cert = await readPem(certFile, "certificate");
  const key = await readPem(keyFile, "private key");
  let matches: boolean;
  try {
    matches = new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new Error(`TLS files ${certFile} / ${keyFile} could not be parsed: ${errorText(err)}`);
  }
  if (!matches) throw new Error(`TLS private key ${keyFile} does not belong to certificate ${certFile}`);
  return { cert, key, generated: false, path: certFile };
}

async function readPem(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    throw new Error(`TLS ${what} file ${file} cannot be read: ${errorText(err)}`);
  }
}

async function loadOrGenerate(dir: string, hostnames: string[]): Promise<TlsCredentials> {
  const certPath = join(dir, "self-signed.crt");
  const keyPath = join(dir, "self-signed.key");
  const stored = await readStored(certPath, keyPath);
  if (stored !== null && storedIsUsable(stored.cert, stored.key, hostnames)) {
    return { ...stored, generated: false, path: certPath };
  }
  const fresh = await generateSelfSigned(hostnames);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Write to temporary names and rename, so a crash never leaves a certificate without its key.
  await writeFile(`${keyPath}.tmp`, fresh.key, { mode: 0o600 });
  await writeFile(`${certPath}.tmp`, fresh.cert, { mode: 0o644 });
  await rename(`${keyPath}.tmp`, keyPath);
  await rename(`${certPath}.tmp`, certPath);
  return { ...fresh, generated: true, path: certPath };
}

async function readStored(certPath: string, keyPath: string): Promise<{ cert: string; key: string } | null> {
  try {
    return { cert: await readFile(certPath, "utf8"), key: await readFile(keyPath, "utf8") };
  } catch {
    return null;
  }
}

/**
 * Reuse the stored pair unless it is damaged, expired, or no longer covers a configured hostname (hosts were
 * added): then a new one is generated, which is what an operator relying on the self-signed default expects.
 */
function storedIsUsable(cert: string, key: string, hostnames: string[]): boolean {
  try {
    const x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) return false;
    if (Date.parse(x509.validTo) <= Date.now()) return false;
    return hostnames.every((host) =>
      isIP(host) === 0 ? x509.checkHost(host) !== undefined : x509.checkIP(host) !== undefined,
    );
  } catch {
    return false;
  }
}

/** SAN entries: each host, `*.host` and `conference.host` (MUC, §1.2); IP literals as IP entries. */
export function subjectAltNames(hostnames: string[]): { type: 2 | 7; value?: string; ip?: string }[] {
  const names = new Set<string>();
  const ips = new Set<string>();
  for (const host of hostnames) {
    if (isIP(host) !== 0) {
      ips.add(host);
      continue;
    }
    names.add(host);
    names.add(`*.${host}`);
    names.add(`conference.${host}`);
  }
  return [
    ...[...names].map((value) => ({ type: 2 as const, value })),
    ...[...ips].map((ip) => ({ type: 7 as const, ip })),
  ];
}

async function generateSelfSigned(hostnames: string[]): Promise<{ cert: string; key: string }> {
  const notBeforeDate = new Date();
  const notAfterDate = new Date(notBeforeDate);
  notAfterDate.setFullYear(notAfterDate.getFullYear() + VALIDITY_YEARS);
  const commonName = hostnames[0] ?? "localhost";
  const pems = await generate([{ name: "commonName", value: commonName }], {
    // ECDSA P-256: a TLS handshake signature costs a fraction of RSA-2048's, which matters in login storms.
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: subjectAltNames(hostnames.length > 0 ? hostnames : [commonName]) },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
