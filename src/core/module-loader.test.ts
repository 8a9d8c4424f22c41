import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { defineModule, type ModuleContext } from "./module.js";
import { loadModules, type SharedContext } from "./module-loader.js";

const log = pino({ level: "silent" });

describe("loadModules: disco features", () => {
  it("gathers every module's features and account features, readable only once setup is over", () => {
    let reader: ModuleContext["disco"] | undefined;
    let duringSetup: unknown;
    const a = defineModule({
      name: "a",
      features: ["urn:a", "urn:shared"],
      accountFeatures: ["urn:a:account"],
      setup(ctx) {
        reader = ctx.disco;
        try {
          ctx.disco.hostFeatures();
        } catch (error) {
          duringSetup = error;
        }
      },
    });
    const b = defineModule({
      name: "b",
      features: ["urn:shared", "urn:b"],
      setup(ctx) {
        ctx.disco.addFeature("urn:b:configured");
      },
    });
    const loaded = loadModules([a, b], {} as SharedContext, log);
    expect(duringSetup).toBeInstanceOf(Error);
    expect(reader?.hostFeatures()).toEqual(["urn:b:configured", "urn:a", "urn:shared", "urn:b"]);
    expect(reader?.accountFeatures()).toEqual(["urn:a:account"]);
    expect(loaded.hostFeatures).toEqual(reader?.hostFeatures());
  });
});
