import { loadConfig } from "../src/config/load-config.js";
import { buildServer } from "../src/server.js";
import { serverModules } from "../src/modules/index.js";
const config = loadConfig({ argv: [], env: process.env, cwd: process.cwd() });
const modules = process.env["MAM_OFF"] === "1" ? serverModules.filter((m) => m.name !== "mam") : serverModules;
const server = await buildServer(config, { modules });
await server.start();
process.on("SIGTERM", () => void server.stop().then(() => process.exit(0)));
