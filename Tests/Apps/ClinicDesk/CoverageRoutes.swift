import Foundation
import HotpathHTTPClient
import Hummingbird

/// What a patient's insurance covers, asked of the registry, and the state of their latest claim.
struct CoverageRoutes: Sendable {
    let client: HotpathHTTPClient
    /// The registry's base URL.
    let registry: String

    struct Eligibility: Codable, Sendable {
        var eligible: String
        var tier: String
    }

    struct Deductible: Codable, Sendable {
        var remaining_cents: Int
    }

    struct Authorizations: Codable, Sendable {
        var open: Int
        var pending: Int
    }

    struct Coverage: ResponseEncodable, Sendable {
        var patient: String
        var eligibility: Eligibility
        var deductible: Deductible
        var authorizations: Authorizations
    }

    struct Membership: Codable, Sendable {
        var member: String
    }

    struct LatestClaim: Codable, Sendable {
        var claim: String
    }

    struct ClaimState: Codable, ResponseEncodable, Sendable {
        var claim: String
        var state: String
        var paid_cents: Int
    }

    struct NotAnswered: Error {
        var path: String
        var status: UInt
    }

    func register(on router: Router<BasicRequestContext>) {
        // Planted: three questions that do not depend on one another, asked one after another.
        router.get("/patients/{patient}/coverage") { _, context in
            try await coverageAskedInTurn(patient: registryID(context))
        }
        // Its twin: the same three asked at once.
        router.get("/patients/{patient}/coverage/at-once") { _, context in
            try await coverageAskedAtOnce(patient: registryID(context))
        }
        // A trap: three calls one after another, but each needs the answer of the one before
        // (patient → member number → latest claim → its state). Nothing to run concurrently,
        // and nothing to cache: each patient has their own chain.
        router.get("/patients/{patient}/claims/latest") { _, context in
            try await latestClaim(patient: registryID(context))
        }
    }

    /// The registry knows patients as `P<id>`.
    private func registryID(_ context: BasicRequestContext) throws -> String {
        "P\(try context.parameters.require("patient", as: Int.self))"
    }

    func coverageAskedInTurn(patient: String) async throws -> Coverage {
        let eligibility = try await decode(Eligibility.self, fetch("/registry/eligibility/\(patient)"))
        let deductible = try await decode(Deductible.self, fetch("/registry/deductible/\(patient)"))
        let authorizations = try await decode(Authorizations.self, fetch("/registry/authorizations/\(patient)"))
        return Coverage(patient: patient, eligibility: eligibility, deductible: deductible, authorizations: authorizations)
    }

    func coverageAskedAtOnce(patient: String) async throws -> Coverage {
        async let eligibility = fetch("/registry/eligibility/\(patient)")
        async let deductible = fetch("/registry/deductible/\(patient)")
        async let authorizations = fetch("/registry/authorizations/\(patient)")
        return Coverage(
            patient: patient, eligibility: try await decode(Eligibility.self, eligibility),
            deductible: try await decode(Deductible.self, deductible), authorizations: try await decode(Authorizations.self, authorizations)
        )
    }

    func latestClaim(patient: String) async throws -> ClaimState {
        let membership = try await decode(Membership.self, fetch("/registry/members/\(patient)"))
        let latest = try await decode(LatestClaim.self, fetch("/insurer/members/\(membership.member)/claims/latest"))
        return try await decode(ClaimState.self, fetch("/insurer/claims/\(latest.claim)"))
    }

    /// The app's one way to the registry: a GET of `path`, its whole body, or an error for any
    /// answer but 200.
    private func fetch(_ path: String) async throws -> Data {
        let response = try await client.get(registry + path, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw NotAnswered(path: path, status: response.status.code) }
        return Data(body.readableBytesView)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }
}
