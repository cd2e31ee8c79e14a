import Foundation
import HotpathSQL
import Logging
import NIOCore
import SQLKit
import SQLiteKit
import Synchronization

/// The clinic's SQLite file and a few connections to it, each statement recorded by Hotpath.
///
/// Seeded on first use with a year of appointments: enough rows that reading the whole table
/// costs several milliseconds (10–20 ms in a debug build), which is what makes a missing
/// index show, and not so many that four concurrent scans on one core reach a slow query's
/// 100 ms when the machine is busy.
final class ClinicStore: Sendable {
    static let schemaVersion = "clinicdesk-1"
    static let doctors = 40
    static let rooms = 24
    static let patients = 1_500
    static let appointments = 50_000
    static let referrals = 2_000

    private let connections: [SQLiteConnection]
    private let turn = Atomic<Int>(0)
    /// Its own connection for EXPLAIN, so plan advice never waits behind a request's query.
    let explainConnection: SQLiteConnection

    private init(connections: [SQLiteConnection], explainConnection: SQLiteConnection) {
        self.connections = connections
        self.explainConnection = explainConnection
    }

    static func open(path: String, logger: Logger) async throws -> ClinicStore {
        let isNew = !FileManager.default.fileExists(atPath: path)
        // Four for requests (WAL lets them read together) and one for EXPLAIN.
        var connections: [SQLiteConnection] = []
        do {
            for _ in 0..<5 {
                connections.append(try await SQLiteConnection.open(storage: .file(path: path), logger: logger))
            }
            let setup = connections[0].sql()
            if isNew {
                try await ClinicSeed.create(on: setup)
            } else {
                let version = try await setup.raw("SELECT value FROM meta WHERE key = 'schema'")
                    .first(decodingColumn: "value", as: String.self)
                guard version == schemaVersion else { throw StoreError(path: path) }
            }
        } catch {
            for connection in connections { try? await connection.close() }
            throw error
        }
        return ClinicStore(connections: Array(connections.prefix(4)), explainConnection: connections[4])
    }

    /// One connection, taken in turn, recorded by Hotpath.
    var db: HotpathSQLDatabase {
        HotpathSQLDatabase(nextConnection().sql())
    }

    /// One connection whose reads may have to wait for `lock` first (see ``WriterLock``).
    func db(behind lock: WriterLock) -> HotpathSQLDatabase {
        HotpathSQLDatabase(LockWaitingDatabase(base: nextConnection().sql(), lock: lock))
    }

    private func nextConnection() -> SQLiteConnection {
        connections[turn.add(1, ordering: .relaxed).newValue % connections.count]
    }

    func close() async {
        for connection in connections + [explainConnection] { try? await connection.close() }
    }

    struct StoreError: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path) is not a ClinicDesk database (\(ClinicStore.schemaVersion)); give a new path or delete it" }
    }
}

/// Creates the tables and fills them in SQL (recursive CTEs), deterministically: the same
/// database every time, so a test's path parameters mean the same rows.
enum ClinicSeed {
    static func create(on db: any SQLDatabase) async throws {
        _ = try await db.raw("PRAGMA journal_mode = WAL").all()
        for statement in schema + rows + indexes {
            try await db.raw(SQLQueryString(statement)).run()
        }
        try await db.raw("INSERT INTO meta (key, value) VALUES ('schema', \(bind: ClinicStore.schemaVersion))").run()
    }

    static let schema = [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE doctors (id INTEGER PRIMARY KEY, name TEXT NOT NULL, specialty TEXT NOT NULL, phone TEXT NOT NULL)",
        "CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT NOT NULL, born TEXT NOT NULL, insurer TEXT NOT NULL)",
        """
        CREATE TABLE appointments (
            id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL, doctor_id INTEGER NOT NULL, room_id INTEGER NOT NULL,
            starts_at INTEGER NOT NULL, minutes INTEGER NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL
        )
        """,
        "CREATE TABLE invoices (appointment_id INTEGER PRIMARY KEY, amount_cents INTEGER NOT NULL, paid INTEGER NOT NULL)",
        """
        CREATE TABLE referrals (
            id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL, doctor_id INTEGER NOT NULL, archive_key TEXT NOT NULL,
            received_at INTEGER NOT NULL
        )
        """,
    ]

