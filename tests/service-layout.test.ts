import { moduleRoutes } from "../app/src/gateway/routes";
import { catalogCallers, modulePathPatterns, shopApps } from "../stacks/service-layout";

/** An ALB path pattern as a regular expression: `*` any characters, `?` one. */
const matcher = (pattern: string) =>
    new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
    );

describe("the shop's fleets per stage", () => {
    it("routes every API route of the shop's gateway to the app that serves its module, and no other module's app first", () => {
        for (const stage of [11, 12, 13]) {
            const apps = Object.entries(shopApps(stage));
            for (const [module, routes] of Object.entries(moduleRoutes)) {
                for (const [, url] of routes!) {
                    const path = url.replace(/:[a-z]+/g, "42");
                    const owners = apps
                        .filter(([, app]) => app.modules.some((m) => modulePathPatterns(m).some((p) => matcher(p).test(path))))
                        .map(([key]) => key);
                    const servedBy = apps.filter(([, app]) => (app.modules as string[]).includes(module)).map(([key]) => key);
                    expect([stage, path, owners]).toEqual([stage, path, servedBy]);
                }
            }
        }
    });

    it("serves every module somewhere at every stage, and the gateway only from stage 12", () => {
        for (let stage = 4; stage <= 15; stage++) {
            const served = Object.values(shopApps(stage)).flatMap((app) => app.modules);
            for (const module of ["web", "catalog", "search", "comments", "cart", "orders", "payments", "users"])
                expect([stage, module, served.includes(module as never)]).toEqual([stage, module, true]);
            expect(served.includes("gateway")).toBe(stage >= 12);
        }
    });
});

describe("the catalog's callers", () => {
    it("names the apps that reserve stock through the catalog's API, and the app that serves it", () => {
        const at = (stage: number) => catalogCallers(Object.entries(shopApps(stage)));
        expect(at(10)).toEqual({ callers: [], catalogApp: "app" });
        expect(at(11)).toEqual({ callers: ["trade"], catalogApp: "app" });
        expect(at(12)).toEqual({ callers: ["orders", "cart"], catalogApp: "app" });
        expect(at(13)).toEqual({ callers: ["orders", "cart"], catalogApp: "catalog" });
    });
});
