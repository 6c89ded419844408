/** The storefront's page frame and styles: plain server-rendered HTML that works on a phone. */
import { FastifyRequest } from "fastify";
import { Product } from "../modules/catalog/catalog";
import { html, Html, money } from "../http/html";

export const stylesheet = `
:root { --ink: #1d232b; --muted: #5d6875; --line: #e2e6ea; --accent: #0b6e4f; --accent-ink: #fff; --warn: #a4262c; --bg: #f7f8f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
/* A word longer than the line (a review without spaces, a long name) breaks rather than widening the page. */
main, header, footer { overflow-wrap: anywhere; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
header { background: #fff; border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 1; }
.bar { max-width: 1100px; margin: 0 auto; padding: .6rem 1rem; display: flex; gap: .8rem; align-items: center; flex-wrap: wrap; }
.brand { font-weight: 700; font-size: 1.2rem; color: var(--ink); }
.bar form.search { flex: 1 1 14rem; display: flex; }
.bar form.search input { flex: 1; min-width: 0; }
nav.account { display: flex; gap: .8rem; align-items: center; min-width: 0; max-width: 100%; }
nav.account form { min-width: 0; }
button.signout { display: flex; gap: .3rem; max-width: 100%; }
button.signout .who { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 10rem; }
.count { background: var(--accent); color: var(--accent-ink); border-radius: 999px; padding: 0 .45rem; font-size: .8rem; font-weight: 700; }
main { max-width: 1100px; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: .4rem 0 1rem; } h2 { font-size: 1.2rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 220px), 1fr)); gap: 1rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: .8rem; display: flex; flex-direction: column; gap: .4rem; }
.picture { width: 100%; height: auto; aspect-ratio: 4 / 3; border-radius: 8px; display: block; }
.price { font-weight: 700; } .muted { color: var(--muted); font-size: .9rem; } .soldout { color: var(--warn); font-weight: 600; }
input, select, textarea, button { font: inherit; padding: .5rem .7rem; border: 1px solid #c5ccd3; border-radius: 8px; background: #fff; }
button, .button { background: var(--accent); color: var(--accent-ink); border: 0; cursor: pointer; font-weight: 600; padding: .55rem 1rem; border-radius: 8px; display: inline-block; }
button.link { background: none; color: var(--accent); padding: 0; font-weight: 400; }
button:disabled { background: #9aa5b1; cursor: not-allowed; }
form.stack { display: grid; gap: .7rem; max-width: 26rem; }
label { display: grid; gap: .2rem; font-weight: 600; }
.product { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1.5rem; }
@media (max-width: 700px) { .product { grid-template-columns: 1fr; } h1 { font-size: 1.35rem; } }
table { width: 100%; border-collapse: collapse; background: #fff; }
td, th { padding: .5rem; border-bottom: 1px solid var(--line); text-align: left; }
.notice { padding: .7rem 1rem; border-radius: 8px; background: #e7f4ee; border: 1px solid #b9e0cd; margin-bottom: 1rem; }
.error { padding: .7rem 1rem; border-radius: 8px; background: #fbeaea; border: 1px solid #f0c4c6; color: var(--warn); margin-bottom: 1rem; }
.pager { display: flex; gap: .6rem; align-items: center; justify-content: center; margin: 1.2rem 0; }
.chips { display: flex; flex-wrap: wrap; gap: .5rem; margin-bottom: 1rem; }
.chips a { background: #fff; border: 1px solid var(--line); border-radius: 999px; padding: .2rem .8rem; }
.comment { border-top: 1px solid var(--line); padding: .6rem 0; }
.stars { color: #c98a00; letter-spacing: 1px; }
mark { background: #fff1a8; color: inherit; padding: 0 .1em; border-radius: 3px; }
.chips a.active { background: var(--accent); color: var(--accent-ink); border-color: var(--accent); }
form.sort { display: flex; gap: .5rem; align-items: center; margin-bottom: 1rem; }
footer { color: var(--muted); text-align: center; padding: 2rem 1rem; font-size: .85rem; }
`;

export interface PageOptions {
    title: string;
    /** What the search box shows (the search results page keeps the query in it). */
    query?: string;
    notice?: string;
    error?: string;
    /** Items in the visitor's cart, shown on the cart link. */
    cartCount?: number;
}

export function page(request: FastifyRequest, options: PageOptions, body: Html): Html {
    const user = request.knownUser;
    return html`<!doctype html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <title>${options.title} · Evolution Shop</title>
                <link rel="stylesheet" href="/static/shop.css" />
            </head>
            <body>
                <header>
                    <div class="bar">
                        <a class="brand" href="/">Evolution Shop</a>
                        <form class="search" action="/search" method="get" role="search">
                            <input
                                name="q"
                                type="search"
                                placeholder="Search products"
                                aria-label="Search products"
                                maxlength="200"
                                value="${options.query ?? ""}"
                            />
                        </form>
                        <nav class="account">
                            <a href="/cart" data-test="cart-link"
                                >Cart${options.cartCount ? html` <span class="count" aria-label="${options.cartCount} items">${options.cartCount}</span>` : ""}</a
                            >
                            ${
                                user
                                    ? html`<a href="/orders">Orders</a>
                                          <form action="/logout" method="post">
                                              ${csrfField(request)}<button class="link signout" type="submit" title="Sign out ${user.name}">
                                                  Sign out <span class="who">${user.name}</span>
                                              </button>
                                          </form>`
                                    : html`<a href="/login">Sign in</a>${request.server.flags.enabled("signups") ? html`<a href="/register">Register</a>` : ""}`
                            }
                        </nav>
                    </div>
                </header>
                <main>
                    ${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ""}
                    ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ""} ${body}
                </main>
                <footer>A reference shop of shop-evolution · served from ${request.server.region}</footer>
            </body>
        </html>`;
}

export function csrfField(request: FastifyRequest): Html {
    return html`<input type="hidden" name="_csrf" value="${request.csrfToken}" />`;
}

/** A product in a grid; `nameHtml` is the name with a search's matches marked (already escaped). */
export function productCard(p: Product, pictureUrl: string, nameHtml?: string): Html {
    return html`<article class="card" data-test="product-card">
        ${picture(p, pictureUrl)}
        <a href="/products/${p.id}"><strong>${nameHtml === undefined ? p.name : new Html(nameHtml)}</strong></a>
        <span class="price">${money(p.priceCents)}</span>
        ${p.stock > 0 ? html`<span class="muted">${p.stock} in stock</span>` : html`<span class="soldout">Sold out</span>`}
    </article>`;
}

/** The product's picture (drawn by the shop in its colour), on a tile of that colour while it loads. */
export function picture(p: Product, url: string): Html {
    return html`<img class="picture" src="${url}" alt="${p.name}" width="400" height="300" loading="lazy" style="background: hsl(${p.hue} 30% 95%)" />`;
}

export function stars(rating: number): string {
    return "★".repeat(rating) + "☆".repeat(5 - rating);
}
