/** The shop's business services, decorated onto the Fastify instance once at start. */
import { Carts } from "./modules/cart/cart";
import { Catalog } from "./modules/catalog/catalog";
import { MediaStore } from "./modules/catalog/media-store";
import { Comments } from "./modules/comments/comments";
import { CatalogAccess } from "./modules/orders/catalog-access";
import { Orders } from "./modules/orders/orders";
import { ProductSearch } from "./modules/search/search";
import { Users } from "./modules/users/users";
import { Storefront } from "./modules/web/storefront";

export interface ShopServices {
    catalog: Catalog;
    /** Products and stock as orders and comments reach them: in process, or the catalog's service. */
    catalogAccess: CatalogAccess;
    search: ProductSearch;
    carts: Carts;
    orders: Orders;
    users: Users;
    comments: Comments;
    /** Product pictures: S3 at stage 10, a local directory before. */
    media: MediaStore;
    /** What the storefront's pages ask of the modules: in process, or their services. */
    storefront: Storefront;
}

declare module "fastify" {
    interface FastifyInstance {
        shop: ShopServices;
    }
}
