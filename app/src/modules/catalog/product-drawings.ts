/**
 * Product pictures, drawn by the shop itself at seed time: one drawing per category (a pan for
 * the kitchen, a tent for outdoor, ...) in the product's own colour, as SVG. The catalog has no
 * photographs; these give every product page a picture of the right kind of thing.
 */

/** Raise it when a drawing changes: the pictures are stored again under new keys. */
export const drawingsVersion = 1;

type Paint = { main: string; dark: string; light: string };

const drawings: Record<string, (p: Paint) => string> = {
    kitchen: (p) =>
        `<ellipse cx="170" cy="170" rx="110" ry="34" fill="${p.dark}"/><path d="M60 170v-10h220v10c0 60-50 90-110 90S60 230 60 170z" fill="${p.main}"/><ellipse cx="170" cy="160" rx="110" ry="30" fill="${p.light}"/><rect x="278" y="150" width="100" height="18" rx="9" fill="${p.dark}"/>`,
    outdoor: (p) =>
        `<path d="M200 50L50 250h300z" fill="${p.main}"/><path d="M200 50l-40 200h80z" fill="${p.dark}"/><path d="M200 130l-25 120h50z" fill="${p.light}"/><rect x="40" y="248" width="320" height="8" rx="4" fill="${p.dark}"/>`,
    electronics: (p) =>
        `<rect x="110" y="40" width="180" height="220" rx="24" fill="${p.main}"/><circle cx="200" cy="190" r="48" fill="${p.dark}"/><circle cx="200" cy="190" r="18" fill="${p.light}"/><circle cx="200" cy="95" r="22" fill="${p.dark}"/>`,
    books: (p) =>
        `<rect x="110" y="40" width="190" height="230" rx="6" fill="${p.main}"/><rect x="110" y="40" width="28" height="230" fill="${p.dark}"/><rect x="165" y="90" width="110" height="14" rx="7" fill="${p.light}"/><rect x="165" y="116" width="80" height="10" rx="5" fill="${p.light}"/>`,
    apparel: (p) =>
        `<path d="M150 50l-90 45 30 60 35-15v120h150V140l35 15 30-60-90-45c-5 25-25 40-50 40s-45-15-50-40z" fill="${p.main}"/><path d="M150 50c5 25 25 40 50 40s45-15 50-40" fill="none" stroke="${p.dark}" stroke-width="10"/>`,
    shoes: (p) =>
        `<path d="M70 120c30 10 60 10 80-20l40 40c40 20 100 30 140 50 20 10 20 50 0 50H70c-15 0-20-20-20-40z" fill="${p.main}"/><rect x="50" y="225" width="300" height="22" rx="10" fill="${p.dark}"/><path d="M160 130l20 20M180 120l20 20" stroke="${p.light}" stroke-width="8"/>`,
    home: (p) =>
        `<path d="M170 40h60v40c40 30 60 80 50 130-8 40-40 60-80 60s-72-20-80-60c-10-50 10-100 50-130z" fill="${p.main}"/><rect x="165" y="35" width="70" height="14" rx="6" fill="${p.dark}"/><path d="M130 170c40 20 100 20 140 0" stroke="${p.light}" stroke-width="12" fill="none"/>`,
    garden: (p) =>
        `<path d="M130 180h140l-20 90H150z" fill="${p.dark}"/><path d="M200 180c0-60-10-100-60-130 10 60 30 100 60 130zM200 180c0-50 20-90 70-110-10 50-30 90-70 110z" fill="${p.main}"/><rect x="120" y="170" width="160" height="20" rx="6" fill="${p.light}"/>`,
    toys: (p) =>
        `<rect x="80" y="160" width="100" height="100" rx="8" fill="${p.main}"/><rect x="200" y="160" width="100" height="100" rx="8" fill="${p.dark}"/><rect x="140" y="60" width="100" height="100" rx="8" fill="${p.light}"/><circle cx="190" cy="110" r="18" fill="${p.main}"/>`,
    sports: (p) =>
        `<circle cx="200" cy="155" r="105" fill="${p.main}"/><path d="M95 155h210M200 50v210M125 80c40 40 40 110 0 150M275 80c-40 40-40 110 0 150" stroke="${p.light}" stroke-width="10" fill="none"/>`,
    beauty: (p) =>
        `<rect x="140" y="100" width="120" height="170" rx="26" fill="${p.main}"/><rect x="175" y="60" width="50" height="45" rx="6" fill="${p.dark}"/><rect x="185" y="35" width="30" height="30" rx="4" fill="${p.dark}"/><rect x="160" y="160" width="80" height="60" rx="8" fill="${p.light}"/>`,
    office: (p) =>
        `<rect x="90" y="60" width="170" height="210" rx="10" fill="${p.light}"/><path d="M115 110h120M115 145h120M115 180h90" stroke="${p.dark}" stroke-width="10"/><path d="M300 40l30 30-120 160-40 10 10-40z" fill="${p.main}"/>`,
};

/** The SVG picture of a product of `categorySlug` in `hue` (0-359), 400 × 300. */
export function drawProduct(categorySlug: string, hue: number): string {
    const paint = { main: `hsl(${hue} 45% 45%)`, dark: `hsl(${hue} 45% 30%)`, light: `hsl(${hue} 50% 78%)` };
    const shape = (drawings[categorySlug] ?? drawings.toys)(paint);
    return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300" width="400" height="300"><rect width="400" height="300" fill="hsl(${hue} 30% 95%)"/>${shape}</svg>`;
}

export const drawnCategories = Object.keys(drawings);
