/// A sentence for people, with the code in it marked as code: renderers show it as they like
/// (backticks in a terminal, `<code>` in HTML) without looking for markup in text.
///
/// ```swift
/// let title: Prose = "N+1 queries: \(60) × \(code: "select * from users where id = ?")"
/// title.description      // N+1 queries: 60 × `select * from users where id = ?`
/// title.plainText        // N+1 queries: 60 × select * from users where id = ?
/// ```
public struct Prose: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public enum Part: Sendable, Equatable {
        case text(String)
        case code(String)
    }

    public var parts: [Part]

    public init(parts: [Part]) {
        self.parts = parts
    }

    public init(stringLiteral value: String) {
        parts = [.text(value)]
    }

    public init(stringInterpolation: StringInterpolation) {
        parts = stringInterpolation.parts
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) {
            guard !literal.isEmpty else { return }
            if case .text(let last)? = parts.last {
                parts[parts.count - 1] = .text(last + literal)
            } else {
                parts.append(.text(literal))
            }
        }

        public mutating func appendInterpolation<T: CustomStringConvertible>(_ value: T) {
            appendLiteral(value.description)
        }

        public mutating func appendInterpolation(_ prose: Prose) {
            for part in prose.parts {
                switch part {
                case .text(let text): appendLiteral(text)
                case .code: parts.append(part)
                }
            }
        }

        /// Code, shown as code.
        public mutating func appendInterpolation(code: String) {
            parts.append(.code(code))
        }
    }

    /// Code in backticks: for terminals and logs.
    public var description: String {
        parts.map { part in
            switch part {
            case .text(let text): text
            case .code(let code): "`" + code + "`"
            }
        }.joined()
    }

    /// Without marks.
    public var plainText: String {
        parts.map { part in
            switch part {
            case .text(let text), .code(let text): text
            }
        }.joined()
    }

    public static func + (lhs: Prose, rhs: Prose) -> Prose {
        var joined = lhs
        for part in rhs.parts {
            if case .text(let text) = part, case .text(let last)? = joined.parts.last {
                joined.parts[joined.parts.count - 1] = .text(last + text)
            } else {
                joined.parts.append(part)
            }
        }
        return joined
    }
}
