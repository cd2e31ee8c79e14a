import Hotpath
import HotpathHTTPClient
import Hummingbird
import NIOCore
import Synchronization

/// Calls to the partner API: three independent quotes awaited one after another
/// (`/checkout/quote`), and the same exchange rate fetched for every line of a price list
/// (`/prices`).
struct PartnerEndpoints {
    let client: HotpathHTTPClient
    let partner: String
    let fixed: Bool
    let carts = CartCounter()
    let rateCache = Kept<Double>(for: .seconds(60))

    struct Quote: ResponseEncodable, Sendable {
        var cart: String
        var shipping: String
        var tax: String
        var stock: String
    }

    struct PriceLine: Codable, Sendable {
        var product: Int
        var euroCents: Int
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/checkout/quote") { request, _ in
            try await quote(cart: request.uri.queryParameters["cart"].map(String.init) ?? nextCart())
        }
        router.get("/prices") { _, _ in Page(items: try await prices()) }
    }

    /// Each quote is for another cart, as in a real checkout, so no two requests ask the same.
    private func nextCart() -> String {
        let number = carts.next()
        var random = SplitMix64(seed: number)
        return "c" + String(random.next(), radix: 36)
    }

    private func text(_ url: String) async throws -> String {
        let response = try await client.get(url)
        let body = try await response.body.collect(upTo: 1 << 20)
        return String(buffer: body)
    }

    func quote(cart: String) async throws -> Quote {
        if fixed {
            // Started together, awaited once: the slowest call, not the sum.
            async let shipping = text("\(partner)/partner/shipping?cart=\(cart)")
            async let tax = text("\(partner)/partner/tax?cart=\(cart)")
            async let stock = text("\(partner)/partner/stock?cart=\(cart)")
            return Quote(cart: cart, shipping: try await shipping, tax: try await tax, stock: try await stock)
        }
        let shipping = try await text("\(partner)/partner/shipping?cart=\(cart)")
        let tax = try await text("\(partner)/partner/tax?cart=\(cart)")
        let stock = try await text("\(partner)/partner/stock?cart=\(cart)")
        return Quote(cart: cart, shipping: shipping, tax: tax, stock: stock)
    }

    /// Six prices in euros: the same exchange rate asked for each one, unless fixed (then it
    /// is asked once a minute and kept).
    func prices() async throws -> [PriceLine] {
        var lines: [PriceLine] = []
        for product in 1...6 {
            let rate = fixed ? try await cachedRate() : try await euroRate()
            lines.append(PriceLine(product: product, euroCents: Int((Double(product * 1_000) * rate).rounded())))
        }
        return lines
    }

    private func euroRate() async throws -> Double {
        let body = try await text("\(partner)/partner/fx?currency=EUR")
        // {"rate":0.92}
        let digits = body.drop { !$0.isNumber }.prefix { $0.isNumber || $0 == "." }
        return Double(digits) ?? 1
    }

    private func cachedRate() async throws -> Double {
        try await rateCache.value { try await euroRate() }
    }
}

/// Numbers the carts quoted.
final class CartCounter: Sendable {
    private let value = Atomic<UInt64>(0)
    func next() -> UInt64 { value.add(1, ordering: .relaxed).newValue }
}
