/**
 * Which shard holds a product's comments (stage 7): FNV-1a (32-bit) of the product id, modulo
 * the shard count. Stable across processes, restarts and machines, since it depends on
 * nothing but the id and the count; changing the count moves data, and needs a resharding.
 */
export function shardOf(productId: number, shardCount: number): number {
    let hash = 0x811c9dc5;
    for (const char of String(productId)) {
        hash ^= char.charCodeAt(0);
        hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash % shardCount;
}
