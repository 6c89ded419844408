import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../tools/project-root";

/** The files git tracks, as a clean clone has them. */
const tracked = execFileSync("git", ["ls-files"], { cwd: projectRoot, encoding: "utf8" })
    .split("\n")
    .filter((f) => f && fs.existsSync(path.join(projectRoot, f)));
const text = (file: string) => fs.readFileSync(path.join(projectRoot, file), "utf8");

describe("the project's own documents", () => {
    it("holds the architecture, the contracts and the decisions in docs/", () => {
        for (const page of ["docs/README.md", "docs/architecture.md", "docs/contracts.md", "docs/decisions.md"]) expect(tracked).toContain(page);
        const decisions = text("docs/decisions.md");
        for (const heading of ["Accounts", "Prod's image", "Health-check depth", "Database credentials", "Ownership of data", "EKS versions"]) {
            expect(decisions).toMatch(new RegExp(`^## ${heading}`, "m"));
        }
    });

    it("cites no file outside the repository", () => {
        const sources = tracked.filter((f) => /\.(ts|js|mjs|md|yml|yaml|json|sh)$/.test(f) && !f.endsWith("package-lock.json"));
        const outside = sources.filter((f) => /\bDESIGN\.md\b|\.\.\/shared\/|\bSTYLE\.md\b/.test(text(f)));
        expect(outside).toEqual([]);
    });

    it("links only to files that exist, from docs/ and the README", () => {
        const broken: string[] = [];
        for (const page of tracked.filter((f) => f.endsWith(".md"))) {
            for (const [, target] of text(page).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
                if (/^[a-z]+:/.test(target)) continue;
                if (!fs.existsSync(path.resolve(projectRoot, path.dirname(page), target))) broken.push(`${page} -> ${target}`);
            }
        }
        expect(broken).toEqual([]);
    });

    it("lists every variable the shop reads in the environment contract", () => {
        const contract = text("docs/contracts.md");
        const read = new Set(text("app/src/config.ts").match(/SHOP_[A-Z_]+[A-Z]/g));
        const missing = [...read].filter((name) => !contract.includes(`\`${name}`));
        expect(missing).toEqual([]);
    });
});
