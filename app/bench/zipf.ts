/**
 * Zipf-distributed ranks: rank k (1..n) comes with probability proportional to 1/k^s, as
 * product popularity does in a shop (a few products get most of the views).
 */
export function zipfSampler(n: number, s: number, random: () => number = Math.random): () => number {
    const cumulative = new Float64Array(n);
    let total = 0;
    for (let k = 1; k <= n; k++) cumulative[k - 1] = total += 1 / k ** s;
    return () => {
        const target = random() * total;
        let low = 0;
        let high = n - 1;
        while (low < high) {
            const mid = (low + high) >> 1;
            if (cumulative[mid] < target) low = mid + 1;
            else high = mid;
        }
        return low + 1;
    };
}
