/**
 * Ends a Jest run with the plain line CI reads: "N passed, N failed" (", N skipped" when some were).
 */
class SummaryReporter {
    onRunComplete(_contexts, results) {
        const skipped = results.numPendingTests + results.numTodoTests;
        const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
        process.stderr.write(`\n${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
    }
}
module.exports = SummaryReporter;
