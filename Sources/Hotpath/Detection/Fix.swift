/// What to change, as data: the kind of change, one plain sentence, the code to write, and
/// the same change in the words of particular frameworks (Fluent, SQLKit, SQLAlchemy…).
///
/// ```swift
/// let fix = Fix(kind: .addIndex, summary: "Add the index",
///               snippets: [CodeSnippet(.sql, "CREATE INDEX orders_email_idx ON orders (email)")])
/// ```
public struct Fix: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case addIndex = "add-index"
        case eagerLoad = "eager-load"
        case batchQueries = "batch-queries"
        case reuseWithinRequest = "reuse-within-request"
        case fewerColumns = "fewer-columns"
        case examinePlan = "examine-plan"
        case runConcurrently = "run-concurrently"
        case cache
        case offThePool = "off-the-pool"
        case fasterAlgorithm = "faster-algorithm"
        case compressResponses = "compress-responses"
        case fasterJSON = "faster-json"
        case moreEventLoops = "more-event-loops"
    }

    public var kind: Kind
    /// One sentence, plain text.
    public var summary: String
    /// The code to write or run, in order.
    public var snippets: [CodeSnippet]
    /// The same change for particular frameworks, most specific first.
    public var variants: [FixVariant]

    public init(kind: Kind, summary: String, snippets: [CodeSnippet] = [], variants: [FixVariant] = []) {
        self.kind = kind
        self.summary = summary
        self.snippets = snippets
        self.variants = variants
    }

    /// The variant for `framework`, if the fix has one.
    public func variant(for framework: Framework) -> FixVariant? {
        variants.first { $0.framework == framework }
    }
}

/// A piece of code to write or run.
public struct CodeSnippet: Sendable, Codable, Equatable {
    public enum Language: String, Sendable, Codable {
        case swift, sql, python, shell
    }

    public var language: Language
    public var code: String

    public init(_ language: Language, _ code: String) {
        self.language = language
        self.code = code
    }
}

/// A fix in the words of one framework or library.
public struct FixVariant: Sendable, Codable, Equatable {
    public var framework: Framework
    public var summary: String
    public var snippets: [CodeSnippet]

    public init(_ framework: Framework, _ summary: String, snippets: [CodeSnippet] = []) {
        self.framework = framework
        self.summary = summary
        self.snippets = snippets
    }
}

/// Frameworks and libraries a fix can be phrased for.
public enum Framework: String, Sendable, Codable, CaseIterable {
    case fluent, sqlkit, postgresql, sqlite, hummingbird, vapor
    case asyncHTTPClient = "async-http-client"
    case sqlalchemy, fastapi, python
}
