/** JSON schemas shared by the modules' routes: they validate input (400 naming the field) and serialize output. */
export const errorSchema = {
    type: "object",
    properties: { error: { type: "string" }, order: { $ref: "order#" } },
    required: ["error"],
} as const;

export const productSchema = {
    $id: "product",
    type: "object",
    properties: {
        id: { type: "integer" },
        categoryId: { type: "integer" },
        categorySlug: { type: "string" },
        sku: { type: "string" },
        name: { type: "string" },
        description: { type: "string" },
        priceCents: { type: "integer" },
        stock: { type: "integer" },
        hue: { type: "integer" },
    },
    required: ["id", "categoryId", "categorySlug", "sku", "name", "description", "priceCents", "stock"],
} as const;

export const orderSchema = {
    $id: "order",
    type: "object",
    properties: {
        id: { type: "integer" },
        status: { type: "string", enum: ["reserving", "paid", "rejected", "payment_failed"] },
        totalCents: { type: "integer" },
        problem: { type: ["string", "null"] },
        createdAt: { type: "string" },
        shippingAddress: {
            type: ["object", "null"],
            properties: {
                name: { type: "string" },
                street: { type: "string" },
                city: { type: "string" },
                postalCode: { type: "string" },
                country: { type: "string" },
            },
        },
        items: {
            type: "array",
            items: {
                type: "object",
                properties: { productId: { type: "integer" }, name: { type: "string" }, unitPriceCents: { type: "integer" }, quantity: { type: "integer" } },
                required: ["productId", "name", "unitPriceCents", "quantity"],
            },
        },
    },
    required: ["id", "status", "totalCents", "createdAt", "items"],
} as const;

export const commentSchema = {
    $id: "comment",
    type: "object",
    properties: {
        id: { type: "integer" },
        productId: { type: "integer" },
        authorName: { type: "string" },
        rating: { type: "integer" },
        body: { type: "string" },
        createdAt: { type: "string" },
    },
    required: ["id", "productId", "authorName", "rating", "body", "createdAt"],
} as const;

export const userSchema = {
    $id: "user",
    type: "object",
    properties: { id: { type: "integer" }, email: { type: "string" }, name: { type: "string" } },
    required: ["id", "email", "name"],
} as const;

export const idParams = {
    type: "object",
    properties: { id: { type: "integer", minimum: 1, maximum: 2147483647 } },
    required: ["id"],
} as const;

/** Fields of the account forms and API, with the limits both enforce. */
export const credentials = {
    email: { type: "string", format: "email", maxLength: 254 },
    password: { type: "string", minLength: 10, maxLength: 200 },
    name: { type: "string", minLength: 1, maxLength: 100, pattern: "\\S" },
} as const;

export const sharedSchemas = [productSchema, orderSchema, commentSchema, userSchema];
