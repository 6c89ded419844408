/**
 * A deterministic catalog: the same thousand products over twelve categories, and the same
 * comments, on every machine, so that tests, benchmarks and screenshots compare.
 */
import { Queryable } from "./database";

const catalog: { slug: string; name: string; description: string; nouns: string[]; basePrice: number }[] = [
    {
        slug: "kitchen",
        name: "Kitchen",
        description: "Tools for cooks who cook every day",
        nouns: ["Chef's Knife", "Cast Iron Skillet", "Pour-Over Kettle", "Cutting Board", "Saucepan", "Espresso Cups", "Spice Grinder", "Mixing Bowls"],
        basePrice: 3500,
    },
    {
        slug: "outdoor",
        name: "Outdoor",
        description: "Gear for trails, camps and long weekends",
        nouns: ["Trail Backpack", "Camping Lantern", "Sleeping Bag", "Hiking Poles", "Water Filter", "Tent", "Hammock", "Camp Stove"],
        basePrice: 6000,
    },
    {
        slug: "electronics",
        name: "Electronics",
        description: "Small devices that earn their place on the desk",
        nouns: ["Wireless Earbuds", "Bluetooth Speaker", "USB-C Charger", "Mechanical Keyboard", "Desk Lamp", "Webcam", "Power Bank", "Smart Plug"],
        basePrice: 4500,
    },
    {
        slug: "books",
        name: "Books",
        description: "Guides, stories and blank pages",
        nouns: ["Field Guide", "Cookbook", "Atlas", "Notebook", "Novel", "Poetry Collection", "Travel Journal", "Sketchbook"],
        basePrice: 1800,
    },
    {
        slug: "apparel",
        name: "Apparel",
        description: "Clothes made to be worn for years",
        nouns: ["Merino Sweater", "Rain Jacket", "Linen Shirt", "Wool Socks", "Denim Jeans", "Knit Beanie", "Running Shorts", "Fleece Vest"],
        basePrice: 4000,
    },
    {
        slug: "shoes",
        name: "Shoes",
        description: "For running, walking and standing still",
        nouns: ["Running Shoes", "Leather Boots", "Canvas Sneakers", "Sandals", "Slippers", "Trail Runners", "Loafers", "Hiking Boots"],
        basePrice: 7000,
    },
    {
        slug: "home",
        name: "Home",
        description: "Things that make a room feel lived in",
        nouns: ["Throw Blanket", "Ceramic Vase", "Wall Clock", "Scented Candle", "Linen Curtains", "Floor Cushion", "Picture Frame", "Door Mat"],
        basePrice: 3000,
    },
    {
        slug: "garden",
        name: "Garden",
        description: "Everything between the seed and the harvest",
        nouns: ["Pruning Shears", "Watering Can", "Raised Planter", "Seed Starter Kit", "Garden Gloves", "Compost Bin", "Trowel", "Hose Nozzle"],
        basePrice: 2500,
    },
    {
        slug: "toys",
        name: "Toys",
        description: "Play for every age",
        nouns: ["Wooden Blocks", "Puzzle", "Kite", "Board Game", "Plush Bear", "Building Set", "Yo-Yo", "Marble Run"],
        basePrice: 2200,
    },
    {
        slug: "sports",
        name: "Sports",
        description: "Equipment for the gym, the court and the road",
        nouns: ["Yoga Mat", "Dumbbells", "Jump Rope", "Tennis Racket", "Football", "Bike Helmet", "Resistance Bands", "Chalk Bag"],
        basePrice: 3200,
    },
    {
        slug: "beauty",
        name: "Beauty",
        description: "Care for skin and hair",
        nouns: ["Face Cream", "Shampoo Bar", "Lip Balm", "Hand Soap", "Beard Oil", "Sunscreen", "Body Lotion", "Bath Salts"],
        basePrice: 1500,
    },
    {
        slug: "office",
        name: "Office",
        description: "A desk that works as hard as you do",
        nouns: ["Fountain Pen", "Desk Organizer", "Seat Cushion", "Monitor Stand", "Sticky Notes", "Paper Tray", "Stapler", "Planner"],
        basePrice: 2000,
    },
];
const adjectives = ["Classic", "Compact", "Deluxe", "Everyday", "Heritage", "Lightweight", "Nordic", "Pro", "Rugged", "Studio", "Urban", "Vintage"];
const finishes = ["Ash", "Charcoal", "Copper", "Forest", "Indigo", "Oat", "Sand", "Slate", "Terracotta", "Walnut"];
const reviewers = ["Ana", "Bo", "Chen", "Dmitri", "Esi", "Farah", "Goran", "Hana", "Ines", "Jonas", "Kiri", "Luis"];
/** Remarks by rating (1 to 5), so that what a review says agrees with its stars. */
const remarksByRating: string[][] = [
    ["Not quite what I hoped for; returned it.", "Broke within a week. Disappointed."],
    ["Smaller than I expected, and it shows its price.", "It works, but I would not buy it again."],
    ["Smaller than I expected, but it does the job.", "Packaging was excessive; the product itself is fine."],
    ["Good value for the price. I would buy it again.", "The colour is lovely in daylight."],
    ["Exactly as described, and it arrived quickly.", "Solid build quality; it feels like it will last. Use it every day."],
];

