/** A browser-like client of the shop over HTTP, for the tests and the stage proof's journey (tools/shopper-journey.ts). */
/** A browser-like client: keeps its cookies, knows its CSRF token, speaks JSON. */
export class ShopClient {
    private cookies = new Map<string, string>();
    csrfToken = "";

    constructor(readonly baseUrl: string) {}

    async request(
        method: string,
        path: string,
        options: { json?: unknown; form?: Record<string, string>; headers?: Record<string, string>; csrf?: boolean } = {},
    ) {
        const headers: Record<string, string> = { ...options.headers };
        if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
        if (options.csrf !== false && method !== "GET") headers["x-csrf-token"] = this.csrfToken;
        let body: string | undefined;
        if (options.json !== undefined) {
            headers["content-type"] = "application/json";
            body = JSON.stringify(options.json);
        } else if (options.form) {
            headers["content-type"] = "application/x-www-form-urlencoded";
            body = new URLSearchParams(options.form).toString();
        }
        const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body, redirect: "manual" });
        for (const cookie of response.headers.getSetCookie()) {
            const [pair] = cookie.split(";");
            const i = pair.indexOf("=");
            this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
        }
        const text = await response.text();
        let data: any;
        try {
            data = JSON.parse(text);
        } catch {
            data = text;
        }
        return { status: response.status, headers: response.headers, data };
    }

    /** Starts a session and learns its CSRF token. */
    async open(): Promise<this> {
        const session = await this.request("GET", "/api/session");
        this.csrfToken = session.data.csrfToken;
        return this;
    }

    async register(email: string, name = "Test Buyer", password = "correct horse battery"): Promise<void> {
        const response = await this.request("POST", "/api/users", { json: { email, name, password } });
        if (response.status !== 201) throw new Error(`register failed: ${response.status} ${JSON.stringify(response.data)}`);
        this.csrfToken = response.data.csrfToken;
    }
}
