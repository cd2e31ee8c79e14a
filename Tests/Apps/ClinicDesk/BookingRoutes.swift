import Hummingbird
import SQLKit

/// The planner's pages: a room's and a doctor's upcoming bookings (the same query on columns
/// without and with a composite index), a doctor's free slots, and a doctor's card.
struct BookingRoutes: Sendable {
    let store: ClinicStore
    /// The nightly statistics job's lock, met by one read of the slots page in 200.
    let statisticsLock = WriterLock(every: 200, hold: .milliseconds(150))

    /// Which planner column a bookings page filters on.
    enum Owner: String {
        case room = "room_id"
        case doctor = "doctor_id"
    }

    struct Booking: Codable, Sendable {
        var id: Int
        var patientId: Int
        var doctorId: Int
        var roomId: Int
        var startsAt: Int
        var minutes: Int
    }

    struct Bookings: ResponseEncodable, Sendable {
        var owner: String
        var id: Int
        var bookings: [Booking]
    }

    struct Slots: ResponseEncodable, Sendable {
        var doctor: Int
        var day: Int
        var free: [Int]
    }

    struct Doctor: Codable, ResponseEncodable, Sendable {
        var id: Int
        var name: String
        var specialty: String
        var phone: String
    }

    func register(on router: Router<BasicRequestContext>) {
        // Planted: no index on (room_id, status), so every page reads all of `appointments`
        // and sorts what it kept.
        router.get("/rooms/{room}/bookings") { _, context in
            try await upcoming(.room, context.parameters.require("room", as: Int.self))
        }
        // Its twin: the same query on (doctor_id, status), which the composite index
        // (doctor_id, status, starts_at) answers in order without a sort.
        router.get("/doctors/{doctor}/bookings") { _, context in
            try await upcoming(.doctor, context.parameters.require("doctor", as: Int.self))
        }
        // A trap: fast, but one request in 200 waits for the statistics job's lock.
        router.get("/doctors/{doctor}/slots") { _, context in
            try await freeSlots(doctor: context.parameters.require("doctor", as: Int.self))
        }
        // The control: one row by primary key.
        router.get("/doctors/{doctor}") { _, context -> Doctor in
            let id = try context.parameters.require("doctor", as: Int.self)
            guard let doctor = try await store.db.select()
                .columns("id", "name", "specialty", "phone").from("doctors").where("id", .equal, id)
                .first(decoding: Doctor.self)
            else { throw HTTPError(.notFound) }
            return doctor
        }
    }

    /// The next twenty booked appointments of a room or a doctor, latest first.
    func upcoming(_ owner: Owner, _ id: Int) async throws -> Bookings {
        let bookings = try await store.db.select()
            .columns("id", "patient_id", "doctor_id", "room_id", "starts_at", "minutes")
            .from("appointments")
            .where(owner.rawValue, .equal, id)
            .where("status", .equal, "booked")
            .orderBy("starts_at", .descending)
            .limit(20)
            .all(decoding: Booking.self, keyDecodingStrategy: .convertFromSnakeCase)
        return Bookings(owner: owner == .room ? "room" : "doctor", id: id, bookings: bookings)
    }

    /// The half hours still free on one day (the 61st of the year, a Monday) between 8:00 and 18:00.
    func freeSlots(doctor: Int) async throws -> Slots {
        let day = 1_767_225_600 + 60 * 86_400
        let opening = day + 8 * 3_600
        let closing = day + 18 * 3_600
        let booked = try await store.db(behind: statisticsLock).select()
            .columns("starts_at", "minutes").from("appointments")
            .where("doctor_id", .equal, doctor)
            .where("status", .equal, "booked")
            .where("starts_at", .greaterThanOrEqual, opening)
            .where("starts_at", .lessThan, closing)
            .all(decoding: Booking.Span.self, keyDecodingStrategy: .convertFromSnakeCase)
        let free = stride(from: opening, to: closing, by: 1_800).filter { slot in
            !booked.contains { $0.startsAt < slot + 1_800 && slot < $0.startsAt + $0.minutes * 60 }
        }
        return Slots(doctor: doctor, day: day, free: free)
    }
}

extension BookingRoutes.Booking {
    /// When a booking starts and how long it lasts.
    struct Span: Decodable {
        var startsAt: Int
        var minutes: Int
    }
}
