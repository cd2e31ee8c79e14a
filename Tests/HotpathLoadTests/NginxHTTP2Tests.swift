import Foundation
import HotpathTestSupport
import Testing

@testable import HotpathLoad

/// HTTP/2 against real nginx (h2c and h2 over TLS), which answers 300 streams per connection
/// (keepalive_requests) and then sends GOAWAY. Skipped, with the reason, when nginx is absent.
@Suite("HTTP/2 against nginx", .serialized)
struct NginxHTTP2Tests {
    @Test(arguments: [false, true])
    func exactCountsAndGoAways(tls: Bool) async throws {
        guard let nginx = try NginxServer.start() else {
            print("skipped: nginx is not installed (apt-get install nginx; .ci/run installs it)")
            return
        }
        defer { nginx.stop() }
        var configuration = LoadConfiguration(target: try LoadTarget(parsing: (tls ? nginx.h2URL : nginx.h2cURL) + "/index.html"))
        configuration.http2 = true
        configuration.streamsPerConnection = 10
        configuration.connections = 3
        configuration.duration = nil
        configuration.requests = 3000
        configuration.insecure = true
        let result = try await LoadRun(configuration: configuration).run()
        #expect(result.completed == 3000)
        #expect(result.errors.total == 0, "\(result.errors)")
        #expect(result.statusCounts.byStatus.map(\.status) == [200])
        // 3000 streams at 300 per connection, 3 connections at a time: the 3 open when the run
        // ends hold fewer than 300 each (under 900 together), so at least (3000 − 897) / 300,
        // that is 8, connections were full and sent their GOAWAY.
        #expect(result.errors.goaway >= 8, "\(result.errors.goaway) GOAWAYs")
        #expect(result.bytesRead == 3000 * 6)
        let logged = try nginx.loggedRequests(protocol: "HTTP/2.0")
        #expect(logged == 3000, "nginx logged \(logged) HTTP/2 requests")
    }
}
