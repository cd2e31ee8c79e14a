/// Turns budget text (`p95<200ms, errors<1% and rps>500`) into clauses, with error
/// messages that name the bad clause and show a valid example.
enum BudgetParser {
    static let example = "(example: p95<200ms, errors<1%, rps>500)"

    /// Characters that start a comparison operator.
    private static let operatorCharacters: Set<Character> = ["<", ">", "=", "!"]

    /// Parses clauses separated by `,`, `&&` or the word `and` (any case).
    static func clauses(in text: String) throws(HotpathInputError) -> [BudgetClause] {
        guard !text.trimmingWhitespace().isEmpty else {
            throw HotpathInputError("empty budget: write clauses like p95<200ms, errors<1%, rps>500")
        }
        var clauses: [BudgetClause] = []
        for piece in split(text) {
            guard !piece.isEmpty else {
                throw HotpathInputError(
                    "bad budget '\(text)': an empty clause; separate clauses with one ',', '&&' or 'and' \(example)")
            }
            clauses.append(try clause(piece))
        }
        return clauses
    }

    /// Splits on `,` and `&&`, then on the word `and`. Each clause comes back with its words
    /// joined by single spaces; an empty string marks an empty clause (as in `a,,b`).
    static func split(_ text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var characters = Substring(text)
        while let character = characters.first {
            if character == "," {
                pieces.append(current)
                current = ""
                characters.removeFirst()
            } else if characters.hasPrefix("&&") {
                pieces.append(current)
                current = ""
                characters.removeFirst(2)
            } else {
                current.append(character)
                characters.removeFirst()
            }
        }
        pieces.append(current)
        return pieces.flatMap(splitOnAnd)
    }

    private static func splitOnAnd(_ piece: String) -> [String] {
        var groups: [String] = []
        var words: [Substring] = []
        for word in piece.split(whereSeparator: \.isWhitespace) {
            if word.lowercased() == "and" {
                groups.append(words.joined(separator: " "))
                words = []
            } else {
                words.append(word)
            }
        }
        groups.append(words.joined(separator: " "))
        return groups
    }

    /// Parses one clause; spaces are allowed anywhere (`p95 < 200 ms`).
    static func clause(_ text: String) throws(HotpathInputError) -> BudgetClause {
        let shown = String(text.trimmingWhitespace())
        func failure(_ reason: String) -> HotpathInputError {
            HotpathInputError("bad budget clause '\(shown)': \(reason) \(example)")
        }

        let compact = Substring(String(text.filter { !$0.isWhitespace }).lowercased())
        guard let operatorStart = compact.firstIndex(where: { operatorCharacters.contains($0) }) else {
            throw failure("missing a comparison and a threshold, like '<200ms'")
        }
        let metricText = compact[..<operatorStart]
        var rest = compact[operatorStart...]

        let comparison: BudgetClause.Comparison
        var operatorText = String(rest.prefix(2))
        switch operatorText {
        case "<=": comparison = .lessOrEqual
        case ">=": comparison = .greaterOrEqual
        case "==": comparison = .equal
        default:
            operatorText = String(rest.prefix(1))
            switch operatorText {
            case "<": comparison = .lessThan
            case ">": comparison = .greaterThan
            case "=": comparison = .equal
            default: throw failure("'!=' is not supported; use <, <=, >, >= or ==")
            }
        }
        rest = rest.dropFirst(operatorText.count)
        if let next = rest.first, operatorCharacters.contains(next) {
            throw failure("unknown comparison '\(operatorText)\(next)'; use <, <=, >, >= or ==")
        }
        guard !metricText.isEmpty else {
            throw failure("missing the metric before '\(operatorText)'")
        }
        let kind = try metric(metricText, failure: failure)
        guard !rest.isEmpty else {
            throw failure("missing a threshold after '\(operatorText)'")
        }

        switch kind {
        case .latency(let metric):
            let threshold = try latencyThreshold(rest, after: operatorText, failure: failure)
            return BudgetClause(metric: metric, comparison: comparison, threshold: threshold)
        case .errors:
            let (metric, threshold) = try errorThreshold(rest, after: operatorText, failure: failure)
            return BudgetClause(metric: metric, comparison: comparison, threshold: threshold)
        case .throughput:
            if rest.hasPrefix("-") { throw failure("requests per second cannot be negative") }
            guard let value = DecimalText.parseUnsigned(rest) else {
                throw failure("expected a number of requests per second like 500 after '\(operatorText)'")
            }
            return BudgetClause(metric: .requestsPerSecond, comparison: comparison, threshold: value)
        }
    }

    /// The family of a metric name; for errors, rate versus count depends on the threshold's `%`.
    private enum Kind {
        case latency(BudgetClause.Metric)
        case errors
        case throughput
    }

    private static func metric(
        _ name: Substring, failure: (String) -> HotpathInputError
    ) throws(HotpathInputError) -> Kind {
        switch name {
        case "avg", "mean", "average": return .latency(.average)
        case "med", "median": return .latency(.percentile(50))
        case "min", "minimum": return .latency(.minimum)
        case "max", "maximum": return .latency(.maximum)
        case "errors", "error", "errs", "err": return .errors
        case "rps", "req/s", "reqs/s", "requests/s", "throughput": return .throughput
        default: break
        }
        let unknown = failure(
            "unknown metric '\(name)'; use p95, p(95), p99.9, avg, med, min, max, errors or rps")
        guard name.hasPrefix("p") else { throw unknown }
        var level = name.dropFirst()
        // k6 writes percentiles as p(95).
        if level.hasPrefix("(") {
            guard level.hasSuffix(")") else { throw failure("unclosed '(' in '\(name)'") }
            level = level.dropFirst().dropLast()
        }
        guard let percentile = DecimalText.parseUnsigned(level) else { throw unknown }
        guard percentile <= 100 else {
            throw failure("percentile \(level) is above 100; use a percentile like p95 or p99.9")
        }
        return .latency(.percentile(percentile))
    }

    private static func latencyThreshold(
        _ text: Substring, after operatorText: String, failure: (String) -> HotpathInputError
    ) throws(HotpathInputError) -> Double {
        // k6 style: a bare number is milliseconds.
        switch DurationParser.nanoseconds(in: String(text), bareNumberUnit: .milliseconds) {
        case .success(let nanoseconds):
            return nanoseconds
        case .failure(.negative):
            throw failure("a latency cannot be negative; expected a duration like 200ms after '\(operatorText)'")
        case .failure(.tooLong):
            throw failure("'\(text)' is longer than the 30-day limit")
        case .failure:
            throw failure("expected a duration like 200ms after '\(operatorText)'")
        }
    }

    private static func errorThreshold(
        _ text: Substring, after operatorText: String, failure: (String) -> HotpathInputError
    ) throws(HotpathInputError) -> (BudgetClause.Metric, Double) {
        if text.hasPrefix("-") { throw failure("an error threshold cannot be negative") }
        if text.hasSuffix("%") {
            guard let percent = DecimalText.parseUnsigned(text.dropLast()) else {
                throw failure("expected a percentage like 1% after '\(operatorText)'")
            }
            guard percent <= 100 else { throw failure("an error rate must be between 0% and 100%") }
            return (.errorRate, percent / 100)
        }
        guard let count = DecimalText.parseUnsigned(text) else {
            throw failure("expected an error count like 10 or a rate like 1% after '\(operatorText)'")
        }
        // "errors<0.01" is almost always a rate typed k6-style; say so rather than guess.
        guard count == count.rounded() else {
            throw failure("an error count must be a whole number; for a rate write a percentage like 1%")
        }
        return (.errorCount, count)
    }
}