export const productsPerCategory = 84;
/** How many products the seed makes: the comments' seed refers to them by id (1..n), wherever the catalog is. */
export const seededProductCount = catalog.length * productsPerCategory;

/** A small, fast, seeded random number generator (mulberry32): the same sequence everywhere. */
export function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** Inserts the categories and products when the catalog is empty. Returns how many products it made. */
export async function seedCatalog(db: Queryable): Promise<number> {
    const existing = await db.query<{ n: string }>("SELECT count(*) AS n FROM products");
    if (Number(existing.rows[0].n) > 0) return 0;
    const random = seededRandom(20261124);
    let made = 0;
    for (const category of catalog) {
        const { rows } = await db.query<{ id: number }>("INSERT INTO categories (slug, name, description) VALUES ($1, $2, $3) RETURNING id", [
            category.slug,
            category.name,
            category.description,
        ]);
        const seen = new Set<string>();
        const values: unknown[] = [];
        while (seen.size < productsPerCategory) {
            const noun = category.nouns[Math.floor(random() * category.nouns.length)];
            const name = `${adjectives[Math.floor(random() * adjectives.length)]} ${noun}, ${finishes[Math.floor(random() * finishes.length)]}`;
            if (seen.has(name)) continue;
            seen.add(name);
            const price = Math.max(300, Math.round((category.basePrice * (0.4 + random() * 1.8)) / 100) * 100 - 1);
            const stock = random() < 0.06 ? 0 : Math.floor(random() * 200) + 1;
            const description = `${name.split(",")[0]} in ${name.split(", ")[1].toLowerCase()}. ${category.description}: this one is ${["built for daily use", "a favourite of our customers", "made in small batches", "designed to last", "light enough to take anywhere"][Math.floor(random() * 5)]}.`;
            values.push(
                rows[0].id,
                `${category.slug.slice(0, 3).toUpperCase()}-${String(seen.size).padStart(4, "0")}`,
                name,
                description,
                price,
                stock,
                Math.floor(random() * 360),
            );
        }
        const placeholders = Array.from(
            { length: productsPerCategory },
            (_, i) => `($${i * 7 + 1}, $${i * 7 + 2}, $${i * 7 + 3}, $${i * 7 + 4}, $${i * 7 + 5}, $${i * 7 + 6}, $${i * 7 + 7})`,
        );
        await db.query(`INSERT INTO products (category_id, sku, name, description, price_cents, stock, hue) VALUES ${placeholders.join(", ")}`, values);
        made += productsPerCategory;
    }
    return made;
}

/** Seed comments for the products numbered 1..productCount, written where `dbFor(productId)` says. Skips when comments exist. */
export async function seedComments(productCount: number, dbFor: (productId: number) => Queryable, all: Queryable[]): Promise<number> {
    for (const db of all) {
        const existing = await db.query<{ n: string }>("SELECT count(*) AS n FROM comments");
        if (Number(existing.rows[0].n) > 0) return 0;
    }
    const random = seededRandom(7);
    // One INSERT a shard, not one a comment: 400 round trips made a fresh database's first start slow. Each row is a
    // millisecond later than the one before, so that the order written stays the order shown, as it was row by row.
    const rows = new Map<Queryable, unknown[][]>();
    for (let i = 0; i < 400; i++) {
        const productId = 1 + Math.floor(random() * productCount);
        const rating = 1 + Math.floor(random() * 5);
        const days = Math.floor(random() * 300);
        const row = [
            productId,
            reviewers[Math.floor(random() * reviewers.length)],
            rating,
            remarksByRating[rating - 1][Math.floor(random() * 2)],
            days,
            i / 1000,
        ];
        const db = dbFor(productId);
        if (!rows.has(db)) rows.set(db, []);
        rows.get(db)!.push(row);
    }
    let made = 0;
    for (const [db, shardRows] of rows) {
        const placeholders = shardRows.map((_, r) => {
            const $ = (n: number) => `$${r * 6 + n}`;
            return `(${$(1)}, ${$(2)}, ${$(3)}, ${$(4)}, now() - make_interval(days => ${$(5)}) + make_interval(secs => ${$(6)}))`;
        });
        await db.query(`INSERT INTO comments (product_id, author_name, rating, body, created_at) VALUES ${placeholders.join(", ")}`, shardRows.flat());
        made += shardRows.length;
    }
    return made;
}
