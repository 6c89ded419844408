/** HTML built from template literals: every interpolated value is escaped unless it is already Html. */
export class Html {
    constructor(readonly value: string) {}
    toString(): string {
        return this.value;
    }
}

const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, (c) => entities[c]);
}

function render(value: unknown): string {
    if (value instanceof Html) return value.value;
    if (Array.isArray(value)) return value.map(render).join("");
    if (value === undefined || value === null || value === false) return "";
    return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
    return new Html(strings.reduce((out, s, i) => out + s + (i < values.length ? render(values[i]) : ""), ""));
}

/** Money in cents as dollars, with thousands separators: $7,523.01. */
export function money(cents: number): string {
    return `$${(cents / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
