/**
 * Product comments (reviews with a rating), sharded by product from stage 7 on: a product's
 * comments all live on the shard `shardOf(productId)` picks, so reading them asks one
 * database; the latest comments across the shop are gathered from every shard and merged.
 * Comment ids are per shard: (shard, id) names a comment, not the id alone.
 */
import { Database } from "../../db/database";
import { shardOf } from "../../db/shard";

export interface Comment {
    id: number;
    productId: number;
    authorName: string;
    rating: number;
    body: string;
    createdAt: string;
}

const columns = `id::int AS id, product_id AS "productId", author_name AS "authorName", rating, body, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt"`;

export class Comments {
    constructor(private readonly shards: Database[]) {}

    private shardFor(productId: number): Database {
        return this.shards[shardOf(productId, this.shards.length)];
    }

    async forProduct(productId: number, limit: number): Promise<{ items: Comment[]; count: number; averageRating: number | null }> {
        const db = this.shardFor(productId);
        const [items, summary] = await Promise.all([
            db.read<Comment>(`SELECT ${columns} FROM comments WHERE product_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [productId, limit]),
            db.read<{ n: string; avg: string | null }>("SELECT count(*) AS n, avg(rating) AS avg FROM comments WHERE product_id = $1", [productId]),
        ]);
        const avg = summary.rows[0].avg;
        return { items: items.rows, count: Number(summary.rows[0].n), averageRating: avg === null ? null : Math.round(Number(avg) * 10) / 10 };
    }

    /** Adds a user's review of a product; undefined when that user has reviewed it already (one each). */
    async add(productId: number, userId: number, authorName: string, rating: number, body: string): Promise<Comment | undefined> {
        const { rows } = await this.shardFor(productId).query<Comment>(
            `INSERT INTO comments (product_id, user_id, author_name, rating, body)
             SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM comments WHERE product_id = $1 AND user_id = $2)
             RETURNING ${columns}`,
            [productId, userId, authorName, rating, body.trim()],
        );
        return rows[0];
    }

    /** Scatter-gather: each shard's newest `limit`, merged, the newest `limit` of all. */
    async latest(limit: number): Promise<Comment[]> {
        const perShard = await Promise.all(
            this.shards.map((db) => db.read<Comment>(`SELECT ${columns} FROM comments ORDER BY created_at DESC, id DESC LIMIT $1`, [limit])),
        );
        return perShard
            .flatMap((result) => result.rows)
            .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id)
            .slice(0, limit);
    }
}
