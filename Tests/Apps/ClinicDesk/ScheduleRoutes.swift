import Hummingbird

/// The room planner's check for double bookings over the month it keeps in memory.
struct ScheduleRoutes: Sendable {
    let roster: Roster

    struct DoubleBookings: ResponseEncodable, Sendable {
        var bookings: Int
        var overlappingPairs: Int
    }

    func register(on router: Router<BasicRequestContext>) {
        // Planted: every booking compared with every other, on the request's thread.
        router.get("/schedule/double-bookings") { _, _ in
            DoubleBookings(bookings: roster.bookings.count, overlappingPairs: roster.doubleBookingsComparingEveryPair())
        }
        // Its twin: the same answer from a sweep over each room's sorted bookings.
        router.get("/schedule/double-bookings/sweep") { _, _ in
            DoubleBookings(bookings: roster.bookings.count, overlappingPairs: roster.doubleBookingsBySweep())
        }
    }
}