    static var rows: [String] {
        let specialties = "'general practice', 'cardiology', 'dermatology', 'paediatrics', 'orthopaedics'"
        return [
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(ClinicStore.doctors))
            INSERT INTO doctors (id, name, specialty, phone)
            SELECT i, 'Dr. ' || char(65 + i % 26) || '. Practitioner ' || i,
                   json_extract(json_array(\(specialties)), '$[' || (i % 5) || ']'), '+49 30 5550' || (100 + i) FROM n
            """,
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(ClinicStore.patients))
            INSERT INTO patients (id, name, born, insurer)
            SELECT i, 'Patient ' || i, (1940 + i % 70) || '-0' || (1 + i % 9) || '-1' || (i % 10),
                   json_extract(json_array('AOK', 'TK', 'Barmer', 'DAK'), '$[' || (i % 4) || ']') FROM n
            """,
            // A year of appointments, spread over patients, doctors and rooms by a simple
            // multiplicative hash (plain modulo steps would give each patient one doctor).
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(ClinicStore.appointments))
            INSERT INTO appointments (id, patient_id, doctor_id, room_id, starts_at, minutes, status, reason)
            SELECT i,
                   i % \(ClinicStore.patients) + 1,
                   ((i * 1103515245 + 12345) / 65536) % \(ClinicStore.doctors) + 1,
                   ((i * 69069 + 1) / 256) % \(ClinicStore.rooms) + 1,
                   1767225600 + ((i * 2246822519) % 31536000) / 900 * 900,
                   15 + (i % 4) * 15,
                   CASE i % 10 WHEN 0 THEN 'cancelled' WHEN 1 THEN 'done' WHEN 2 THEN 'done' WHEN 3 THEN 'no-show' ELSE 'booked' END,
                   json_extract(json_array('check-up', 'follow-up', 'vaccination', 'lab results', 'referral'), '$[' || (i % 5) || ']')
            FROM n
            """,
            // One invoice per appointment (a cancelled one bills the late-cancellation fee).
            """
            INSERT INTO invoices (appointment_id, amount_cents, paid)
            SELECT id, CASE status WHEN 'cancelled' THEN 2500 ELSE 4500 + (id % 7) * 1000 END, id % 3 != 0 FROM appointments
            """,
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(ClinicStore.referrals))
            INSERT INTO referrals (id, patient_id, doctor_id, archive_key, received_at)
            SELECT i, (i * 7) % \(ClinicStore.patients) + 1, (i * 11) % \(ClinicStore.doctors) + 1, printf('LTR%06d', i),
                   1767225600 + i * 3600 FROM n
            """,
        ]
    }

    /// What the booking pages need: a doctor's bookings by status and time, a patient's
    /// history. Rooms have no index: the room planner's page reads the whole table.
    static let indexes = [
        "CREATE INDEX appointments_doctor_status_start_idx ON appointments (doctor_id, status, starts_at)",
        "CREATE INDEX appointments_patient_start_idx ON appointments (patient_id, starts_at)",
    ]
}

/// A writer that now and then holds the database's write lock, so that a reader arriving
/// then waits behind it: the nightly statistics job, which takes its lock once in every
/// `every` reads of the slots page for `hold`. Counted, not random, so tests are repeatable.
final class WriterLock: Sendable {
    let every: Int
    let hold: Duration
    private let reads = Atomic<Int>(0)

    init(every: Int, hold: Duration) {
        self.every = every
        self.hold = hold
    }

    /// How long the read arriving now waits.
    func waitForRead() -> Duration {
        reads.add(1, ordering: .relaxed).newValue % every == 0 ? hold : .zero
    }
}

/// A database whose reads wait for a ``WriterLock`` before they run, as SQLite's busy
/// handler makes a connection wait for another one's lock (here simulated: in WAL mode
/// readers never wait for writers).
struct LockWaitingDatabase: SQLDatabase {
    let base: any SQLDatabase
    let lock: WriterLock

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        promise.completeWithTask { try await self.execute(sql: query, onRow) }
        return promise.futureResult
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let wait = lock.waitForRead()
        if wait > .zero { try await Task.sleep(for: wait) }
        try await base.execute(sql: query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await base.withSession { session in
            try await closure(LockWaitingDatabase(base: session, lock: lock))
        }
    }
}
