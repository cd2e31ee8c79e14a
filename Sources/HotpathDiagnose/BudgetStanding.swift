import Hotpath
import HotpathLoad

/// Where an endpoint stands against the budget, with the measurement's noise in mind: a p95 of
/// 196 ms passes `p95<200ms` today and fails it in the next run, so it is *at the line*, and
/// the ranking treats it as the budget's business, as it does an endpoint over budget.
///
/// ```swift
/// let standing = BudgetStanding(load, budget: .methodDefault)   // .atTheLine for p95 = 180 ms
/// ```
public enum BudgetStanding: String, Sendable, Codable, Equatable {
    /// Passes the budget with every latency ceiling lowered by ``lineMargin``.
    case within
    /// Passes the budget, but not with its latency ceilings lowered by ``lineMargin``.
    case atTheLine = "at_the_line"
    /// Fails the budget.
    case over

    /// How close to a latency ceiling counts as at its line: 15 % of it (p95 over 170 ms for
    /// `p95<200ms`), about the run-to-run spread of a p95 measured over a few seconds.
    public static let lineMargin = 0.15

    public init(_ load: LoadReport, budget: Budget) {
        guard load.budgetPassed else {
            self = .over
            return
        }
        let failed = load.errors.total &+ load.summary.non2xx3xx
        let measurement = BudgetMeasurement(
            latency: load.latency.histogram, requests: load.latency.count &+ load.errors.total, errors: failed,
            requestsPerSecond: load.summary.requestsPerSecond
        )
        let withRoom = budget.tightened(by: Self.lineMargin).evaluate(measurement).allSatisfy(\.passed)
        self = withRoom ? .within : .atTheLine
    }

    /// Over budget or at its line: its fixes rank first.
    public var atRisk: Bool { self != .within }
}
