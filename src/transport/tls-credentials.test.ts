// Self-signed certificate generation and reuse, configured certificate files (PROTOCOL §1.3).
import { X509Certificate } from "node:crypto";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadOrCreateTlsCredentials, subjectAltNames } from "./tls-credentials.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "rtc-tls-test-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("self-signed certificate", () => {
  it("is generated once, stored with a private key file, and reused", async () => {
    const hostnames = ["chat.example.com", "localhost"];
    const first = await loadOrCreateTlsCredentials({ dataDir, hostnames });
    expect(first.generated).toBe(true);
    expect(first.path).toBe(join(dataDir, "tls", "self-signed.crt"));
    expect((await stat(join(dataDir, "tls", "self-signed.key"))).mode & 0o777).toBe(0o600);

    const second = await loadOrCreateTlsCredentials({ dataDir, hostnames });
    expect(second.generated).toBe(false);
    expect(second.cert).toBe(first.cert);
    expect(second.key).toBe(first.key);
  });

  it("covers each host, its subdomains and its conference service, for ten years", async () => {
    const { cert } = await loadOrCreateTlsCredentials({ dataDir, hostnames: ["chat.example.com"] });
    const x509 = new X509Certificate(cert);
    expect(x509.subjectAltName).toBe(
      "DNS:chat.example.com, DNS:*.chat.example.com, DNS:conference.chat.example.com",
    );
    expect(x509.checkHost("conference.chat.example.com")).toBeDefined();
    expect(x509.checkHost("other.example.org")).toBeUndefined();
    const years = (Date.parse(x509.validTo) - Date.parse(x509.validFrom)) / (365.25 * 24 * 3600 * 1000);
    expect(Math.round(years)).toBe(10);
    expect(x509.publicKey.asymmetricKeyType).toBe("ec");
  });

  it("is replaced when a configured host is no longer covered", async () => {
    const first = await loadOrCreateTlsCredentials({ dataDir, hostnames: ["a.example.com"] });
    const second = await loadOrCreateTlsCredentials({ dataDir, hostnames: ["a.example.com", "b.example.com"] });
    expect(second.generated).toBe(true);
    expect(second.cert).not.toBe(first.cert);
    expect(new X509Certificate(second.cert).checkHost("b.example.com")).toBeDefined();
  });

  it("is shared by concurrent callers", async () => {
    const options = { dataDir, hostnames: ["localhost"] };
    const [a, b] = await Promise.all([loadOrCreateTlsCredentials(options), loadOrCreateTlsCredentials(options)]);
    expect(a.cert).toBe(b.cert);
  });

  it("lists IP literals as IP entries without wildcards", () => {
    expect(subjectAltNames(["127.0.0.1", "localhost"])).toEqual([
      { type: 2, value: "localhost" },
      { type: 2, value: "*.localhost" },
      { type: 2, value: "conference.localhost" },
      { type: 7, ip: "127.0.0.1" },
    ]);
  });
});

describe("configured certificate files", () => {
  it("are read as they are", async () => {
    const made = await loadOrCreateTlsCredentials({ dataDir, hostnames: ["localhost"] });
    const certFile = join(dataDir, "my.crt");
    const keyFile = join(dataDir, "my.key");
    await writeFile(certFile, made.cert);
    await writeFile(keyFile, made.key);
    const loaded = await loadOrCreateTlsCredentials({ certFile, keyFile, dataDir, hostnames: ["localhost"] });
    expect(loaded).toEqual({ cert: made.cert, key: made.key, generated: false, path: certFile });
  });

  it("fail with the path when a file is missing", async () => {
    const certFile = join(dataDir, "missing.crt");
    await expect(
      loadOrCreateTlsCredentials({ certFile, keyFile: join(dataDir, "missing.key"), dataDir, hostnames: [] }),
    ).rejects.toThrow(`TLS certificate file ${certFile} cannot be read`);
  });

  it("fail when only one of the two is configured", async () => {
    await expect(
      loadOrCreateTlsCredentials({ certFile: join(dataDir, "x.crt"), dataDir, hostnames: [] }),
    ).rejects.toThrow(/both a certificate file and a key file/);
  });

  it("fail when the key does not belong to the certificate", async () => {
    const one = await loadOrCreateTlsCredentials({ dataDir: join(dataDir, "one"), hostnames: ["localhost"] });
    const two = await loadOrCreateTlsCredentials({ dataDir: join(dataDir, "two"), hostnames: ["localhost"] });
    const certFile = join(dataDir, "one.crt");
    const keyFile = join(dataDir, "two.key");
    await writeFile(certFile, one.cert);
    await writeFile(keyFile, two.key);
    await expect(loadOrCreateTlsCredentials({ certFile, keyFile, dataDir, hostnames: [] })).rejects.toThrow(
      /does not belong to certificate/,
    );
  });
});
