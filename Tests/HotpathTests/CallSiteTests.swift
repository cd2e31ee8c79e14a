import Foundation
import Hotpath
import Testing

/// A call site and its fallback: the line that took a database handle stands in for a query
/// whose own stack holds no app code, and only then.
@Suite struct CallSiteTests {
    static let appLine = SourceFrame(function: "handler()", module: "Shop", file: "Shop/Routes.swift", line: 42)
    static let handleLine = SourceFrame(function: "handler()", module: "Shop", file: "Shop/Routes.swift", line: 40)
    static let libraryLine = SourceFrame(function: "QueryBuilder.all()", module: "FluentKit", file: "QueryBuilder.swift", line: 7, isLibrary: true)

    @Test func aStackWithAppCodeKeepsItsOwnLine() {
        let site = CallSite(frames: [Self.libraryLine, Self.appLine]).otherwise(CallSite(frames: [Self.handleLine]))
        #expect(site.innermost == Self.appLine)
        #expect(!site.isPending)
    }

    @Test func aStackOfLibraryCodeOnlyTakesTheFallback() {
        let site = CallSite(frames: [Self.libraryLine]).otherwise(CallSite(frames: [Self.handleLine]))
        #expect(site.innermost == Self.handleLine)
        #expect(site.frames == [Self.handleLine])
    }

    @Test func whilePendingNothingIsGuessedAndTheNamesDecide() {
        let own = PendingFrames(id: 1)
        let handle = PendingFrames(id: 2)
        let site = CallSite.pending(own).otherwise(.pending(handle))
        #expect(site.isPending && site.frames.isEmpty)
        // Its own stack named first: library code only, so the fallback decides, still pending.
        own.resolve([Self.libraryLine])
        #expect(site.isPending)
        handle.resolve([Self.libraryLine, Self.handleLine])
        #expect(!site.isPending && site.innermost == Self.handleLine)

        let reaching = PendingFrames(id: 3)
        let other = CallSite.pending(reaching).otherwise(.pending(PendingFrames(id: 4)))
        reaching.resolve([Self.libraryLine, Self.appLine])
        // The fallback is never named here, and is not needed.
        #expect(!other.isPending && other.innermost == Self.appLine)
    }

    @Test func pendingSitesOfOtherStacksAreNotTheSame() {
        let a = CallSite.pending(PendingFrames(id: 1)).otherwise(.pending(PendingFrames(id: 2)))
        let b = CallSite.pending(PendingFrames(id: 3)).otherwise(.pending(PendingFrames(id: 4)))
        #expect(a != b)
        #expect(a == a)
        // Named, the frames decide: two stacks that name the same line are the same site.
        let own = PendingFrames(id: 5, frames: [Self.libraryLine])
        let other = PendingFrames(id: 6, frames: [Self.libraryLine, Self.libraryLine])
        let handle = PendingFrames(id: 7, frames: [Self.handleLine])
        #expect(CallSite.pending(own).otherwise(.pending(handle)) == CallSite.pending(other).otherwise(.pending(handle)))
    }

    @Test func noFallbackIsTheSiteItself() {
        let site = CallSite(frames: [Self.appLine])
        #expect(site.otherwise(nil) == site)
    }

    @Test func encodedItIsTheFramesChosen() throws {
        let site = CallSite(frames: [Self.libraryLine]).otherwise(CallSite(frames: [Self.handleLine]))
        let decoded = try JSONDecoder().decode(CallSite.self, from: JSONEncoder().encode(site))
        #expect(decoded.frames == [Self.handleLine] && !decoded.isPending)
    }
}
