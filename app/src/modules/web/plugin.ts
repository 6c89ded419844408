/**
 * The storefront: server-rendered pages for browsing, searching, the cart, checkout, orders
 * and accounts. Forms post back with their CSRF token; bad input re-renders the form with a
 * 400 and a message naming the field.
 */
import { randomUUID } from "node:crypto";
import { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { readableValidation } from "../../http/error-handler";
import { safeRedirectTarget } from "../../http/redirect";
import { html, Html, money } from "../../http/html";
import { credentials } from "../../http/schemas";
import { csrfField, page, PageOptions, picture, productCard, stars, stylesheet } from "../../web/layout";
import { pictureUrls } from "../catalog/product-media";
import { addToCart, viewCart } from "../cart/plugin";
import { ClientError } from "../../http/client-error";
import { commentBody } from "../comments/plugin";
import { Address, addressSchema, checkedAddress } from "../orders/address";
import { CheckoutError, Order } from "../orders/orders";
import { signIn, signOut } from "../users/plugin";
import { guardSignIn } from "../../http/rate-limit";
import { UserError } from "../users/users";
import { searchQuerystring, SearchQuerystring, toSearchQuery } from "../search/plugin";
import { SearchQuery } from "../search/query";
import { switchedOffNotices } from "../../flags/feature-flags";
import { Visitor } from "./storefront";

const pageSize = 24;

const sortLabels: [SearchQuery["sort"], string][] = [
    ["relevance", "Best match"],
    ["price-asc", "Price, low to high"],
    ["price-desc", "Price, high to low"],
    ["name", "Name"],
];

async function send(reply: FastifyReply, request: FastifyRequest, options: PageOptions, body: Html, status = 200) {
    // The cart link shows how many items are in it; a cart store that fails only hides the number.
    const cartCount =
        options.cartCount ??
        (request.sessionId
            ? await request.server.shop.carts.lines(request.sessionId).then(
                  (lines) => lines.reduce((n, l) => n + l.quantity, 0),
                  () => undefined,
              )
            : undefined);
    return reply
        .code(status)
        .type("text/html; charset=utf-8")
        .send(page(request, { ...options, cartCount }, body).value);
}

const safeNext = (next: unknown) => safeRedirectTarget(next);

function fieldMessage(error: FastifyError | Error): string {
    const issues = (error as FastifyError).validation;
    return issues ? readableValidation(issues[0] as Parameters<typeof readableValidation>[0], (error as FastifyError).validationContext) : error.message;
}

const statusText: Record<Order["status"], string> = {
    reserving: "Processing",
    paid: "Paid",
    rejected: "Not placed: out of stock",
    payment_failed: "Payment declined",
};

export const webPlugin: FastifyPluginAsync = async (app) => {
    const { media } = app.shop;
    const { catalog, search, orders, users, comments } = app.shop.storefront;
    /** The signed-in visitor of a route that has checked request.user. */
    const visitor = (request: FastifyRequest): Visitor => ({ user: request.user!, sessionId: request.sessionId });
    const cards = async (items: (Parameters<typeof productCard>[0] & { highlight?: string })[]) => {
        const urls = await pictureUrls(media, items);
        return items.map((p) => productCard(p, urls.get(p.id)!, p.highlight));
    };

    app.get("/static/shop.css", { config: { session: false } }, async (_request, reply) =>
        reply.type("text/css; charset=utf-8").header("cache-control", "public, max-age=3600").send(stylesheet),
    );

    app.get("/", async (request, reply) => {
        const reviewsOn = app.flags.enabled("reviews");
        const [categories, featured, latest] = await Promise.all([
            catalog.categories(),
            catalog.products({ page: 1, pageSize: 12 }),
            reviewsOn ? comments.latest(5) : [],
        ]);
        return send(
            reply,
            request,
            { title: "Home" },
            html`<h1>Everything for everyday, from one server to many regions</h1>
                <div class="chips">
                    ${categories.map((c) => html`<a href="/categories/${c.slug}">${c.name} <span class="muted">${c.productCount}</span></a>`)}
                </div>
                <h2>New in the shop</h2>
                <div class="grid">${await cards(featured.items)}</div>
                ${
                    reviewsOn
                        ? html`<h2>What customers say</h2>
                              ${latest.map(
                                  (c) =>
                                      html`<div class="comment">
                                          <span class="stars">${stars(c.rating)}</span> <a href="/products/${c.productId}">${c.authorName}</a>: ${c.body}
                                      </div>`,
                              )}`
                        : ""
                }`,
        );
    });

    app.get<{ Params: { slug: string }; Querystring: { page: number } }>(
        "/categories/:slug",
        {
            schema: {
                params: { type: "object", properties: { slug: { type: "string", pattern: "^[a-z0-9-]{1,40}$" } }, required: ["slug"] },
                querystring: { type: "object", properties: { page: { type: "integer", minimum: 1, maximum: 10000, default: 1 } } },
            },
        },
        async (request, reply) => {
            const category = (await catalog.categories()).find((c) => c.slug === request.params.slug);
            if (!category) return send(reply, request, { title: "Not found", error: `There is no category ${request.params.slug}.` }, html``, 404);
            const pages = Math.max(1, Math.ceil(category.productCount / pageSize));
            if (request.query.page > pages)
                return send(
                    reply,
                    request,
                    { title: "Not found", error: `${category.name} has ${pages} ${pages === 1 ? "page" : "pages"}; there is no page ${request.query.page}.` },
                    html`<p><a href="/categories/${category.slug}">First page of ${category.name}</a></p>`,
                    404,
                );
            const result = await catalog.products({ categorySlug: category.slug, page: request.query.page, pageSize });
            return send(
                reply,
                request,
                { title: category.name },
                html`<h1>${category.name}</h1>
                    <p class="muted">${category.description} · ${result.total} products</p>
                    <div class="grid">${await cards(result.items)}</div>
                    <nav class="pager" aria-label="Pages">
                        ${result.page > 1 ? html`<a href="/categories/${category.slug}?page=${result.page - 1}" rel="prev">← Previous</a>` : ""}
                        <span>Page ${result.page} of ${pages}</span>
                        ${result.page < pages ? html`<a href="/categories/${category.slug}?page=${result.page + 1}" rel="next">Next →</a>` : ""}
                    </nav>`,
            );
        },
    );

    app.get<{ Params: { id: number }; Querystring: { reviewed?: string } }>(
        "/products/:id",
        { schema: { params: { type: "object", properties: { id: { type: "integer", minimum: 1, maximum: 2147483647 } }, required: ["id"] } } },
        async (request, reply) => {
            const product = await catalog.product(request.params.id);
            if (!product) return send(reply, request, { title: "Not found", error: `There is no product ${request.params.id}.` }, html``, 404);
            const reviewsOn = app.flags.enabled("reviews");
            const [reviews, categories, urls] = await Promise.all([
                reviewsOn ? comments.forProduct(product.id, 20) : undefined,
                catalog.categories(),
                pictureUrls(media, [product]),
            ]);
            const categoryName = categories.find((c) => c.slug === product.categorySlug)?.name ?? product.categorySlug;
            return send(
                reply,
                request,
                { title: product.name, notice: request.query.reviewed ? "Thank you: your review is posted." : undefined },
                html`<div class="product">
                        ${picture(product, urls.get(product.id)!)}
                        <div>
                            <p class="muted"><a href="/categories/${product.categorySlug}">${categoryName}</a> · ${product.sku}</p>
                            <h1>${product.name}</h1>
                            <p class="price">${money(product.priceCents)}</p>
                            <p>${product.description}</p>
                            ${
                                product.stock > 0
                                    ? html`<p class="muted">${product.stock} in stock</p>
                                          <form action="/cart/add" method="post">
                                              ${csrfField(request)}<input type="hidden" name="productId" value="${product.id}" />
                                              <label style="display:inline-grid"
                                                  >Quantity <input name="quantity" type="number" min="1" max="${Math.min(99, product.stock)}" value="1"
                                              /></label>
                                              <button type="submit">Add to cart</button>
                                          </form>`
                                    : html`<p class="soldout">Sold out</p>`
                            }
                        </div>
                    </div>
                    ${
                        reviews
                            ? reviewSection(request, product.id, reviews)
                            : html`<h2 id="reviews">Reviews</h2>
                                  <p class="muted" data-test="reviews-off">${switchedOffNotices.reviews}</p>`
                    }`,
            );
        },
    );

    const reviewSection = (request: FastifyRequest, productId: number, reviews: Awaited<ReturnType<typeof comments.forProduct>>) =>
        html`<h2 id="reviews">
                Reviews
                ${reviews.averageRating !== null ? html`<span class="stars">${stars(Math.round(reviews.averageRating))}</span> <span class="muted">${reviews.averageRating} from ${reviews.count}</span>` : ""}
            </h2>
            ${reviews.items.length === 0 ? html`<p class="muted">No reviews yet.</p>` : ""}
            ${reviews.items.map((c) => html`<div class="comment" data-test="comment"><span class="stars">${stars(c.rating)}</span> <strong>${c.authorName}</strong> <span class="muted">${c.createdAt.slice(0, 10)}</span><br />${c.body}</div>`)}
            ${
                request.knownUser
                    ? html`<h2>Write a review</h2>
                          <form class="stack" action="/products/${productId}/comments" method="post">
                              ${csrfField(request)}
                              <label
                                  >Rating
                                  <select name="rating">
                                      ${[5, 4, 3, 2, 1].map((n) => html`<option value="${n}">${stars(n)}</option>`)}
                                  </select></label
                              >
                              <label>Review <textarea name="body" rows="3" maxlength="2000" required></textarea></label>
                              <button type="submit">Post review</button>
                          </form>`
                    : html`<p><a href="/login?next=/products/${productId}">Sign in</a> to write a review.</p>`
            }`;

    app.post<{ Params: { id: number }; Body: { rating: number; body: string } }>(
        "/products/:id/comments",
        {
            attachValidation: true,
            schema: {
                params: { type: "object", properties: { id: { type: "integer", minimum: 1, maximum: 2147483647 } }, required: ["id"] },
                body: { type: "object", properties: { ...commentBody, _csrf: { type: "string" } }, required: ["rating", "body"] },
            },
        },
        async (request, reply) => {
            if (!request.user) return reply.redirect(`/login?next=/products/${request.params.id}`, 303);
            if (!app.flags.enabled("reviews"))
                return send(
                    reply,
                    request,
                    { title: "Review", notice: `${switchedOffNotices.reviews} Your review was not posted.` },
                    html`<p><a href="/products/${request.params.id}">Back to the product</a></p>`,
                    503,
                );
            if (request.validationError)
                return send(
                    reply,
                    request,
                    { title: "Review", error: `Your review was not posted: ${fieldMessage(request.validationError)}.` },
                    html`<p><a href="/products/${request.params.id}">Back to the product</a></p>`,
                    400,
                );
            if (!(await catalog.product(request.params.id)))
                return send(reply, request, { title: "Not found", error: "There is no such product." }, html``, 404);
            if (!(await comments.add(visitor(request), request.params.id, request.body.rating, request.body.body)))
                return send(
                    reply,
                    request,
                    { title: "Review", error: "You have reviewed this product already." },
                    html`<p><a href="/products/${request.params.id}">Back to the product</a></p>`,
                    409,
                );
            return reply.redirect(`/products/${request.params.id}?reviewed=1#reviews`, 303);
        },
    );

    app.get<{ Querystring: SearchQuerystring }>(
        "/search",
        { schema: { querystring: { type: "object", properties: { ...searchQuerystring, limit: { ...searchQuerystring.limit, default: pageSize } } } } },
        async (request, reply) => {
            const query = toSearchQuery(request.query);
            const q = query.text;
            if (!q)
                return send(
                    reply,
                    request,
                    { title: "Search" },
                    html`<h1>Search</h1>
                        <p class="muted">Type what you are looking for in the search box.</p>`,
                );
            const [result, categories] = await Promise.all([search.search(query), catalog.categories()]);
            const pages = Math.max(1, Math.ceil(result.total / query.limit));
            // Links keep the words, the filters and the sort, and change one thing.
            const link = (change: Partial<SearchQuerystring>) => {
                const next = { ...request.query, q, page: 1, ...change } as Record<string, unknown>;
                const params = new URLSearchParams();
                for (const [key, value] of Object.entries(next))
                    if (value !== undefined && !(key === "limit" && value === pageSize)) params.set(key, String(value));
                return `/search?${params.toString()}`;
            };
            const categoryName = (slug: string) => categories.find((c) => c.slug === slug)?.name ?? slug;
            const price = (cents: number) => `$${cents / 100}`;
            return send(
                reply,
                request,
                { title: `Search: ${q}`, query: q },
                html`<h1>Results for “${q}”</h1>
                    <p class="muted" data-test="search-total">
                        ${result.total} ${result.total === 1 ? "product matches" : "products match"}${pages > 1 ? ` · page ${result.page} of ${pages}` : ""}
                    </p>
                    ${
                        result.facets.categories.length > 1 || query.category
                            ? html`<div class="chips" aria-label="Categories">
                                  <a href="${link({ category: undefined })}" class="${query.category ? "" : "active"}">All</a>
                                  ${result.facets.categories.map(
                                      (c) =>
                                          html`<a href="${link({ category: c.slug })}" class="${c.slug === query.category ? "active" : ""}"
                                              >${categoryName(c.slug)} <span class="muted">${c.count}</span></a
                                          >`,
                                  )}
                              </div>`
                            : ""
                    }
                    <div class="chips" aria-label="Prices">
                        ${result.facets.prices
                            .filter((r) => r.count > 0)
                            .map((r) => {
                                const active = query.minPriceCents === r.fromCents && query.maxPriceCents === r.toCents;
                                const label =
                                    r.toCents === undefined
                                        ? `${price(r.fromCents)} and more`
                                        : r.fromCents === 0
                                          ? `under ${price(r.toCents)}`
                                          : `${price(r.fromCents)}–${price(r.toCents)}`;
                                return html`<a
                                    href="${active ? link({ minPrice: undefined, maxPrice: undefined }) : link({ minPrice: r.fromCents, maxPrice: r.toCents })}"
                                    class="${active ? "active" : ""}"
                                    >${label} <span class="muted">${r.count}</span></a
                                >`;
                            })}
                    </div>
                    <form class="sort" action="/search" method="get">
                        <input type="hidden" name="q" value="${q}" />
                        ${query.category ? html`<input type="hidden" name="category" value="${query.category}" />` : ""}
                        ${query.minPriceCents !== undefined ? html`<input type="hidden" name="minPrice" value="${query.minPriceCents}" />` : ""}
                        ${query.maxPriceCents !== undefined ? html`<input type="hidden" name="maxPrice" value="${query.maxPriceCents}" />` : ""}
                        <label style="display:flex;gap:.4rem;align-items:center"
                            >Sort
                            <select name="sort">
                                ${sortLabels.map(([value, label]) => html`<option value="${value}" ${value === query.sort ? "selected" : ""}>${label}</option>`)}
                            </select></label
                        >
                        <button type="submit">Apply</button>
                    </form>
                    <div class="grid">${await cards(result.items)}</div>
                    <nav class="pager" aria-label="Pages">
                        ${result.page > 1 ? html`<a href="${link({ page: result.page - 1 })}" rel="prev">← Previous</a>` : ""}
                        <span>Page ${result.page} of ${pages}</span>
                        ${result.page < pages ? html`<a href="${link({ page: result.page + 1 })}" rel="next">Next →</a>` : ""}
                    </nav>`,
            );
        },
    );

    const cartPage = async (request: FastifyRequest, reply: FastifyReply, options: Omit<PageOptions, "title"> = {}, status = 200) => {
        const cart = await viewCart(request);
        return send(
            reply,
            request,
            { title: "Cart", ...options },
            cart.lines.length === 0
                ? html`<h1>Your cart</h1>
                      <p>Your cart is empty. <a href="/">Find something you like.</a></p>`
                : html`<h1>Your cart</h1>
                      <table>
                          <thead>
                              <tr>
                                  <th>Product</th>
                                  <th>Price</th>
                                  <th>Quantity</th>
                                  <th></th>
                              </tr>
                          </thead>
                          <tbody>
                              ${cart.lines.map(
                                  (l) =>
                                      html`<tr data-test="cart-line">
                                          <td>
                                              <a href="/products/${l.productId}">${l.name}</a
                                              >${l.stock < l.quantity ? html`<br /><span class="soldout">Only ${l.stock} left</span>` : ""}
                                          </td>
                                          <td>${money(l.unitPriceCents)}</td>
                                          <td>
                                              <form action="/cart/update" method="post">
                                                  ${csrfField(request)}<input type="hidden" name="productId" value="${l.productId}" /><input
                                                      name="quantity"
                                                      type="number"
                                                      min="0"
                                                      max="99"
                                                      value="${l.quantity}"
                                                      style="width:5rem"
                                                  />
                                                  <button class="link" type="submit">Update</button>
                                              </form>
                                          </td>
                                          <td>
                                              <form action="/cart/update" method="post">
                                                  ${csrfField(request)}<input type="hidden" name="productId" value="${l.productId}" /><input
                                                      type="hidden"
                                                      name="quantity"
                                                      value="0"
                                                  /><button class="link" type="submit">Remove</button>
                                              </form>
                                          </td>
                                      </tr>`,
                              )}
                          </tbody>
                      </table>
                      <p class="price">Total ${money(cart.totalCents)}</p>
                      <p><a class="button" href="/checkout">Check out</a></p>`,
            status,
        );
    };

    app.get("/cart", (request, reply) => cartPage(request, reply));

    const cartLineBody = {
        type: "object",
        properties: {
            productId: { type: "integer", minimum: 1, maximum: 2147483647 },
            quantity: { type: "integer", minimum: 0, maximum: 99, default: 1 },
            _csrf: { type: "string" },
        },
        required: ["productId"],
    } as const;

    app.post<{ Body: { productId: number; quantity: number } }>(
        "/cart/add",
        { attachValidation: true, schema: { body: cartLineBody } },
        async (request, reply) => {
            if (request.validationError) return cartPage(request, reply, { error: `Not added: ${fieldMessage(request.validationError)}.` }, 400);
            if (request.body.quantity < 1) return cartPage(request, reply, { error: "Not added: quantity must be at least 1." }, 400);
            try {
                await addToCart(request, request.body.productId, request.body.quantity);
            } catch (err) {
                if (err instanceof ClientError) return cartPage(request, reply, { error: `Not added: ${err.message}.` }, err.statusCode);
                throw err;
            }
            return reply.redirect("/cart", 303);
        },
    );

    app.post<{ Body: { productId: number; quantity: number } }>(
        "/cart/update",
        { attachValidation: true, schema: { body: cartLineBody } },
        async (request, reply) => {
            if (request.validationError) return cartPage(request, reply, { error: `Not changed: ${fieldMessage(request.validationError)}.` }, 400);
            await app.shop.carts.setQuantity(request.sessionId, request.body.productId, request.body.quantity);
            return reply.redirect("/cart", 303);
        },
    );

    const field = (body: unknown, name: string) => {
        const value = (body as Record<string, unknown> | undefined)?.[name];
        return typeof value === "string" ? value.slice(0, 300) : "";
    };

    const checkoutPage = async (request: FastifyRequest, reply: FastifyReply, options: { error?: string; body?: unknown } = {}, status = 200) => {
        const cart = await viewCart(request);
        if (cart.lines.length === 0) return reply.redirect("/cart", 303);
        const body = options.body;
        return send(
            reply,
            request,
            { title: "Checkout", error: options.error },
            html`<h1>Checkout</h1>
                <table>
                    <tbody>
                        ${cart.lines.map(
                            (l) =>
                                html`<tr>
                                    <td>${l.quantity} × ${l.name}</td>
                                    <td>${money(l.unitPriceCents * l.quantity)}</td>
                                </tr>`,
                        )}
                    </tbody>
                </table>
                <p class="price">Total ${money(cart.totalCents)}</p>
                <form class="stack" action="/checkout" method="post">
                    ${csrfField(request)}
                    <input type="hidden" name="idempotencyKey" value="${field(body, "idempotencyKey") || randomUUID()}" />
                    <h2>Shipping address</h2>
                    <label
                        >Name
                        <input name="name" autocomplete="shipping name" required maxlength="100" value="${field(body, "name") || request.knownUser?.name}"
                    /></label>
                    <label
                        >Street <input name="street" autocomplete="shipping street-address" required maxlength="200" value="${field(body, "street")}"
                    /></label>
                    <label>City <input name="city" autocomplete="shipping address-level2" required maxlength="100" value="${field(body, "city")}" /></label>
                    <label
                        >Postal code <input name="postalCode" autocomplete="shipping postal-code" required maxlength="12" value="${field(body, "postalCode")}"
                    /></label>
                    <label
                        >Country <span class="muted">two letters, such as US or DE</span>
                        <input name="country" autocomplete="shipping country" required minlength="2" maxlength="2" value="${field(body, "country")}"
                    /></label>
                    <p class="muted">Paid with the shop's test payment provider: no card needed.</p>
                    <button type="submit">Place order</button>
                </form>`,
            status,
        );
    };

    app.get("/checkout", async (request, reply) => {
        if (!request.user) return reply.redirect("/login?next=/checkout", 303);
        return checkoutPage(request, reply);
    });

    app.post<{ Body: Address & { idempotencyKey: string } }>(
        "/checkout",
        {
            attachValidation: true,
            schema: {
                body: {
                    type: "object",
                    properties: {
                        idempotencyKey: { type: "string", pattern: "^[A-Za-z0-9_-]{8,100}$" },
                        ...addressSchema.properties,
                        _csrf: { type: "string" },
                    },
                    required: ["idempotencyKey", ...addressSchema.required],
                },
            },
        },
        async (request, reply) => {
            if (!request.user) return reply.redirect("/login?next=/checkout", 303);
            if (request.validationError)
                return checkoutPage(request, reply, { error: `Your order was not placed: ${fieldMessage(request.validationError)}.`, body: request.body }, 400);
            try {
                const { name, street, city, postalCode, country } = request.body;
                const address = checkedAddress({ name, street, city, postalCode, country });
                const order = await orders.checkout(visitor(request), request.body.idempotencyKey, address);
                return reply.redirect(`/orders/${order.id}?placed=1`, 303);
            } catch (err) {
                if (err instanceof ClientError)
                    return checkoutPage(request, reply, { error: `Your order was not placed: ${err.message}.`, body: request.body }, err.statusCode);
                if (err instanceof CheckoutError) return cartPage(request, reply, { error: `Your order was not placed: ${err.message}.` }, err.status);
                throw err;
            }
        },
    );

    app.get("/orders", async (request, reply) => {
        if (!request.user) return reply.redirect("/login?next=/orders", 303);
        // Checkouts that were not placed (out of stock, declined) are not orders the shopper has.
        const list = (await orders.forUser(visitor(request))).filter((o) => o.status === "paid" || o.status === "reserving");
        return send(
            reply,
            request,
            { title: "Your orders" },
            html`<h1>Your orders</h1>
                ${list.length === 0 ? html`<p>No orders yet.</p>` : ""}
                ${
                    list.length > 0
                        ? html`<table>
                              <thead>
                                  <tr>
                                      <th>Order</th>
                                      <th>Date</th>
                                      <th>Status</th>
                                      <th>Total</th>
                                  </tr>
                              </thead>
                              <tbody>
                                  ${list.map(
                                      (o) =>
                                          html`<tr data-test="order-row">
                                              <td><a href="/orders/${o.id}">#${o.id}</a></td>
                                              <td>${o.createdAt.slice(0, 10)}</td>
                                              <td>${statusText[o.status]}</td>
                                              <td>${money(o.totalCents)}</td>
                                          </tr>`,
                                  )}
                              </tbody>
                          </table>`
                        : ""
                }`,
        );
    });

    app.get<{ Params: { id: number }; Querystring: { placed?: string } }>(
        "/orders/:id",
        { schema: { params: { type: "object", properties: { id: { type: "integer", minimum: 1, maximum: 2147483647 } }, required: ["id"] } } },
        async (request, reply) => {
            if (!request.user) return reply.redirect(`/login?next=/orders/${request.params.id}`, 303);
            const order = await orders.get(visitor(request), request.params.id);
            if (!order) return send(reply, request, { title: "Not found", error: "There is no such order." }, html``, 404);
            return send(
                reply,
                request,
                {
                    title: `Order #${order.id}`,
                    notice: request.query.placed && order.status === "paid" ? "Thank you: your order is placed and paid." : undefined,
                },
                html`<h1>Order #${order.id}</h1>
                    <p>${statusText[order.status]} · ${order.createdAt.slice(0, 10)}</p>
                    <table>
                        <tbody>
                            ${order.items.map(
                                (i) =>
                                    html`<tr>
                                        <td>${i.quantity} × <a href="/products/${i.productId}">${i.name}</a></td>
                                        <td>${money(i.unitPriceCents * i.quantity)}</td>
                                    </tr>`,
                            )}
                        </tbody>
                    </table>
                    <p class="price">Total ${money(order.totalCents)}</p>
                    ${
                        order.shippingAddress
                            ? html`<h2>Ships to</h2>
                                  <p data-test="shipping-address">
                                      ${order.shippingAddress.name}<br />${order.shippingAddress.street}<br />${order.shippingAddress.postalCode}
                                      ${order.shippingAddress.city}<br />${order.shippingAddress.country}
                                  </p>`
                            : ""
                    }
                    <p><a href="/orders">All your orders</a></p>`,
            );
        },
    );

    /** What the visitor typed, given back to a form shown again (never the password). */
    const typed = (body: unknown, field: string) => {
        const value = (body as Record<string, unknown> | undefined)?.[field];
        return typeof value === "string" ? value.slice(0, 300) : "";
    };

    const loginForm = (request: FastifyRequest, next: string, body?: unknown) =>
        html`<h1>Sign in</h1>
            <form class="stack" action="/login" method="post">
                ${csrfField(request)}<input type="hidden" name="next" value="${next}" />
                <label>Email <input name="email" type="email" autocomplete="email" required value="${typed(body, "email")}" /></label>
                <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
                <button type="submit">Sign in</button>
            </form>
            ${request.server.flags.enabled("signups") ? html`<p>New here? <a href="/register?next=${encodeURIComponent(next)}">Create an account</a>.</p>` : ""}`;

    const registerForm = (request: FastifyRequest, next: string, body?: unknown) =>
        html`<h1>Create an account</h1>
            <form class="stack" action="/register" method="post">
                ${csrfField(request)}<input type="hidden" name="next" value="${next}" />
                <label>Name <input name="name" autocomplete="name" required maxlength="100" value="${typed(body, "name")}" /></label>
                <label>Email <input name="email" type="email" autocomplete="email" required value="${typed(body, "email")}" /></label>
                <label
                    >Password <span class="muted">at least 10 characters</span
                    ><input name="password" type="password" autocomplete="new-password" required minlength="10"
                /></label>
                <button type="submit">Create account</button>
            </form>`;

    app.get<{ Querystring: { next?: string } }>("/login", async (request, reply) =>
        send(reply, request, { title: "Sign in" }, loginForm(request, safeNext(request.query.next))),
    );
    /** Registration paused (the signups flag): a short notice and the way to sign in, instead of the form. */
    const signupsOff = (request: FastifyRequest, reply: FastifyReply, next: string, status: number) =>
        send(
            reply,
            request,
            { title: "Register", notice: switchedOffNotices.signups },
            html`<p><a href="/login?next=${encodeURIComponent(next)}">Sign in</a></p>`,
            status,
        );

    app.get<{ Querystring: { next?: string } }>("/register", async (request, reply) =>
        app.flags.enabled("signups")
            ? send(reply, request, { title: "Register" }, registerForm(request, safeNext(request.query.next)))
            : signupsOff(request, reply, safeNext(request.query.next), 200),
    );

    app.post<{ Body: { email: string; password: string; next?: string } }>(
        "/login",
        {
            attachValidation: true,
            ...guardSignIn(app.signInAttempts),
            schema: {
                body: {
                    type: "object",
                    properties: {
                        email: { type: "string", maxLength: 254 },
                        password: { type: "string", maxLength: 200 },
                        next: { type: "string" },
                        _csrf: { type: "string" },
                    },
                    required: ["email", "password"],
                },
            },
        },
        async (request, reply) => {
            const next = safeNext(request.body?.next);
            if (request.validationError)
                return send(reply, request, { title: "Sign in", error: fieldMessage(request.validationError) }, loginForm(request, next, request.body), 400);
            try {
                await signIn(request, reply, await users.authenticate(request.body.email, request.body.password));
                return reply.redirect(next, 303);
            } catch (err) {
                if (err instanceof UserError)
                    return send(
                        reply,
                        request,
                        { title: "Sign in", error: `Not signed in: ${err.message}.` },
                        loginForm(request, next, request.body),
                        err.status,
                    );
                throw err;
            }
        },
    );

    app.post<{ Body: { email: string; name: string; password: string; next?: string } }>(
        "/register",
        {
            attachValidation: true,
            schema: {
                body: {
                    type: "object",
                    properties: { ...credentials, next: { type: "string" }, _csrf: { type: "string" } },
                    required: ["email", "name", "password"],
                },
            },
        },
        async (request, reply) => {
            const next = safeNext(request.body?.next);
            if (!app.flags.enabled("signups")) return signupsOff(request, reply, next, 503);
            if (request.validationError)
                return send(
                    reply,
                    request,
                    { title: "Register", error: `Not registered: ${fieldMessage(request.validationError)}.` },
                    registerForm(request, next, request.body),
                    400,
                );
            try {
                await signIn(request, reply, await users.register(request.body.email, request.body.name, request.body.password));
                return reply.redirect(next, 303);
            } catch (err) {
                if (err instanceof UserError)
                    return send(
                        reply,
                        request,
                        { title: "Register", error: `Not registered: ${err.message}.` },
                        registerForm(request, next, request.body),
                        err.status,
                    );
                throw err;
            }
        },
    );

    app.post("/logout", async (request, reply) => {
        await signOut(request, reply);
        return reply.redirect("/", 303);
    });
};
