/// A finding in words: its title, the facts behind it, and its fix, the same in every report
/// (the recorder's page, `hotpath diagnose`'s text and HTML, a failing test's message).
/// Renders only: every number comes from the finding's evidence.
///
/// ```swift
/// print(FindingText.title(finding))
/// for line in FindingText.evidence(finding) { print("  · \(line)") }
/// print("fix: \(FindingText.fix(finding))")
/// ```
public enum FindingText {
    /// Longest statement shown in a title; the whole one is in the evidence.
    public static let statementInTitle = 160

    public static func title(_ finding: Finding) -> Prose {
        let site = finding.callSite.flatMap { $0.isKnown ? Prose(" from \($0.description)") : nil } ?? ""
        switch finding.evidence {
        case .nPlusOne(let e):
            return "N+1 queries: \(e.runs) × \(code: clip(e.statement))\(site)"
        case .duplicateQueries(let e):
            return "Duplicate queries: \(code: clip(e.statement)) run again with the same parameters (\(e.extraRuns) extra)"
        case .manySmallQueries(let e):
            return "Many small queries: \(e.queries) round trips in one request (\(e.shapes) shapes)"
        case .slowQuery(let e):
            return "Slow query: \(code: clip(e.statement)) took \(ms(e.durationNanoseconds))"
        case .selectStar(let e):
            let what = e.model.map { "every field of \($0)" } ?? "all \(e.columnCount) columns"
            return "Loading too much: \(code: clip(e.statement)) reads \(what)"
        case .missingIndex(let e):
            return "Missing index on \(e.advice.table) (\(e.advice.columns.joined(separator: ", "))) for \(code: clip(e.statement))"
        case .sequentialCalls(let e):
            return "Sequential calls: \(e.calls.count) independent calls awaited one after another\(site) (could save \(ms(finding.estimatedSavingNanoseconds)))"
        case .repeatedCalls(let e):
            if let across = e.acrossRequests {
                return "Same read across requests: \(code: e.call) ran \(e.runs) times in the last \(across.windowSeconds) s across \(across.requests) requests (\(RateText.format(across.perSecond))/s)"
            }
            return "Repeated call: \(code: e.call) ran \(e.runs) times in one request (\(e.runs - 1) extra)"
        case .blockingCall(let e):
            if let calls = e.blockingCalls, calls.count > 1 {
                return "Blocking calls in async code: \(calls.joined(separator: ", ")) held a thread for up to \(ms(e.durationNanoseconds))\(site)"
            }
            return "Blocking call in async code: \(e.leaf ?? "an unnamed function") held a thread for \(ms(e.durationNanoseconds))\(site)"
        case .cpuStall(let e):
            return "CPU-heavy work held a thread for \(ms(e.durationNanoseconds)) in \(finding.callSite?.innermost?.function ?? e.leaf ?? "an unnamed function")\(site)"
        case .uncompressedResponse(let e):
            return "Large uncompressed response: \(ByteText.format(e.bytes)) of \(e.contentType ?? "an unknown type") per request"
        }
    }

