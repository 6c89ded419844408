/** The lab's benchmark rows as a table, and the dated report around it that names the machine it ran on. */
import * as os from "node:os";
import { BenchRow } from "./bench";
import { markdownTable, textTable } from "./table";

const header = [
    "#",
    "stage",
    "reads/s",
    "read p50 ms",
    "read p99 ms",
    "journeys/s",
    "journey p50 ms",
    "journey p99 ms",
    "errors",
    "cache hits",
    "processes",
    "memory MiB",
];

export function benchTable(rows: BenchRow[], format: "text" | "markdown"): string {
    const cells = rows.map((r) => [
        String(r.stage),
        r.slug,
        String(r.readsPerSecond),
        String(r.readP50Ms),
        String(r.readP99Ms),
        String(r.journeysPerSecond),
        String(r.journeyP50Ms),
        String(r.journeyP99Ms),
        String(r.errors),
        r.cacheHitRatio === undefined ? "-" : `${(r.cacheHitRatio * 100).toFixed(1)}%`,
        String(r.processes),
        String(r.memoryMiB),
    ]);
    return format === "markdown" ? markdownTable(header, cells) : textTable(header, cells);
}

/** The table with when, where and how it was measured; a machine busier than its cores is said to be so. */
export function benchReport(rows: BenchRow[], run: { duration: number; connections: number; shoppers: number; load: number }): string {
    const cpus = os.cpus();
    const machine = `${cpus[0]?.model.trim() ?? "unknown CPU"}, ${cpus.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`;
    const loaded =
        run.load > cpus.length
            ? ` The load average reached ${run.load.toFixed(1)} on its ${cpus.length} cores during the run (the stages' own servers and the load generator, and any other work), so compare the stages with each other, not with another machine.`
            : "";
    return [
        `Measured ${new Date().toISOString().slice(0, 10)} on ${machine} (\`npm run lab -- --stages ${rows[0]?.stage}-${rows.at(-1)?.stage} --bench --duration ${run.duration}\`):` +
            ` ${run.duration} s of product API reads (Zipf s = 1, ${run.connections} connections) then ${run.duration} s of ${run.shoppers} shoppers' journeys` +
            ` (session, home page, product page, sign-up, cart, checkout) through each stage's entry; every server of the stage, the load generator included, on this one machine.${loaded}`,
        "",
        benchTable(rows, "markdown"),
        ...failureLines(rows).map((line, i) => (i === 0 ? `\n${line}` : line)),
    ].join("\n");
}

/** One line a stage that had errors: what failed, and how often. */
export function failureLines(rows: BenchRow[]): string[] {
    return rows
        .filter((r) => Object.keys(r.failures).length > 0)
        .map(
            (r) =>
                `Errors at stage ${r.stage}: ${Object.entries(r.failures)
                    .map(([what, n]) => `${what} (${n})`)
                    .join(", ")}.`,
        );
}
