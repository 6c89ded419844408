/** Quotes a value for a POSIX shell: single quotes, with each inner quote closed, escaped and reopened. */
export function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}
