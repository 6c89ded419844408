/**
 * Carts in Redis (stage 4 on): any instance serves any visitor's cart. A cart is a hash of
 * product id to quantity and a sorted set of product ids by the time they were added; each
 * change is one Lua script, so concurrent changes to one cart never lose an update. A cart
 * lives as long as a session, renewed on every change. Redis failing is a clean 503.
 */
import type { Redis } from "ioredis";
import { orUnavailable } from "../../http/unavailable";
import { sessionDays } from "../users/session-store";
import { CartLine, Carts, maxQuantity } from "./cart";

const lifeSeconds = sessionDays * 24 * 3600;

// A line's place in the cart is the time it was added, in milliseconds, and always after the
// cart's last line: two lines added in the same millisecond keep their order (equal scores
// would sort by product id).
const addScript = `
local q = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
if q > tonumber(ARGV[3]) then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  local place = tonumber(ARGV[4])
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  if last[2] and tonumber(last[2]) >= place then place = tonumber(last[2]) + 1 end
  redis.call('ZADD', KEYS[2], place, ARGV[1])
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1`;

const setScript = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
return 1`;

const moveScript = `
local from = redis.call('HGETALL', KEYS[1])
for i = 1, #from, 2 do
  local q = redis.call('HINCRBY', KEYS[3], from[i], from[i + 1])
  if q > tonumber(ARGV[1]) then redis.call('HSET', KEYS[3], from[i], ARGV[1]) end
  redis.call('ZADD', KEYS[4], 'NX', redis.call('ZSCORE', KEYS[2], from[i]) or ARGV[3], from[i])
end
redis.call('DEL', KEYS[1], KEYS[2])
if #from > 0 then
  redis.call('EXPIRE', KEYS[3], ARGV[2])
  redis.call('EXPIRE', KEYS[4], ARGV[2])
end
return #from / 2`;

const keys = (sessionId: string) => [`cart:${sessionId}`, `cart:${sessionId}:order`];

export class RedisCarts implements Carts {
    constructor(private readonly redis: Redis) {}

    lines(sessionId: string): Promise<CartLine[]> {
        return orUnavailable("the cart", async () => {
            const [quantities, order] = keys(sessionId);
            const [ids, counts] = await Promise.all([this.redis.zrange(order, "0", "-1"), this.redis.hgetall(quantities)]);
            return ids.filter((id) => counts[id] !== undefined).map((id) => ({ productId: Number(id), quantity: Number(counts[id]) }));
        });
    }

    add(sessionId: string, productId: number, quantity: number): Promise<void> {
        return orUnavailable("the cart", async () => {
            await this.redis.eval(addScript, 2, ...keys(sessionId), String(productId), quantity, maxQuantity, Date.now(), lifeSeconds);
        });
    }

    setQuantity(sessionId: string, productId: number, quantity: number): Promise<void> {
        if (quantity === 0) return this.remove(sessionId, productId);
        return orUnavailable("the cart", async () => {
            await this.redis.eval(setScript, 2, ...keys(sessionId), String(productId), quantity, lifeSeconds);
        });
    }

    remove(sessionId: string, productId: number): Promise<void> {
        return orUnavailable("the cart", async () => {
            const [quantities, order] = keys(sessionId);
            await this.redis.multi().hdel(quantities, String(productId)).zrem(order, String(productId)).exec();
        });
    }

    move(from: string, to: string): Promise<void> {
        return orUnavailable("the cart", async () => {
            await this.redis.eval(moveScript, 4, ...keys(from), ...keys(to), maxQuantity, lifeSeconds, Date.now());
        });
    }
}
