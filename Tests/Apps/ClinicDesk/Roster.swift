/// A month of room bookings, kept in memory by the room planner, and the question it is asked
/// most: which bookings of the same room overlap (a double booking)?
struct Roster: Sendable {
    struct Booking: Sendable {
        var id: Int
        var room: Int
        /// Minutes since the start of the month.
        var start: Int
        var end: Int

        func overlaps(_ other: Booking) -> Bool {
            room == other.room && start < other.end && other.start < end
        }
    }

    var bookings: [Booking]

    /// `count` bookings over 24 rooms, 30 days, 8:00–18:00, 15 to 60 minutes each, from a fixed
    /// linear congruential sequence (the same month every time).
    static func month(count: Int = 1_800) -> Roster {
        var state: UInt64 = 0x5eed
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var bookings: [Booking] = []
        bookings.reserveCapacity(count)
        for id in 1...count {
            let day = next(30)
            let quarter = next(40)
            let start = day * 24 * 60 + 8 * 60 + quarter * 15
            bookings.append(Booking(id: id, room: 1 + next(24), start: start, end: start + 15 * (1 + next(4))))
        }
        return Roster(bookings: bookings)
    }

    /// Every pair compared with every other: O(n²), tens of milliseconds for a month.
    func doubleBookingsComparingEveryPair() -> Int {
        var pairs = 0
        for first in bookings.indices {
            for second in bookings.indices where second > first {
                if bookings[first].overlaps(bookings[second]) { pairs += 1 }
            }
        }
        return pairs
    }

    /// The same count from each room's bookings sorted by start: a booking overlaps exactly the
    /// earlier ones still running when it starts. O(n log n) plus the overlaps themselves.
    func doubleBookingsBySweep() -> Int {
        var pairs = 0
        for roomBookings in Dictionary(grouping: bookings, by: \.room).values {
            var running: [Int] = []  // end times of the bookings still running
            for booking in roomBookings.sorted(by: { $0.start < $1.start }) {
                running.removeAll { $0 <= booking.start }
                pairs += running.count
                running.append(booking.end)
            }
        }
        return pairs
    }
}
