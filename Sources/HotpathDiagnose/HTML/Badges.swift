import Hotpath

/// Small coloured labels shared by the summary and the sections.
enum Badges {
    static func feel(_ feel: Feel) -> String {
        "<span class=\"feel \(feel.rawValue)\" title=\"\(HTMLText.escape(feel.range)): \(HTMLText.escape(feel.meaning))\">\(feel.rawValue)</span>"
    }

    static func budget(_ passed: Bool) -> String {
        passed ? "<span class=\"badge pass\">✓ within budget</span>" : "<span class=\"badge fail\">✗ over budget</span>"
    }

    static func effort(_ effort: Effort) -> String {
        let words = switch effort {
        case .low: "a one-line change"
        case .medium: "a local code change"
        case .high: "a redesign"
        }
        return "<span class=\"effort \(effort.rawValue)\" title=\"\(words)\">\(effort.rawValue) effort</span>"
    }

    static func verdict(_ verdict: MetricChange.Verdict) -> String {
        "<span class=\"verdict-badge \(verdict.rawValue)\">\(verdict.rawValue)</span>"
    }
}