    /// The facts, one line each (the sequential calls' waterfall is drawn by each renderer from
    /// ``SequentialCallsEvidence/calls``).
    public static func evidence(_ finding: Finding) -> [Prose] {
        var lines: [Prose] = []
        switch finding.evidence {
        case .nPlusOne(let e):
            lines.append("\(e.runs) queries of the same shape with \(e.distinctParameterSets) different parameter sets")
            lines.append("\(ms(e.totalNanoseconds)) in total, \(ms(e.totalNanoseconds / UInt64(max(e.runs, 1)))) each on average")
            if let relation = e.relation { lines.append("each loads \(relation.model).$\(relation.property) for one row") }
            else if let model = e.model { lines.append("each reads one \(model) (\(e.table ?? "its table"))") }
        case .duplicateQueries(let e):
            lines.append("\(e.repeatedStatements) statement(s) repeated, \(e.extraRuns) extra round trip(s)")
            lines.append("\(ms(e.wastedNanoseconds)) spent on the repeats")
        case .manySmallQueries(let e):
            lines.append("\(e.smallQueries) queries under \(ms(e.smallThresholdNanoseconds)) each, \(ms(e.smallTotalNanoseconds)) together")
            lines.append("database time is \(Int((e.databaseShare * 100).rounded()))% of the request (\(ms(e.databaseNanoseconds)) of \(ms(e.requestNanoseconds)))")
        case .slowQuery(let e):
            lines.append("took \(ms(e.durationNanoseconds)) (threshold \(ms(e.thresholdNanoseconds)))")
            if let rows = e.rows { lines.append("\(rows) rows") }
        case .selectStar(let e):
            let names = e.columns.prefix(12).joined(separator: ", ") + (e.columns.count > 12 ? ", …" : "")
            lines.append(e.columns.isEmpty ? "\(e.columnCount) columns per row" : "\(e.columnCount) columns per row: \(names)")
            lines.append("\(e.runs) run(s), \(ms(e.totalNanoseconds)) in total")
        case .missingIndex(let e):
            lines.append(Prose(stringLiteral: e.advice.reason))
            lines.append("\(e.runs) run(s) in this request, \(ms(e.totalNanoseconds)) in total")
            if let before = e.advice.costBefore, let after = e.advice.costAfter {
                lines.append("planner cost \(Int(before.rounded())) → \(Int(after.rounded())) with the index (hypothetical index, hypopg)")
            } else {
                lines.append("saving assumes the index removes about \(Int(e.advice.expectedReduction * 100))% of the query's time")
            }
        case .sequentialCalls(let e):
            lines.append("in sequence: \(ms(e.inSequenceNanoseconds)); concurrently: about \(ms(e.longestNanoseconds)) (the longest call)")
            let share = e.requestNanoseconds > 0 ? Int((Double(finding.estimatedSavingNanoseconds) / Double(e.requestNanoseconds) * 100).rounded()) : 0
            lines.append("saving: about \(ms(finding.estimatedSavingNanoseconds)), \(share)% of the request (\(ms(e.requestNanoseconds)))")
            lines.append("independent as far as can be seen: no call's URL or body uses a word an earlier one returned")
            let sites = Set(e.calls.compactMap { $0.callSite?.isKnown == true ? $0.callSite?.description : nil })
            if sites.count > 1 { lines.append("called from \(sites.sorted().joined(separator: ", "))") }
        case .repeatedCalls(let e):
            if let across = e.acrossRequests {
                lines.append("\(e.runs) identical reads (same URL, query included) in the last \(across.windowSeconds) s, \(RateText.format(across.perSecond)) per second")
                lines.append("\(ms(across.averageNanoseconds)) each on average, \(RateText.format(across.perRequest)) per request, from \(across.distinctInboundTargets) different inbound URLs")
            } else {
                lines.append("the same URL (query included) fetched \(e.runs) times, \(ms(e.totalNanoseconds)) in total")
                lines.append("\(ms(e.wastedNanoseconds)) spent on the repeats")
            }
        case .blockingCall(let e), .cpuStall(let e):
            let blocking = finding.kind == .blockingCall
            lines.append("\(threadDescription(e)) was held for \(ms(e.durationNanoseconds)) (at least; the watchdog checks every few milliseconds)")
            let share = Int((e.cpuShare * 100).rounded())
            let doing = blocking ? "waiting in the kernel, not computing" : "computing"
            lines.append("CPU used meanwhile: \(ms(e.cpuNanoseconds)) (\(share)% of the time): \(doing)")
            if !e.stack.isEmpty {
                let stack = e.stack.prefix(8).map(\.description).joined(separator: " < ")
                lines.append("stack: \(stack)")
            }
        case .uncompressedResponse(let e):
            lines.append("\(e.bytes) bytes sent without Content-Encoding")
            lines.append("at \(Int(e.linkBitsPerSecond / 1e6)) Mbit/s the body alone takes \(ms(e.transferNanoseconds)) to reach the client (loopback hides this)")
            lines.append("\(e.contentType ?? "this type") typically compresses to a fifth or less with gzip or brotli")
        }
        if let recurrence = finding.recurrence {
            lines.append("seen in \(recurrence.requests) of \(recurrence.of) requests")
        }
        return lines
    }

    /// The fix's sentence, with its first snippet as code.
    public static func fix(_ finding: Finding) -> Prose {
        fix(finding.fix)
    }

    public static func fix(_ fix: Fix) -> Prose {
        guard let snippet = fix.snippets.first, !snippet.code.contains("\n") else { return Prose(stringLiteral: fix.summary + ".") }
        return "\(fix.summary): \(code: snippet.code)"
    }

    /// `+0ms  83.3ms |██████████        | GET host/path (Shop/Partner.swift:44)`: the waterfall as
    /// text, for terminals.
    public static func waterfall(_ evidence: SequentialCallsEvidence, width: Int = 30) -> [String] {
        let span = max(evidence.inSequenceNanoseconds, 1)
        return evidence.calls.map { call in
            let lead = min(Int(Double(call.offsetNanoseconds) / Double(span) * Double(width)), width - 1)
            let length = max(1, Int((Double(call.durationNanoseconds) / Double(span) * Double(width)).rounded()))
            let bar = String(repeating: " ", count: lead) + String(repeating: "█", count: min(length, width - lead))
            let padded = bar + String(repeating: " ", count: max(0, width - bar.count))
            let site = call.callSite.flatMap { $0.isKnown ? " (\($0.description))" : nil } ?? ""
            let start = "+" + (call.offsetNanoseconds == 0 ? "0ms" : ms(call.offsetNanoseconds))
            let duration = ms(call.durationNanoseconds)
            let columns = start + String(repeating: " ", count: max(1, 10 - start.count))
                + String(repeating: " ", count: max(0, 9 - duration.count)) + duration
            return "\(columns) |\(padded)| \(call.call)\(site)"
        }
    }

    /// Thread names are cut to 15 characters by the kernel ("oot.default-qos"): say what the thread is.
    static func threadDescription(_ evidence: StallEvidence) -> String {
        switch evidence.thread {
        case .cooperativePool: "a thread of Swift's cooperative pool (\(evidence.threadName))"
        case .eventLoop: "the event loop \(evidence.threadName)"
        case .other: "thread \(evidence.threadName)"
        }
    }

    /// A statement for one line: whitespace collapsed, cut with an ellipsis.
    public static func clip(_ text: String, to limit: Int = statementInTitle) -> String {
        let flat = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard flat.count > limit else { return flat }
        return String(flat.prefix(max(limit - 1, 1))) + "…"
    }

    static func ms(_ nanoseconds: UInt64) -> String { DurationText.format(nanoseconds: Double(nanoseconds)) }
}
