import Hummingbird

/// The shop's upstream, a "partner API" with real network latency: shipping, tax and stock
/// quotes for a cart, and an exchange rate. Served on its own loopback port.
enum PartnerAPI {
    static func router(latency: Duration) -> Router<BasicRequestContext> {
        let router = Router()
        // No echo of the request in the answers: the quotes do not depend on one another.
        router.get("/partner/shipping") { _, _ -> String in
            try await Task.sleep(for: latency)
            return #"{"carrier":"parcel","cents":499,"days":2}"#
        }
        router.get("/partner/tax") { _, _ -> String in
            try await Task.sleep(for: latency)
            return #"{"rate":0.19}"#
        }
        router.get("/partner/stock") { _, _ -> String in
            try await Task.sleep(for: latency)
            return #"{"available":true}"#
        }
        router.get("/partner/fx") { _, _ -> String in
            try await Task.sleep(for: latency / 2)
            return #"{"rate":0.92}"#
        }
        return router
    }
}
