import HotpathSQL
import Hummingbird
import SQLKit

/// A patient's visit history with what each visit was billed.
struct VisitRoutes: Sendable {
    let store: ClinicStore

    struct Visit: Codable, Sendable {
        var appointment: Int
        var startsAt: Int
        var reason: String
        var billedCents: Int?
        var paid: Bool?
    }

    struct History: ResponseEncodable, Sendable {
        var patient: Int
        var visits: [Visit]
    }

    func register(on router: Router<BasicRequestContext>) {
        // Planted: the visits, then each visit's invoice with its own query (N+1), from a
        // private helper of the history type.
        router.get("/patients/{patient}/visits") { _, context in
            let patient = try context.parameters.require("patient", as: Int.self)
            return History(patient: patient, visits: try await VisitHistory(db: store.db).recentVisits(of: patient))
        }
        // Its twin: the invoices come along in the same statement.
        router.get("/patients/{patient}/visits/billed") { _, context in
            let patient = try context.parameters.require("patient", as: Int.self)
            return History(patient: patient, visits: try await VisitHistory(db: store.db).recentVisitsWithInvoices(of: patient))
        }
    }
}

/// Reads a patient's history, the way a first version often does: visits first, then the
/// details of each.
struct VisitHistory {
    let db: HotpathSQLDatabase
    static let shown = 30

    private struct VisitRow: Decodable {
        var id: Int
        var starts_at: Int
        var reason: String
    }

    private struct InvoiceRow: Decodable {
        var amount_cents: Int
        var paid: Int
    }

    private struct BilledRow: Decodable {
        var id: Int
        var starts_at: Int
        var reason: String
        var amount_cents: Int?
        var paid: Int?
    }

    func recentVisits(of patient: Int) async throws -> [Visit] {
        let rows = try await db.raw("""
            SELECT id, starts_at, reason FROM appointments WHERE patient_id = \(bind: patient)
            ORDER BY starts_at DESC LIMIT \(unsafeRaw: String(Self.shown))
            """).all(decoding: VisitRow.self)
        var visits: [Visit] = []
        for row in rows {
            let invoice = try await invoice(for: row.id)
            visits.append(Visit(appointment: row.id, startsAt: row.starts_at, reason: row.reason, billedCents: invoice?.amount_cents, paid: invoice.map { $0.paid != 0 }))
        }
        return visits
    }

    /// One round trip per visit: the N+1.
    private func invoice(for appointment: Int) async throws -> InvoiceRow? {
        try await db.raw("SELECT amount_cents, paid FROM invoices WHERE appointment_id = \(bind: appointment)")
            .first(decoding: InvoiceRow.self)
    }

    func recentVisitsWithInvoices(of patient: Int) async throws -> [Visit] {
        try await db.raw("""
            SELECT appointments.id, appointments.starts_at, appointments.reason, invoices.amount_cents, invoices.paid
            FROM appointments LEFT JOIN invoices ON invoices.appointment_id = appointments.id
            WHERE appointments.patient_id = \(bind: patient)
            ORDER BY appointments.starts_at DESC LIMIT \(unsafeRaw: String(Self.shown))
            """).all(decoding: BilledRow.self).map {
            Visit(appointment: $0.id, startsAt: $0.starts_at, reason: $0.reason, billedCents: $0.amount_cents, paid: $0.paid.map { $0 != 0 })
        }
    }
}

typealias Visit = VisitRoutes.Visit
